"""Local stand-ins for the messaging platforms, and the machinery they share.

`telegram_bot_api.TelegramStandIn` answers like Telegram's Bot API and
`twilio_api.TwilioStandIn` like Twilio's Messages REST API; tests and benchmarks
point the broadcast engine at them instead of the real platforms. Both are a
:class:`StandInServer`: they keep a :class:`Ledger` of what they accepted and
refused, enforce rate limits with a :class:`SlidingWindow`, answer the admin
routes ``GET /_stats``, ``GET /_messages``, ``GET|POST /_config`` and
``POST /_reset``, and run in-process (``async with standin.running():``) or as
a process (:func:`serve_until_stopped` prints ``READY <port>`` once listening).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import signal
import sys
import time
from collections import Counter, deque
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    ClassVar,
    Hashable,
    Mapping,
    TypeVar,
)
from urllib.parse import parse_qsl

from aiohttp import hdrs, web

logger = logging.getLogger(__name__)

WINDOW_S = 1.0
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})

_StandIn = TypeVar("_StandIn", bound="StandInServer")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SlidingWindow:
    """Timestamps of the events in the last `width_s` seconds, oldest first.

    Amortised O(1) per event: each timestamp is appended once and popped once.
    Timestamps must be added in non-decreasing order (a monotonic clock).
    """

    def __init__(self, width_s: float = WINDOW_S) -> None:
        self.width_s = width_s
        self._times: deque[float] = deque()

    def count(self, now: float) -> int:
        """Events in the window (now - width_s, now]."""
        times = self._times
        while times and times[0] <= now - self.width_s:
            times.popleft()
        return len(times)

    def add(self, now: float) -> int:
        """Record an event at `now`; returns the events now in the window."""
        count = self.count(now)
        self._times.append(now)
        return count + 1

    def retry_after(self, now: float, limit: int) -> int | None:
        """None if one more event fits within `limit`, else whole seconds to wait."""
        count = self.count(now)
        if count < limit:
            return None
        # It fits once every event but the newest `limit - 1` has left the window.
        frees_at = self._times[count - limit] + self.width_s
        return max(1, math.ceil(frees_at - now))


class Ledger:
    """Counts of one stand-in's run: accepted deliveries, refusals, storms."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        """Start a new run: no deliveries, no refusals, no storm."""
        self.window = SlidingWindow()
        self.max_in_window = 0
        self.refused: Counter[str] = Counter()
        self.per_recipient: Counter[Hashable] = Counter()
        self.duplicate_recipients: set[Hashable] = set()
        self.duplicate_copies = 0
        self._copies: Counter[tuple[Hashable, Hashable]] = Counter()
        self._storm_until = 0.0
        self._storm_retry_after = 1

    def storm(self, seconds: float, retry_after: int) -> None:
        """Refuse every send for the next `seconds`, asking to retry after that."""
        self._storm_until = time.monotonic() + seconds
        self._storm_retry_after = max(1, int(retry_after))

    def storm_left_s(self) -> float:
        """Seconds of storm still to come."""
        return max(0.0, self._storm_until - time.monotonic())

    def storm_retry_after(self, now: float) -> int | None:
        """The storm's retry_after if one is raging at `now`, else None."""
        return self._storm_retry_after if now < self._storm_until else None

    def accept(self, recipient: Hashable, content: Hashable, now: float) -> None:
        """Count a delivery of `content` to `recipient` at monotonic time `now`."""
        self.max_in_window = max(self.max_in_window, self.window.add(now))
        self.per_recipient[recipient] += 1
        key = (recipient, content)
        self._copies[key] += 1
        if self._copies[key] > 1:
            self.duplicate_copies += 1
            self.duplicate_recipients.add(recipient)


class Refusal(Exception):
    """An error answer in the platform's own shape, counted under `reason`."""

    def __init__(
        self,
        status: int,
        body: dict[str, Any],
        *,
        reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(body)
        self.status = status
        self.body = body
        self.reason = reason
        self.headers = headers

    def response(self) -> web.Response:
        """The answer to send."""
        return web.json_response(self.body, status=self.status, headers=self.headers)


def read_limit(value: Any) -> int | None:
    """A rate setting: a positive integer, or None for unlimited."""
    if value is None or (type(value) is int and value >= 1):
        return value
    raise ValueError("a rate is a positive integer or null")


def read_seconds(value: Any) -> float:
    """A duration setting: a number of seconds, not negative."""
    if type(value) in (int, float) and value >= 0:
        return float(value)
    raise ValueError("a duration is a number of seconds")


def read_storm(value: Any) -> dict[str, Any]:
    """A storm setting: ``{"seconds": number, "retry_after": int}``."""
    if isinstance(value, dict) and set(value) <= {"seconds", "retry_after"}:
        retry_after = value.get("retry_after", 1)
        if type(retry_after) is int and retry_after >= 1:
            return {
                "seconds": read_seconds(value.get("seconds")),
                "retry_after": retry_after,
            }
    raise ValueError('storm is {"seconds": number, "retry_after": positive int}')


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request's body as a JSON object; ValueError if it is not one."""
    body = json.loads(await request.read())
    if not isinstance(body, dict):
        raise ValueError("the JSON body must be an object")
    return body


def media_type(request: web.Request) -> str:
    """The request's media type, lower-case, without parameters."""
    # Cheaper than `request.content_type`, which runs the email parser each time.
    header = request.headers.get(hdrs.CONTENT_TYPE, "")
    return header.partition(";")[0].strip().lower()


async def read_form(request: web.Request) -> dict[str, str]:
    """The text fields of a urlencoded or multipart body; ValueError if malformed."""
    if media_type(request) == "application/x-www-form-urlencoded":
        body = (await request.read()).decode("utf-8")
        return dict(parse_qsl(body, keep_blank_values=True, errors="strict"))
    try:
        form = await request.post()
    except AssertionError as error:
        # aiohttp asserts (rather than raises ValueError) on a truncated multipart.
        raise ValueError(str(error)) from error
    fields = {}
    for name, value in form.items():
        if isinstance(value, str):
            fields[name] = value
        else:
            value.file.close()  # aiohttp spooled the upload to a temporary file
    return fields


def optional_limit(value: str) -> int | None:
    """Parse a command-line rate: a positive integer, or ``none`` for unlimited."""
    if value.lower() in {"none", "off", "unlimited"}:
        return None
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("a rate is a positive integer or 'none'")
    return number


class StandInServer:
    """A platform stand-in: an aiohttp application on a local port, with a ledger.

    Subclasses add the platform's routes, list their settings with a parser
    for each, and say how to refuse in the platform's error shape.
    """

    settings: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.ledger = Ledger()
        self._requested_port = port
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    def error(self, status: int, message: str) -> Refusal:
        """A refusal in the platform's error shape."""
        raise NotImplementedError

    def routes(self) -> list[tuple[str, str, Handler]]:
        """The platform's own routes: (HTTP method, path, handler)."""
        raise NotImplementedError

    def stats_json(self) -> dict[str, Any]:
        """The stats, as ``GET /_stats`` answers them."""
        raise NotImplementedError

    def messages_json(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """The accepted messages chosen by the query, for ``GET /_messages``.

        Raises ValueError on a query it cannot use.
        """
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the records, counters, rate windows and any storm (keeps config)."""
        self.ledger.clear()

    def storm(self, seconds: float, retry_after: int) -> None:
        """For the next `seconds`, answer every send 429 with `retry_after`."""
        self.ledger.storm(seconds, retry_after)

    def configure(self, **changes: Any) -> dict[str, Any]:
        """Change settings (as named in the constructor) or start a `storm`.

        Raises ValueError on an unknown name or a bad value, changing nothing.
        Returns the resulting configuration.
        """
        checked: dict[str, Any] = {}
        for name, value in changes.items():
            if name != "storm" and name not in self.settings:
                raise ValueError(f"unknown setting {name!r}")
            parse = read_storm if name == "storm" else self.settings[name]
            try:
                checked[name] = parse(value)
            except (TypeError, ValueError) as error:
                raise ValueError(f"{name}: {error}") from error
        storm = checked.pop("storm", None)
        for name, value in checked.items():
            setattr(self, name, value)
        if storm is not None:
            self.storm(**storm)
        return self.config()

    def config(self) -> dict[str, Any]:
        """The current settings, as JSON."""
        current = {name: getattr(self, name) for name in self.settings}
        for name, value in current.items():
            if isinstance(value, (set, frozenset, tuple)):
                current[name] = sorted(value)
        current["storm_left_s"] = self.ledger.storm_left_s()
        return current

    def app(self) -> web.Application:
        """The aiohttp application: the platform's routes and the admin routes."""
        app = web.Application()
        routes = [
            *self.routes(),
            ("GET", "/_stats", self._stats_route),
            ("GET", "/_messages", self._messages_route),
            ("GET", "/_config", self._config_route),
            ("POST", "/_config", self._config_route),
            ("POST", "/_reset", self._reset_route),
            ("*", "/{anything:.*}", self._not_found),
        ]
        for method, path, handler in routes:
            # A wrapper per route costs less per request than a middleware.
            app.router.add_route(method, path, self._guarded(handler))
        return app

    def _guarded(self, handler: Handler) -> Handler:
        """`handler` answering refusals, and the stand-in's own bugs, with a 4xx."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            # The engine must only ever see deliberate 5xx, so a bug here answers
            # 400.
            try:
                return await handler(request)
            except Refusal as refusal:
                if refusal.reason is not None:
                    self.ledger.refused[refusal.reason] += 1
                return refusal.response()
            except web.HTTPException:
                raise
            except Exception:
                logger.exception("stand-in failed on %s", request.path)
                self.ledger.refused["standin_errors"] += 1
                return self.error(400, "Bad Request: stand-in failed").response()

        return guarded

    async def _not_found(self, _request: web.Request) -> web.Response:
        raise self.error(404, "Not Found")

    async def _stats_route(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats_json())

    async def _messages_route(self, request: web.Request) -> web.Response:
        try:
            return web.json_response(self.messages_json(dict(request.query)))
        except ValueError as error:
            raise self.error(400, f"Bad Request: {error}") from error

    async def _config_route(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            return web.json_response(self.config())
        try:
            return web.json_response(self.configure(**await read_json_object(request)))
        except ValueError as error:
            raise self.error(400, f"Bad Request: {error}") from error

    async def _reset_route(self, _request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})

    @property
    def port(self) -> int:
        """The port it listens on (only while running)."""
        if self._port is None:
            raise RuntimeError("the stand-in is not running")
        return self._port

    @property
    def url(self) -> str:
        """Its root URL, ``http://host:port``."""
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen on the configured port (0 picks a free one)."""
        runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._requested_port, backlog=1024)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None
        self._port = None

    @contextlib.asynccontextmanager
    async def running(self: _StandIn) -> AsyncIterator[_StandIn]:
        """Run for the duration of an ``async with`` block."""
        await self.start()
        try:
            yield self
        finally:
            await self.stop()


async def serve_until_stopped(standin: StandInServer) -> None:
    """Serve until SIGTERM or SIGINT, after writing ``READY <port>`` to stdout."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await standin.start()
    try:
        # The one line a parent process waits for; logging goes to stderr.
        sys.stdout.write(f"READY {standin.port}\n")
        sys.stdout.flush()
        await stopped.wait()
    finally:
        await standin.stop()
