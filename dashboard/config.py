"""Dashboard settings, read once from the environment at startup."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

# Rasa's SQL tracker store beside the app database (endpoints.yml, scripts/stack.py).
DEFAULT_TRACKER_DB_URL = (
    f"sqlite:///{Path(__file__).resolve().parent.parent / '.data' / 'tracker.db'}"
)


class ConfigError(RuntimeError):
    """A setting is missing or invalid."""


@dataclass(frozen=True)
class DashboardSettings:
    """Where the dashboard listens and what it may reach."""

    host: str
    port: int
    secure_cookies: bool  # set behind HTTPS (production); off on loopback
    max_body_bytes: int = 256 * 1024
    tracker_db_url: str = DEFAULT_TRACKER_DB_URL  # read-only, for transcripts


def load(env: Mapping[str, str] | None = None) -> DashboardSettings:
    """Read the settings; ConfigError names a bad value."""
    env = os.environ if env is None else env
    try:
        port = int(env.get("DASHBOARD_PORT", "8090"))
    except ValueError:
        raise ConfigError("DASHBOARD_PORT must be a number") from None
    return DashboardSettings(
        host=env.get("DASHBOARD_HOST", "127.0.0.1"),
        port=port,
        secure_cookies=env.get("DASHBOARD_SECURE_COOKIES", "0") == "1",
        tracker_db_url=env.get("TRACKER_DB_URL") or DEFAULT_TRACKER_DB_URL,
    )
