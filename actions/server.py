"""The action server: rasa-sdk's executor with a time limit per action.

`python -m actions.server` replaces `rasa run actions`, which listens on 0.0.0.0,
runs every action on one event loop (one slow database call stalls every
conversation) and answers errors with a 500 that echoes the request (the whole
conversation) back. Here each action runs in a worker thread with its own
event loop (kept for the thread's life) and must finish within ACTION_TIMEOUT_S
(default 5 s, well below Rasa's conversation lock lifetime); a slow or failing
action answers, in the person's language, that they can send the message
again. Nothing logged carries message text. Listens on loopback (ACTIONS_HOST)
only: it has no authentication of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from cld.logs import configure as configure_logs
from locales import DEFAULT, SUPPORTED, render

logger = logging.getLogger("actions.server")


def _language(action_call: dict[str, Any]) -> str:
    slots = (action_call.get("tracker") or {}).get("slots") or {}
    for name in ("language_choice", "language"):
        if slots.get(name) in SUPPORTED:
            return str(slots[name])
    return DEFAULT


def _apology(action_call: dict[str, Any]) -> dict[str, Any]:
    """A turn result that tells the person to send their message again."""
    text = render("gateway_try_again", _language(action_call)).text
    return {"events": [], "responses": [{"text": text}]}


class TimedExecutor:
    """Runs each action call in a thread, within `timeout_s`."""

    def __init__(self, package: str, *, timeout_s: float, threads: int) -> None:
        self._executor = ActionExecutor()
        self._executor.register_package(package)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="action")
        self._loops = threading.local()
        self.timeout_s = timeout_s

    def _run_in_thread(self, action_call: dict[str, Any]) -> Any:
        # One event loop per worker thread, kept: a new loop per call (asyncio.run)
        # also made and joined new threads for every database call.
        loop = getattr(self._loops, "loop", None)
        if loop is None:
            loop = self._loops.loop = asyncio.new_event_loop()
        return loop.run_until_complete(self._executor.run(action_call))

    async def run(self, action_call: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        work = loop.run_in_executor(self._pool, self._run_in_thread, action_call)
        return await asyncio.wait_for(work, self.timeout_s)

    def names(self) -> list[str]:
        return sorted(self._executor.actions)


def create_app(executor: TimedExecutor) -> Sanic:
    """The action server's web application."""
    app = Sanic("pathpal_actions", configure_logging=False)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok", "actions": len(executor.names())})

    @app.get("/actions")
    async def actions(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.names()])

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        try:
            action_call = request.json
        except Exception:
            action_call = None
        if not isinstance(action_call, dict):
            return response.json({"error": "body must be a JSON object"}, status=400)
        name = str(action_call.get("next_action") or "")
        started = time.monotonic()
        try:
            result = await executor.run(action_call)
        except ActionExecutionRejection as rejection:
            body = {"error": rejection.message, "action_name": rejection.action_name}
            return response.json(body, status=400)
        except ActionNotFoundException as missing:
            logger.error("unknown action %s", missing.action_name)
            return response.json({"error": "unknown action"}, status=404)
        except asyncio.TimeoutError:
            logger.warning(
                "action over its time limit",
                extra={"action": name, "limit_s": executor.timeout_s},
            )
            return response.json(_apology(action_call))
        except Exception as error:
            logger.error(
                "action failed", extra={"action": name, "error": type(error).__name__}
            )
            return response.json(_apology(action_call))
        logger.info(
            "action ran",
            extra={
                "action": name,
                "ms": round((time.monotonic() - started) * 1000),
                "kb_in": round(len(request.body) / 1024, 1),  # size, never content
            },
        )
        return response.json(result if result is not None else {"events": []})

    @app.exception(Exception)
    async def unexpected(_: Request, error: Exception) -> HTTPResponse:
        # Sanic's own errors (bad routes, methods, sizes) keep their 4xx status.
        status = getattr(error, "status_code", 503)
        logger.warning("request refused: %s", type(error).__name__)
        return response.json({"error": "request refused"}, status=status)

    return app


def warm_up() -> None:
    """Load what the first turn would otherwise wait for: the jieba dictionary
    and the knowledge-base index (seconds on a busy machine, above the action
    time limit). A database that is down now is retried on the first turn."""
    from pathways_kb import db, services

    try:
        with db.session_scope() as session:
            for question in ("what is a higher diploma", "高級文憑係咩嚟"):
                services.answer(session, question=question, lang="en")
    except Exception as error:  # noqa: BLE001 (never stop the server starting)
        logger.warning("warm-up skipped: %s", type(error).__name__)


def main() -> None:
    """Serve the actions until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    args = parser.parse_args()
    configure_logs("actions")
    warm_up()
    executor = TimedExecutor(
        "actions",
        timeout_s=float(os.environ.get("ACTION_TIMEOUT_S", "5")),
        threads=int(os.environ.get("ACTION_THREADS", "8")),
    )
    create_app(executor).run(args.host, args.port, access_log=False)


if __name__ == "__main__":
    main()
