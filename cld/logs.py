"""Structured logs, one JSON object a line, that never carry what people type.

`configure(service)` is called once at start-up by every process we run. With
LOG_FORMAT=json (production mode) each record is {"ts", "level", "service",
"logger", "event", ...fields given with `extra=`}; otherwise a plain line for a
terminal. Only the message template is written, never its arguments, and only
fields from an allow-list: message text, names and numbers from a person can
reach a log only by a bug in a template, and tests/cld/test_logs.py checks the
servers' logs after a chat for the words typed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone

FIELDS = (
    "action",
    "channel",
    "error",
    "limit_s",
    "ms",
    "path",
    "status",
    "trace",
    "count",
    "instance",
    "kb_in",  # size of a request body, never its content
)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the template instead of the message."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname.lower(),
            "service": self._service,
            "logger": record.name,
            "event": str(record.msg),
        }
        if record.args and isinstance(record.args, tuple):
            # Arguments are kept only when they are plain error/class names.
            entry["args"] = [a for a in record.args if _is_safe_arg(a)]
        for name in FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = record.exc_info[0].__name__
        return json.dumps(entry, ensure_ascii=False, default=str)


def _is_safe_arg(value: object) -> bool:
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and value.isidentifier() and len(value) <= 64


def configure(service: str, level: str | None = None) -> None:
    """Log to stderr as JSON (LOG_FORMAT=json) or as plain lines."""
    handler = logging.StreamHandler(sys.stderr)
    if os.environ.get("LOG_FORMAT", "plain") == "json":
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
