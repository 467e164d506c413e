"""A local Telegram Bot API for python-telegram-bot: rate limits, storms, failures.

Point ``telegram.Bot(token, base_url=standin.base_url)`` at a running
:class:`TelegramStandIn`. It answers ``getMe`` and ``sendMessage`` (POSTed as
JSON, form-encoded or multipart, or as a GET query), enforces Telegram's limits
(a global sliding window of accepted messages per 1.0 s and a per-chat one),
can play a 429 storm, blocked users (403) and transient 5xx, and records every
message it accepted.

As a process: ``python -m tests.standins.telegram_bot_api --port 0 --rate 30``
prints ``READY <port>`` once listening and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import logging
import random
import re
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Iterable, Sequence

from aiohttp import web

from tests.standins import (
    FORM_TYPES,
    Handler,
    Refusal,
    SlidingWindow,
    StandInServer,
    media_type,
    optional_limit,
    read_form,
    read_json_object,
    read_limit,
    read_seconds,
    serve_until_stopped,
)

MAX_TEXT = 4096
PARSE_MODES = {"HTML", "MarkdownV2", "Markdown"}
HTML_TAGS = {
    *("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a"),
    *("code", "pre", "span", "tg-spoiler", "blockquote", "tg-emoji"),
}
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(\s[^<>]*)?>")
_CHAT_ID = re.compile(r"-?[0-9]{1,20}")
_PHRASES = {500: "Internal Server Error", 502: "Bad Gateway"}


@dataclass(frozen=True)
class TelegramDelivery:
    """One accepted message: `time` is wall-clock, `monotonic` drives the windows."""

    chat_id: int
    text: str
    parse_mode: str | None
    time: float
    monotonic: float


@dataclass(frozen=True)
class TelegramStats:
    """What the stand-in saw since it started (or since the last reset)."""

    accepted: int
    per_chat: dict[int, int]
    duplicates: int  # chats that got some text more than once
    duplicate_copies: int  # the surplus copies, over all chats
    rate_limited: int  # 429s for going over the global or the per-chat limit
    storm_429: int
    blocked_403: int
    transient_5xx: int
    bad_request_400: int
    max_in_any_window: int  # most accepted messages in any 1.0 s window
    first_accepted_at: float | None  # wall-clock
    last_accepted_at: float | None
    standin_errors: int  # bugs of the stand-in itself, answered 400

    def as_json(self) -> dict[str, Any]:
        """The stats as a JSON object (chat ids become string keys)."""
        data = asdict(self)
        data["per_chat"] = {str(k): v for k, v in self.per_chat.items()}
        return data


def telegram_error(
    status: int,
    description: str,
    *,
    reason: str | None = None,
    parameters: dict[str, Any] | None = None,
) -> Refusal:
    """A Bot API error answer, as Telegram sends it."""
    body: dict[str, Any] = {
        "ok": False,
        "error_code": status,
        "description": description,
    }
    if parameters:
        body["parameters"] = parameters
    if reason is None and status == 400:
        reason = "bad_request_400"
    return Refusal(status, body, reason=reason)


def too_many_requests(retry_after: int, *, reason: str) -> Refusal:
    """Telegram's flood-control answer."""
    return telegram_error(
        429,
        f"Too Many Requests: retry after {retry_after}",
        reason=reason,
        parameters={"retry_after": retry_after},
    )


def parse_html(text: str) -> str:
    """The visible text of Telegram HTML; raises a 400 Refusal like Telegram does."""
    stack: list[str] = []
    visible: list[str] = []
    pos = 0
    while (start := text.find("<", pos)) != -1:
        visible.append(text[pos:start])
        match = _TAG.match(text, start)
        offset = len(text[:start].encode("utf-8"))
        if match is None or match[2].lower() not in HTML_TAGS:
            name = match[2] if match else text[start + 1 : start + 11]
            raise _entities(f'Unsupported start tag "{name}" at byte offset {offset}')
        name = match[2].lower()
        if not match[1]:
            stack.append(name)
        elif not stack or stack[-1] != name:
            expected = f'"</{stack[-1]}>"' if stack else "no end tag"
            raise _entities(
                f"Unmatched end tag at byte offset {offset}, "
                f'expected {expected}, found "</{name}>"'
            )
        else:
            stack.pop()
        pos = match.end()
    if stack:
        raise _entities(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    visible.append(text[pos:])
    return html.unescape("".join(visible))


def _entities(detail: str) -> Refusal:
    return telegram_error(400, f"Bad Request: can't parse entities: {detail}")


def read_chat_id(value: Any) -> int:
    """A chat id from JSON (an int) or a form (a numeric string); 400 otherwise."""
    if value is None or value == "":
        raise telegram_error(400, "Bad Request: chat_id is empty")
    if type(value) is int:
        return value
    if isinstance(value, str) and _CHAT_ID.fullmatch(value.strip()):
        return int(value)
    raise telegram_error(400, "Bad Request: chat not found")


def _read_chat_ids(value: Any) -> frozenset[int]:
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise ValueError("a list of chat ids")
    try:
        return frozenset(read_chat_id(v) for v in value)
    except Refusal as refusal:
        raise ValueError(f"not a chat id in {value!r}") from refusal


def _read_ratio(value: Any) -> float:
    if type(value) in (int, float) and 0 <= value <= 1:
        return float(value)
    raise ValueError("a number between 0 and 1")


def _read_statuses(value: Any) -> tuple[int, ...]:
    if isinstance(value, (list, tuple)) and value and not set(value) - set(_PHRASES):
        return tuple(value)
    raise ValueError("a non-empty list of 500 and 502")


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}


class TelegramStandIn(StandInServer):
    """Telegram's Bot API on a local port, with limits and faults set by the test.

    Args:
        token: the only token accepted (401 otherwise); None accepts any.
        rate_per_s: accepted messages allowed in any 1.0 s, all chats; None = off.
        per_chat_per_s: accepted messages allowed per chat in any 1.0 s; None = off.
        blocked_chat_ids: chats whose user blocked the bot (403).
        fail_ratio: share of sendMessage calls answered with a transient 5xx.
        fail_statuses: the statuses such failures pick from (500 and/or 502).
        delay_s: processing delay added to every Bot API request.
        seed: seed of the random choice of failures.
    """

    settings: ClassVar = {
        "rate_per_s": read_limit,
        "per_chat_per_s": read_limit,
        "blocked_chat_ids": _read_chat_ids,
        "fail_ratio": _read_ratio,
        "fail_statuses": _read_statuses,
        "delay_s": read_seconds,
    }

    def __init__(
        self,
        *,
        token: str | None = None,
        rate_per_s: int | None = 30,
        per_chat_per_s: int | None = 1,
        blocked_chat_ids: Iterable[int] = (),
        fail_ratio: float = 0.0,
        fail_statuses: Sequence[int] = (500, 502),
        delay_s: float = 0.0,
        seed: int = 0,
        bot_id: int = 1000000001,
        bot_username: str = "pathpal_standin_bot",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port)
        self.token = token
        self.rate_per_s: int | None = None
        self.per_chat_per_s: int | None = None
        self.blocked_chat_ids: frozenset[int] = frozenset()
        self.fail_ratio = 0.0
        self.fail_statuses: tuple[int, ...] = ()
        self.delay_s = 0.0
        self.configure(
            rate_per_s=rate_per_s,
            per_chat_per_s=per_chat_per_s,
            blocked_chat_ids=list(blocked_chat_ids),
            fail_ratio=fail_ratio,
            fail_statuses=list(fail_statuses),
            delay_s=delay_s,
        )
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "PathPal Stand-in",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._sender = {k: self.bot_user[k] for k in ("id", "is_bot", "first_name")}
        self._sender["username"] = bot_username
        self._random = random.Random(seed)
        self._message_ids: Counter[int] = Counter()
        self.reset()

    @property
    def base_url(self) -> str:
        """What to pass as python-telegram-bot's `base_url`."""
        return f"{self.url}/bot"

    def reset(self) -> None:
        """Forget the records, counters, rate windows and any storm (keeps config)."""
        super().reset()
        self.messages: list[TelegramDelivery] = []
        self._chat_windows: dict[int, SlidingWindow] = {}

    def messages_for(self, chat_id: int) -> list[TelegramDelivery]:
        """The accepted messages to one chat, oldest first."""
        return [m for m in self.messages if m.chat_id == chat_id]

    def stats(self) -> TelegramStats:
        """Counts of what was accepted and refused."""
        ledger, refused = self.ledger, self.ledger.refused
        return TelegramStats(
            accepted=len(self.messages),
            per_chat=dict(ledger.per_recipient),
            duplicates=len(ledger.duplicate_recipients),
            duplicate_copies=ledger.duplicate_copies,
            rate_limited=refused["rate_limited"],
            storm_429=refused["storm_429"],
            blocked_403=refused["blocked_403"],
            transient_5xx=refused["transient_5xx"],
            bad_request_400=refused["bad_request_400"],
            max_in_any_window=ledger.max_in_window,
            first_accepted_at=self.messages[0].time if self.messages else None,
            last_accepted_at=self.messages[-1].time if self.messages else None,
            standin_errors=refused["standin_errors"],
        )

    def stats_json(self) -> dict[str, Any]:
        """The stats, as ``GET /_stats`` answers them."""
        return self.stats().as_json()

    def messages_json(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """The accepted messages, all or (``?chat_id=``) one chat's."""
        chat = query.get("chat_id")
        chosen = self.messages if chat is None else self.messages_for(int(chat))
        return [asdict(m) for m in chosen]

    def error(self, status: int, message: str) -> Refusal:
        """An uncounted refusal in the Bot API's error shape (admin, unknown paths)."""
        refusal = telegram_error(status, message)
        refusal.reason = None
        return refusal

    def routes(self) -> list[tuple[str, str, Handler]]:
        """The Bot API, under ``/bot<token>/<method>``."""
        return [("*", "/bot{token}/{method}", self._bot_api)]

    async def _bot_api(self, request: web.Request) -> web.Response:
        if self.token is not None and request.match_info["token"] != self.token:
            raise telegram_error(401, "Unauthorized")
        method = request.match_info["method"].lower()  # Telegram ignores case
        if method not in {"getme", "sendmessage"}:
            raise telegram_error(404, "Not Found")
        params = await _params(request)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if method == "getme":
            return web.json_response({"ok": True, "result": self.bot_user})
        return web.json_response({"ok": True, "result": self._send_message(params)})

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = read_chat_id(params.get("chat_id"))
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise telegram_error(400, "Bad Request: message text is empty")
        parse_mode = params.get("parse_mode") or None
        if parse_mode is not None and (
            not isinstance(parse_mode, str) or parse_mode not in PARSE_MODES
        ):
            raise telegram_error(400, "Bad Request: unsupported parse_mode")
        # Telegram's limits apply to the text after its entities are parsed.
        visible = parse_html(text) if parse_mode == "HTML" else text
        if not visible.strip():
            raise telegram_error(400, "Bad Request: message text is empty")
        if len(visible) > MAX_TEXT:
            raise telegram_error(400, "Bad Request: message is too long")
        now = time.monotonic()
        self._refuse_if_limited(chat_id, now)
        return self._accept(chat_id, text, parse_mode, visible, now)

    def _refuse_if_limited(self, chat_id: int, now: float) -> None:
        storm = self.ledger.storm_retry_after(now)
        if storm is not None:
            raise too_many_requests(storm, reason="storm_429")
        if self.fail_ratio and self._random.random() < self.fail_ratio:
            status = self._random.choice(self.fail_statuses)
            raise telegram_error(status, _PHRASES[status], reason="transient_5xx")
        if chat_id in self.blocked_chat_ids:
            raise telegram_error(
                403, "Forbidden: bot was blocked by the user", reason="blocked_403"
            )
        waits = []
        if self.rate_per_s is not None:
            waits.append(self.ledger.window.retry_after(now, self.rate_per_s))
        chat_window = self._chat_windows.get(chat_id)
        if self.per_chat_per_s is not None and chat_window is not None:
            waits.append(chat_window.retry_after(now, self.per_chat_per_s))
        wait = max((w for w in waits if w is not None), default=None)
        if wait is not None:
            raise too_many_requests(wait, reason="rate_limited")

    def _accept(
        self, chat_id: int, text: str, parse_mode: str | None, visible: str, now: float
    ) -> dict[str, Any]:
        self.ledger.accept(chat_id, text, now)
        if self.per_chat_per_s is not None:
            self._chat_windows.setdefault(chat_id, SlidingWindow()).add(now)
        wall = time.time()
        self.messages.append(TelegramDelivery(chat_id, text, parse_mode, wall, now))
        self._message_ids[chat_id] += 1
        return {
            "message_id": self._message_ids[chat_id],
            "date": int(wall),
            "chat": _chat(chat_id),
            "from": self._sender,
            "text": visible,
        }


async def _params(request: web.Request) -> dict[str, Any]:
    """The method's parameters from the query and the JSON or form body."""
    params: dict[str, Any] = dict(request.query) if request.query_string else {}
    if not request.can_read_body:
        return params
    kind = media_type(request)
    try:
        if kind == "application/json":
            params.update(await read_json_object(request))
        elif kind in FORM_TYPES:
            # What python-telegram-bot sends: every value a string, JSON-encoded
            # unless it already was one.
            params.update(await read_form(request))
        elif await request.read():
            raise ValueError(f"unsupported content type {kind}")
    except ValueError as error:
        raise telegram_error(
            400, f"Bad Request: can't parse the body: {error}"
        ) from error
    return params


def main(argv: Sequence[str] | None = None) -> None:
    """Run the stand-in as a process until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rate", type=optional_limit, default=30)
    parser.add_argument("--per-chat", type=optional_limit, default=1)
    parser.add_argument("--token", default=None)
    parser.add_argument("--blocked", type=int, nargs="*", default=[])
    parser.add_argument("--fail-ratio", type=float, default=0.0)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    standin = TelegramStandIn(
        token=args.token,
        rate_per_s=args.rate,
        per_chat_per_s=args.per_chat,
        blocked_chat_ids=args.blocked,
        fail_ratio=args.fail_ratio,
        delay_s=args.delay,
        seed=args.seed,
        host=args.host,
        port=args.port,
    )
    asyncio.run(serve_until_stopped(standin))


if __name__ == "__main__":
    main()
