"""The REST channel: `POST /webhooks/rest/webhook`, {"sender", "message" | "payload"}.

Answers like Rasa's own REST channel (a list of {recipient_id, text, buttons}),
but through the gateway's checks. Malformed requests get a clear 4xx, never 500.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from bot.turns import Incoming, Reply, TurnHandler
from locales import render

SENDER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@-]{1,64}$")
TURNS_KEY: web.AppKey[TurnHandler] = web.AppKey("turns", TurnHandler)


def _bad_request(reason: str, status: int = 400) -> web.Response:
    body = {
        "error": reason,
        "message": render("gateway_bad_request", "en").text,
        "message_yue": render("gateway_bad_request", "yue").text,
    }
    return web.json_response(body, status=status)


def _as_json(sender: str, reply: Reply) -> dict[str, Any]:
    body: dict[str, Any] = {"recipient_id": sender, "text": reply.text}
    if reply.buttons:
        body["buttons"] = [
            {"title": b.title, "payload": b.payload} for b in reply.buttons
        ]
    return body


def parse_turn(body: Any) -> Incoming:
    """Validate a REST body; raises ValueError with the reason when it is unusable."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    sender, text, payload = body.get("sender"), body.get("message"), body.get("payload")
    if not isinstance(sender, str) or not SENDER_PATTERN.match(sender):
        raise ValueError("'sender' must be 1-64 letters, digits or _.:@-")
    if payload is not None and not isinstance(payload, str):
        raise ValueError("'payload' must be a string")
    if payload is None and not isinstance(text, str):
        raise ValueError("'message' must be a string")
    return Incoming(channel="rest", sender=f"rest-{sender}", text=text, payload=payload)


async def webhook(request: web.Request) -> web.Response:
    """Handle one REST turn."""
    if request.content_type != "application/json":
        return _bad_request("send Content-Type: application/json", status=415)
    try:
        raw = await request.read()
        body = json.loads(raw.decode("utf-8"))
    except web.HTTPRequestEntityTooLarge:
        return _bad_request("the body is larger than 64 KB", status=413)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # too deep
        return _bad_request("the body is not valid UTF-8 JSON")
    try:
        incoming = parse_turn(body)
    except ValueError as error:
        return _bad_request(str(error))
    replies = await request.app[TURNS_KEY].handle(incoming)
    sender = body["sender"]
    return web.json_response([_as_json(sender, r) for r in replies])


def add_routes(app: web.Application, turns: TurnHandler) -> None:
    """Mount the REST channel on `app`."""
    app[TURNS_KEY] = turns
    app.router.add_post("/webhooks/rest/webhook", webhook)
