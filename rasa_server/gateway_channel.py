"""The only input channel Rasa serves: turns forwarded by our gateway (bot/).

Like Rasa's REST channel, but: a shared token (`X-Gateway-Token`, from
RASA_CHANNEL_TOKEN) proves the caller is our gateway; a turn that could not be
read or saved (tracker store, lock store or action server down) answers 503
with Retry-After instead of an empty 200, so the gateway says "please try
again" and nothing is reset; malformed bodies get 400; and no message text is
ever logged.
"""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from rasa_server import lean_action_calls, lock_release  # noqa: F401 (patch Rasa)
from rasa_server.strict_actions import ActionServerUnavailable
from rasa_server.tracker_store import TrackerStoreUnavailable

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-Gateway-Token"
MAX_SENDER_CHARS = 255  # the tracker store's sender_id column


def _error(status: int, reason: str, retry_after_s: int | None = None) -> HTTPResponse:
    headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
    return response.json({"error": reason}, status=status, headers=headers)


def _turn(request: Request) -> tuple[str, str, dict[str, Any]] | str:
    """(sender, text, metadata) from the body, or why it is malformed."""
    try:
        body = request.json
    except Exception:  # Sanic raises its own InvalidUsage on bad JSON
        return "body is not JSON"
    if not isinstance(body, dict):
        return "body must be a JSON object"
    sender, text = body.get("sender"), body.get("message")
    metadata = body.get("metadata") or {}
    if not isinstance(sender, str) or not 0 < len(sender) <= MAX_SENDER_CHARS:
        return "sender must be a string of 1 to 255 characters"
    if not isinstance(text, str):
        return "message must be a string"
    if not isinstance(metadata, dict):
        return "metadata must be an object"
    return sender, text, metadata


class GatewayInput(InputChannel):
    """`POST /webhooks/gateway/webhook` {"sender", "message", "metadata"}."""

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(os.environ.get("RASA_CHANNEL_TOKEN", ""))

    def __init__(self, token: str) -> None:
        self._token = token

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        hook = Blueprint("gateway_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            given = request.headers.get(TOKEN_HEADER, "")
            if self._token and not hmac.compare_digest(given, self._token):
                return _error(403, "not the gateway")
            turn = _turn(request)
            if isinstance(turn, str):
                return _error(400, turn)
            sender, text, metadata = turn
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender,
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except TrackerStoreUnavailable:
                return _error(503, "conversation storage unavailable", 2)
            except ActionServerUnavailable as error:
                logger.warning("turn failed: action %s did not run", error)
                return _error(503, "action server unavailable", 2)
            except Exception as error:  # lock store down, lock timeout, a bug
                logger.warning("turn failed: %s", type(error).__name__)
                return _error(503, "turn failed", 2)
            return response.json(collector.messages)

        return hook
