"""End-to-end harness for Telegram: a local Bot API emulator, a shim, and a fake person.

Telegram cannot be reached from the test machines, so the tests run a local
emulator, the npm package ``telegram-test-api`` 4.2.1 (installed into
``tests/telegram_emulator`` by its ``install.sh``), and talk to it in two roles:

* the bot (the gateway, or python-telegram-bot directly) speaks the ordinary Bot
  API, ``/bot<token>/<method>``, to a :class:`BotApiShim` in front of the
  emulator, which fills in what python-telegram-bot 22 requires and the
  emulator leaves out (see the shim's docstring);
* a :class:`TelegramUser` acts as a person through the emulator's own client
  API (not Telegram's): it sends texts, presses inline buttons and reads what
  the bot sent to its chat.

The emulator's client API, as read from its source (``lib/routes/client``):

``POST /sendMessage`` (JSON)
    A message from a person: a Telegram ``Message`` body without
    ``message_id`` plus ``"botToken"`` (the bot it is for). Any message content
    is kept as given (``text``, ``photo``, ``sticker``, ``caption``,
    ``entities``...), so photos and stickers can be sent. The emulator adds
    ``message_id`` and ``update_id`` and queues ``{"update_id", "message"}``.
``POST /sendCommand`` (JSON)
    The same, for a message that has ``entities`` (a ``bot_command``).
``POST /sendCallback`` (JSON)
    A button press: ``{"botToken", "from", "message", "data"}``; it becomes
    ``{"update_id", "callback_query": {"id", "from", "message", "data"}}``:
    every other field, ``chat_instance`` included, is dropped.
``POST /getUpdates`` (JSON ``{"token", "chatId"}``)
    The bot's messages to that chat not yet read by this call, as stored
    records ``{"time" (ms), "botToken", "updateId", "messageId", "isRead",
    "message": <the bot's sendMessage parameters>}``. Reading marks them read.
``POST /getUpdatesHistory`` (JSON ``{"token"}``)
    Every stored record of the bot, the person's and the bot's, oldest first,
    without marking anything read. Edits and deletions made by the bot show.

All four answer ``{"ok": true, "result": null}`` at once; a body the emulator
cannot use (no ``botToken``) is dropped with only a log line. The emulator
cannot queue other kinds of update (``edited_message``, ``my_chat_member``,
...): for those, build the update with :class:`UpdateBuilder` and POST it to the
gateway's webhook with :func:`post_update`.

Webhooks: after ``setWebhook`` (``url`` from the JSON/form body or the query),
the emulator POSTs each update from the person (JSON, the same body
``getUpdates`` would give) to that url instead of queueing it, with no
``X-Telegram-Bot-Api-Secret-Token`` header (``secret_token`` is ignored) and
``callback_query`` without ``chat_instance``. The shim relays these deliveries
so the bot gets them as Telegram sends them (see :class:`BotApiShim`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Dict, Mapping

import aiohttp
from aiohttp import web

from tests.e2e.conftest import is_privacy_notice

JSON = Dict[str, Any]

EMULATOR_DIR = Path(__file__).resolve().parent.parent / "telegram_emulator"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

# What the emulator's getMe says about the bot (it has no other identity), with
# the fields python-telegram-bot requires added as the shim adds them.
EMULATOR_BOT: JSON = {
    "id": 666,
    "is_bot": True,
    "first_name": "Test First name",
    "username": "TestNameBot",
}
GET_ME_DEFAULTS: JSON = {
    **EMULATOR_BOT,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
DATE_FIELDS = frozenset({"date", "edit_date", "forward_date"})
# A date above this is in milliseconds: in seconds it would be after the year 5000,
# in milliseconds it is any time after March 1973.
MILLISECONDS_ABOVE = 100_000_000_000
# The longest the shim holds a getUpdates call that asked for a long poll.
MAX_LONG_POLL_S = 60.0

_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
# Loopback only: never through a proxy that the environment may name.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class HarnessError(RuntimeError):
    """The emulator or the shim could not be started or did not answer as expected."""


class UnsupportedByEmulator(NotImplementedError):
    """The emulator cannot deliver this kind of update; POST it to a webhook instead."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the emulator process -----------------------------------------------------


class TelegramEmulator:
    """The ``telegram-test-api`` server (``tests/telegram_emulator/server.js``).

    Runs as a child process in its own process group on a free 127.0.0.1 port,
    from :meth:`start` (which returns once it printed ``ready <port>``) until
    :meth:`stop` (SIGTERM to the group, SIGKILL if it lingers). Its stderr goes
    to :attr:`log_path`: the file given, or a temporary one removed by
    :meth:`stop`. Needs ``install.sh`` to have been run.
    """

    def __init__(
        self,
        *,
        directory: Path = EMULATOR_DIR,
        node: str | None = None,
        startup_timeout_s: float = 20.0,
        log_path: Path | None = None,
    ) -> None:
        """Configure; nothing starts until :meth:`start`."""
        self.directory = directory
        self._node = node
        self._startup_timeout_s = startup_timeout_s
        self._log_path = log_path
        self._owns_log = False
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._port: int | None = None

    @property
    def url(self) -> str:
        """Base url of the emulator, e.g. ``http://127.0.0.1:40123``."""
        if self._port is None:
            raise HarnessError("the Telegram emulator is not running")
        return f"http://127.0.0.1:{self._port}"

    @property
    def port(self) -> int:
        """The port it listens on."""
        if self._port is None:
            raise HarnessError("the Telegram emulator is not running")
        return self._port

    @property
    def log_path(self) -> Path | None:
        """The file that receives the emulator's stderr (set once started)."""
        return self._log_path

    def log_text(self) -> str:
        """What the emulator wrote to stderr so far (errors, failed webhooks)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(encoding="utf-8", errors="replace")

    def start(self) -> None:
        """Start the server and wait until it listens; retried on a taken port."""
        if self._process is not None:
            raise HarnessError("the Telegram emulator is already running")
        node = self._node or shutil.which("node")
        if node is None:
            raise HarnessError("node is not installed: the Telegram emulator needs it")
        if not (self.directory / "node_modules" / "telegram-test-api").is_dir():
            raise HarnessError(
                f"telegram-test-api is not installed: run {self.directory}/install.sh"
            )
        if self._log_path is None:
            handle, name = tempfile.mkstemp(prefix="telegram-emulator-", suffix=".log")
            os.close(handle)
            self._log_path = Path(name)
            self._owns_log = True
        env = {
            key: value
            for key, value in os.environ.items()
            if key.lower() not in _PROXY_VARIABLES
        }
        failure = ""
        for _attempt in range(3):
            port = free_port()
            failure = self._launch(node, port, env)
            if not failure:
                self._port = port
                return
            if "EADDRINUSE" not in failure:
                break
        self.stop()
        raise HarnessError(f"the Telegram emulator did not start: {failure}")

    def _launch(self, node: str, port: int, env: Mapping[str, str]) -> str:
        """Start one server process; '' once ready, else why it failed."""
        assert self._log_path is not None
        self._log = self._log_path.open("ab")
        process = subprocess.Popen(
            [node, str(self.directory / "server.js"), str(port)],
            cwd=self.directory,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
        )
        self._process = process
        assert process.stdout is not None
        deadline = time.monotonic() + self._startup_timeout_s
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._end_process()
                    return f"no 'ready' line in {self._startup_timeout_s:.0f} s"
                if not selector.select(remaining):
                    continue
                line = process.stdout.readline().decode("utf-8", errors="replace")
                if line.strip() == f"ready {port}":
                    return ""
                if not line:  # the process closed stdout: it ended
                    process.wait(5)
                    self._end_process()
                    return self.log_text()[-2000:] or "it exited at once"

    def stop(self) -> None:
        """Stop the server and its process group; a log it made itself is removed.

        Safe to repeat.
        """
        self._end_process()
        if self._owns_log and self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None
            self._owns_log = False

    def _end_process(self) -> None:
        """SIGTERM to the process group, SIGKILL if it lingers; close the files."""
        process, self._process = self._process, None
        self._port = None
        if process is not None:
            if process.poll() is None:
                _signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(5)
                except subprocess.TimeoutExpired:
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait(5)
            if process.stdout is not None:
                process.stdout.close()
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> TelegramEmulator:
        """Start it for a ``with`` block."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop it at the end of a ``with`` block."""
        self.stop()


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send a signal to the process group we created; gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


# --- fixing the emulator's answers -----------------------------------------------


def _chat_instance(callback_query: Mapping[str, Any]) -> str:
    """A stable stand-in for Telegram's opaque chat_instance: the chat's id."""
    message = callback_query.get("message")
    if isinstance(message, Mapping) and isinstance(message.get("chat"), Mapping):
        return str(message["chat"].get("id", ""))
    sender = callback_query.get("from")
    return str(sender.get("id", "")) if isinstance(sender, Mapping) else "0"


def normalise(value: Any) -> Any:
    """A copy of emulator JSON made Telegram-like (see :class:`BotApiShim`).

    Every ``date``/``edit_date``/``forward_date`` in milliseconds becomes
    seconds, ``botToken`` keys (the emulator copies the person's request into
    the update) are dropped, a ``callback_query`` without ``chat_instance``
    gets one, and ``link_preview_options``, which the emulator echoes back as the
    JSON text it was sent, becomes the object Telegram returns.
    """
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if not isinstance(value, dict):
        return value
    fixed: JSON = {}
    for key, item in value.items():
        if key == "botToken":
            continue
        if (
            key in DATE_FIELDS
            and isinstance(item, int)
            and not isinstance(item, bool)
            and item > MILLISECONDS_ABOVE
        ):
            fixed[key] = item // 1000
            continue
        if key == "link_preview_options" and isinstance(item, str):
            try:
                item = json.loads(item)
            except ValueError:
                continue
        fixed[key] = normalise(item)
        if key == "callback_query" and isinstance(fixed[key], dict):
            fixed[key].setdefault("chat_instance", _chat_instance(fixed[key]))
    return fixed


def fix_response(method: str, status: int, payload: Any) -> tuple[int, Any]:
    """The status and JSON body the shim answers for an emulator answer."""
    if not isinstance(payload, dict):
        return status, payload
    if "ok" not in payload:  # the emulator's own errors: {"message": "..."}
        description = str(payload.get("message") or "emulator error")
        return status, {"ok": False, "error_code": status, "description": description}
    payload = normalise(payload)
    if payload["ok"] is False:
        # The emulator says ok: false with HTTP 200; Telegram uses the error code.
        code = payload.get("error_code")
        if status < 400 and isinstance(code, int) and code >= 400:
            status = code
        return status, payload
    if payload.get("result", False) is None:
        payload["result"] = True
    if method.lower() == "getme" and isinstance(payload.get("result"), dict):
        payload["result"] = {**GET_ME_DEFAULTS, **payload["result"]}
    return status, payload


def request_params(query: Mapping[str, str], content_type: str, body: bytes) -> JSON:
    """A Bot API call's parameters from its query and JSON or form body."""
    params: JSON = dict(query)
    if not body:
        return params
    if content_type.startswith("application/json"):
        with contextlib.suppress(ValueError):
            parsed = json.loads(body)
            if isinstance(parsed, dict):
                params.update(parsed)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        text = body.decode("utf-8", errors="replace")
        params.update(urllib.parse.parse_qsl(text, keep_blank_values=True))
    return params


# --- the shim ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShimCall:
    """One Bot API call the shim passed on (parameters of multipart bodies omitted)."""

    token: str
    method: str
    params: JSON


@dataclass(frozen=True)
class WebhookTarget:
    """Where the bot asked for its updates, and the secret it asked for."""

    url: str
    secret_token: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    """One update the shim relayed to a bot's webhook, and the HTTP status (0: none)."""

    token: str
    url: str
    update: JSON
    status: int


class BotApiShim:
    """An HTTP proxy between a bot and the emulator that makes it look like Telegram.

    Every request under ``/bot<token>/<method>`` (GET or POST; JSON, form or
    multipart bodies passed on byte for byte) goes to the emulator, and its
    answer comes back with these changes, because python-telegram-bot 22 (and
    a Telegram bot in general) needs them:

    * ``getMe``: the emulator's user has no ``is_bot`` (PTB's ``User``
      requires it, so ``Bot.initialize()`` fails); it and ``first_name``,
      ``username``, ``can_join_groups``, ``can_read_all_group_messages``,
      ``supports_inline_queries`` are added when missing.
    * Dates: the emulator stamps the bot's messages with ``date`` in
      milliseconds (PTB turns it into a datetime and fails: year out of
      range). Every ``date``, ``edit_date`` and ``forward_date`` above 10^11
      anywhere in an answer is divided by 1000 (getUpdates, sendMessage, ...).
    * ``botToken`` keys are dropped: the emulator copies the person's request,
      token included, into the update (it would end up in the bot's logs).
    * ``callback_query`` gets ``chat_instance`` (required by PTB; the emulator
      drops it): the chat's id as a string.
    * ``"result": null`` becomes ``true``: the emulator answers null to
      setWebhook, deleteWebhook, answerCallbackQuery, editMessageText,
      editMessageReplyMarkup and deleteMessage, where Telegram answers true
      (or the edited message, which the emulator cannot give); PTB fails to
      parse null as a message.
    * Errors: the emulator answers unsupported methods with HTTP 500
      ``{"message": ...}`` and some failures with HTTP 200 ``{"ok": false,
      "error_code": 400, ...}``; both become Telegram's shape, ``{"ok": false,
      "error_code", "description"}`` with the error code as the HTTP status, so
      PTB raises a ``TelegramError`` that names the problem.
    * ``getWebhookInfo`` (the emulator has none) is answered by the shim from
      the relayed webhook below.

    Behaviour the emulator lacks, added by the shim (each can be turned off):

    * Long polling (``long_poll``): the emulator answers getUpdates at once,
      so a bot polling with ``timeout=25`` would spin. When the answer is
      empty and the call asked for a timeout, the shim asks again every 0.1 s
      until updates come or the timeout (at most 60 s) ends, and stops early
      when the bot hangs up, so that updates are not taken for a caller that
      has gone.
    * Webhook relay (``relay_webhooks``): the emulator POSTs updates to the url
      from setWebhook without Telegram's secret header and without
      ``chat_instance``, and gives two updates sent before the first delivery
      finished the same ``update_id``. So the shim registers itself with the
      emulator instead (``/_webhook/<token>``), keeps the bot's url and
      ``secret_token``, and passes each delivery on through :func:`normalise`,
      with ``X-Telegram-Bot-Api-Secret-Token`` when a secret was set, and with
      an ``update_id`` raised above the last one relayed if it is not. The
      emulator is answered 200 when the bot answered 2xx, else 502 (it then logs
      the failure). ``allowed_updates`` is not applied, as the emulator does not.
      A multipart setWebhook (with a certificate) is passed on unchanged.

    The shim runs its own event loop in a background thread, so synchronous
    tests can use it; :meth:`calls` and :meth:`webhook_deliveries` show what
    went through it.
    """

    def __init__(
        self,
        emulator_url: str,
        *,
        long_poll: bool = True,
        relay_webhooks: bool = True,
    ) -> None:
        """Configure; nothing listens until :meth:`start`."""
        self.emulator_url = emulator_url.rstrip("/")
        self.long_poll = long_poll
        self.relay_webhooks = relay_webhooks
        self._lock = threading.Lock()
        self._calls: list[ShimCall] = []
        self._deliveries: list[WebhookDelivery] = []
        self._webhooks: dict[str, WebhookTarget] = {}
        self._last_relayed_id: dict[str, int] = {}
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closing: asyncio.Event | None = None

    # --- life cycle

    @property
    def base_url(self) -> str:
        """The shim's url: ``Bot(token, base_url=f"{shim.base_url}/bot")``."""
        if self._port is None:
            raise HarnessError("the Bot API shim is not running")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        """Listen on a free 127.0.0.1 port, served by a background thread."""
        if self._thread is not None:
            raise HarnessError("the Bot API shim is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self._port = int(sock.getsockname()[1])
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []
        self._loop = loop
        self._thread = threading.Thread(
            target=self._serve,
            args=(loop, sock, started, failure),
            name="bot-api-shim",
            daemon=True,
        )
        self._thread.start()
        if not started.wait(15) or failure:
            self.stop()
            why = repr(failure[0]) if failure else "no answer in 15 s"
            raise HarnessError(f"the Bot API shim did not start: {why}")

    def _serve(
        self,
        loop: asyncio.AbstractEventLoop,
        sock: socket.socket,
        started: threading.Event,
        failure: list[BaseException],
    ) -> None:
        """The thread: start the server, run the loop until stop(), clean up."""
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup(sock))
        except Exception as error:  # noqa: BLE001 - reported by start()
            failure.append(error)
            sock.close()
        started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _startup(self, sock: socket.socket) -> None:
        self._closing = asyncio.Event()
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=60), auto_decompress=True
        )
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_method)
        app.router.add_post("/_webhook/{token}", self._relay_update)
        self._runner = web.AppRunner(app, shutdown_timeout=2.0, access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def _shutdown(self) -> None:
        if self._closing is not None:
            self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def stop(self) -> None:
        """Stop serving and end the thread. Safe to repeat."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        self._port = None
        if loop is None or thread is None:
            return
        if loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(15)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(15)

    def __enter__(self) -> BotApiShim:
        """Start it for a ``with`` block."""
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop it at the end of a ``with`` block."""
        self.stop()

    # --- what went through

    def calls(self, method: str | None = None) -> list[ShimCall]:
        """Bot API calls passed on so far, oldest first; only ``method``'s if given."""
        with self._lock:
            calls = list(self._calls)
        if method is None:
            return calls
        return [call for call in calls if call.method.lower() == method.lower()]

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Updates relayed to bots' webhooks so far, oldest first."""
        with self._lock:
            return list(self._deliveries)

    def webhook(self, token: str) -> WebhookTarget | None:
        """The webhook the bot with this token registered through the shim, if any."""
        with self._lock:
            return self._webhooks.get(token)

    # --- handlers

    async def _bot_method(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        body = await request.read()
        content_type = request.headers.get("Content-Type", "")
        params = request_params(request.query, content_type, body)
        with self._lock:
            self._calls.append(ShimCall(token, method, params))
        name = method.lower()
        if name == "getwebhookinfo":
            return web.json_response({"ok": True, "result": self._webhook_info(token)})
        path_qs = request.path_qs
        relay: WebhookTarget | None = None
        if (
            name == "setwebhook"
            and self.relay_webhooks
            and not content_type.startswith("multipart/")
            and params.get("url")
        ):
            secret = params.get("secret_token")
            relay = WebhookTarget(str(params["url"]), str(secret) if secret else None)
            path_qs = f"/bot{token}/{method}"
            body = json.dumps({"url": f"{self.base_url}/_webhook/{token}"}).encode()
            content_type = "application/json"
        status, payload, raw, raw_type = await self._forward(
            request.method, path_qs, body, content_type
        )
        if name == "getupdates" and self.long_poll and payload is not None:
            status, payload = await self._long_poll(
                request, params, (status, payload), (path_qs, body, content_type)
            )
        ok = isinstance(payload, dict) and payload.get("ok") is True
        if ok and name == "setwebhook":
            with self._lock:
                if relay is not None:
                    self._webhooks[token] = relay
                else:
                    self._webhooks.pop(token, None)
        if ok and name == "deletewebhook":
            with self._lock:
                self._webhooks.pop(token, None)
        if payload is None:
            headers = {"Content-Type": raw_type} if raw_type else None
            return web.Response(body=raw, status=status, headers=headers)
        status, fixed = fix_response(method, status, payload)
        return web.json_response(fixed, status=status)

    async def _forward(
        self, http_method: str, path_qs: str, body: bytes, content_type: str
    ) -> tuple[int, Any, bytes, str]:
        """Ask the emulator; (status, JSON or None, raw body, content type)."""
        assert self._session is not None
        headers = {"Content-Type": content_type} if content_type else {}
        async with self._session.request(
            http_method,
            f"{self.emulator_url}{path_qs}",
            data=body or None,
            headers=headers,
        ) as response:
            raw = await response.read()
            raw_type = response.headers.get("Content-Type", "")
            payload: Any = None
            if "json" in raw_type:
                with contextlib.suppress(ValueError):
                    payload = json.loads(raw)
            return response.status, payload, raw, raw_type

    async def _long_poll(
        self,
        request: web.Request,
        params: Mapping[str, Any],
        first: tuple[int, Any],
        again: tuple[str, bytes, str],
    ) -> tuple[int, Any]:
        """Ask again until updates come, the call's timeout ends or the bot hangs up."""
        status, payload = first
        try:
            wait_s = min(float(params.get("timeout") or 0), MAX_LONG_POLL_S)
        except (TypeError, ValueError):
            wait_s = 0.0
        assert self._closing is not None
        deadline = time.monotonic() + wait_s
        while (
            status == 200
            and isinstance(payload, dict)
            and payload.get("result") == []
            and time.monotonic() < deadline
        ):
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._closing.wait(), 0.1)
            transport = request.transport
            if self._closing.is_set() or transport is None or transport.is_closing():
                break
            status, payload, _raw, _type = await self._forward(
                request.method, again[0], again[1], again[2]
            )
        return status, payload

    def _webhook_info(self, token: str) -> JSON:
        target = self.webhook(token)
        return {
            "url": target.url if target else "",
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }

    async def _relay_update(self, request: web.Request) -> web.Response:
        """Pass one emulator webhook delivery on to the bot's own webhook."""
        token = request.match_info["token"]
        target = self.webhook(token)
        if target is None:
            return web.json_response({"ok": False}, status=410)
        update = normalise(json.loads(await request.read()))
        with self._lock:
            last = self._last_relayed_id.get(token)
            if isinstance(update.get("update_id"), int) and last is not None:
                update["update_id"] = max(update["update_id"], last + 1)
            if isinstance(update.get("update_id"), int):
                self._last_relayed_id[token] = update["update_id"]
        headers = {"Content-Type": "application/json"}
        if target.secret_token:
            headers[SECRET_HEADER] = target.secret_token
        assert self._session is not None
        try:
            async with self._session.post(
                target.url, data=json.dumps(update).encode(), headers=headers
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            status = 0
        with self._lock:
            self._deliveries.append(WebhookDelivery(token, target.url, update, status))
        delivered = 200 <= status < 300
        return web.json_response({"ok": delivered}, status=200 if delivered else 502)


# --- Telegram updates built by hand ---------------------------------------------

# Shared by every builder, so ids never repeat within a test run (the gateway
# keeps update ids to skip repeats), and far above the emulator's own counters.
_update_ids = itertools.count(1_000_000_000)
_message_ids = itertools.count(1_000_000)
_file_numbers = itertools.count(1)


def _file(prefix: str) -> JSON:
    number = next(_file_numbers)
    return {"file_id": f"{prefix}-file-{number}", "file_unique_id": f"{prefix}{number}"}


def photo_content(caption: str | None = None) -> JSON:
    """Message fields of a photo (two sizes), with a caption if given."""
    content: JSON = {
        "photo": [
            {**_file("photo"), "width": 90, "height": 67, "file_size": 1200},
            {**_file("photo"), "width": 800, "height": 600, "file_size": 48000},
        ]
    }
    if caption is not None:
        content["caption"] = caption
    return content


def sticker_content(emoji: str = "👍") -> JSON:
    """Message fields of a (regular, static) sticker."""
    return {
        "sticker": {
            **_file("sticker"),
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
    }


def voice_content(duration_s: int = 2) -> JSON:
    """Message fields of a voice note."""
    return {
        "voice": {**_file("voice"), "duration": duration_s, "mime_type": "audio/ogg"}
    }


def command_entities(text: str) -> list[JSON]:
    """The ``bot_command`` entity Telegram adds to a text that starts with ``/``."""
    if not text.startswith("/") or len(text) < 2:
        return []
    length = len(text.split(maxsplit=1)[0])
    # Telegram counts UTF-16 code units; a command is ASCII.
    return [{"type": "bot_command", "offset": 0, "length": length}]


@dataclass
class UpdateBuilder:
    """Builds Telegram ``Update`` dicts from one person, for posting to a webhook.

    Update ids come from one counter shared by all builders (starting at 10^9)
    and message ids from another, so they never repeat in a test run.
    """

    user_id: int
    chat_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    chat_type: str | None = None

    def user(self) -> JSON:
        """The person as a Telegram ``User``."""
        user: JSON = {
            "id": self.user_id,
            "is_bot": False,
            "first_name": self.first_name,
        }
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat(self) -> JSON:
        """The chat as a Telegram ``Chat``: private when it is the person's own id."""
        kind = self.chat_type or (
            "private" if self.chat_id == self.user_id else "group"
        )
        chat: JSON = {"id": self.chat_id, "type": kind}
        if kind == "private":
            chat["first_name"] = self.first_name
            if self.username:
                chat["username"] = self.username
        else:
            chat["title"] = f"{self.first_name}'s group"
        return chat

    def message(self, **content: Any) -> JSON:
        """A ``Message`` from the person, dated now, with the given content fields."""
        return {
            "message_id": next(_message_ids),
            "from": self.user(),
            "chat": self.chat(),
            "date": int(time.time()),
            **content,
        }

    def message_update(self, text: str | None = None, **content: Any) -> JSON:
        """An update with a new message: text (a command gets its entity) or content."""
        if text is not None:
            content["text"] = text
            entities = command_entities(text)
            if entities:
                content.setdefault("entities", entities)
        return {"update_id": next(_update_ids), "message": self.message(**content)}

    def photo_update(self, caption: str | None = None) -> JSON:
        """An update with a photo message."""
        return self.message_update(**photo_content(caption))

    def sticker_update(self, emoji: str = "👍") -> JSON:
        """An update with a sticker message."""
        return self.message_update(**sticker_content(emoji))

    def voice_update(self, duration_s: int = 2) -> JSON:
        """An update with a voice message."""
        return self.message_update(**voice_content(duration_s))

    def edited_message_update(self, message_id: int, text: str) -> JSON:
        """An update: the person edited their message ``message_id`` to ``text``."""
        message = self.message(text=text)
        message["message_id"] = message_id
        message["edit_date"] = message["date"]
        return {"update_id": next(_update_ids), "edited_message": message}

    def callback_query_update(
        self, data: str, message: Mapping[str, Any] | None = None
    ) -> JSON:
        """An update for a press on an inline button of ``message`` (a bot message)."""
        if message is None:
            message = {
                "message_id": next(_message_ids),
                "from": dict(EMULATOR_BOT),
                "chat": self.chat(),
                "date": int(time.time()),
                "text": "",
            }
        return {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": str(next(_update_ids)),
                "from": self.user(),
                "message": dict(message),
                "chat_instance": str(self.chat_id),
                "data": data,
            },
        }


def post_update(
    url: str,
    update: Mapping[str, Any],
    *,
    secret_token: str | None = None,
    timeout_s: float = 10.0,
) -> int:
    """POST an update as Telegram's webhook does; the HTTP status of the answer.

    The ``X-Telegram-Bot-Api-Secret-Token`` header is sent when ``secret_token``
    is given. Error statuses are returned, not raised.
    """
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers[SECRET_HEADER] = secret_token
    request = urllib.request.Request(
        url,
        data=json.dumps(update, ensure_ascii=False).encode("utf-8"),
        headers=headers,
        method="POST",
    )
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


# --- a person ------------------------------------------------------------------


def _inline_buttons(markup: Any) -> list[JSON]:
    """The buttons of an inline keyboard, row by row, as one list."""
    if not isinstance(markup, Mapping):
        return []
    rows = markup.get("inline_keyboard") or []
    return [button for row in rows for button in row if isinstance(button, Mapping)]


@dataclass
class TelegramUser:
    """A person chatting with a bot, through the emulator's client API.

    ``bot_messages()`` lists what the bot sent to this chat, oldest first, read
    from the emulator's history (so edits by the bot show, and deleted messages
    go), each as a dict with ``message_id``, ``date`` (seconds), ``text``,
    ``reply_markup`` (the dict the bot sent, or None), ``buttons`` (the inline
    buttons, flattened) and ``raw`` (every parameter of the bot's sendMessage).

    The emulator queues (or posts to a webhook) ``message`` and
    ``callback_query`` updates only; for others use :attr:`updates` and
    :func:`post_update`. Sending returns when the emulator has the update, which
    with a webhook set is before the bot got it: wait for the bot's answer.
    """

    emulator_url: str
    bot_token: str
    user_id: int
    chat_id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    timeout_s: float = 10.0
    updates: UpdateBuilder = field(init=False)

    def __post_init__(self) -> None:
        """Derive the update builder, which shares this person's identity."""
        self.emulator_url = self.emulator_url.rstrip("/")
        self.updates = UpdateBuilder(
            user_id=self.user_id,
            chat_id=self.chat_id,
            first_name=self.first_name,
            username=self.username,
            language_code=self.language_code,
        )

    # --- acting

    def send_text(self, text: str) -> None:
        """Send a text; a leading ``/command`` gets its entity, as in Telegram."""
        content: JSON = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        self.send_raw_message(content)

    def send_raw_message(self, content: Mapping[str, Any]) -> None:
        """Send a message with any content fields (``photo_content()``, ...).

        ``from``, ``chat`` and ``date`` default to this person, chat and now;
        the emulator sets ``message_id``.
        """
        message = self.updates.message()
        message.update(content)
        message.pop("message_id", None)
        message["botToken"] = self.bot_token
        self._post("/sendMessage", message)

    def send_raw_update(self, update: Mapping[str, Any]) -> None:
        """Deliver an update dict as far as the emulator can.

        ``message`` and ``callback_query`` updates go through the emulator (it
        assigns its own ``update_id`` and ``message_id``, and drops every
        callback field but ``from``, ``message`` and ``data``). Anything else
        (``edited_message``, ...) raises :class:`UnsupportedByEmulator`: POST
        it to the bot's webhook with :func:`post_update` instead.
        """
        if "message" in update:
            self.send_raw_message(update["message"])
        elif "callback_query" in update:
            query = dict(update["callback_query"])
            query.setdefault("from", self.updates.user())
            query["botToken"] = self.bot_token
            self._post("/sendCallback", query)
        else:
            kinds = sorted(set(update) - {"update_id"})
            raise UnsupportedByEmulator(
                f"telegram-test-api cannot deliver {kinds} updates: "
                "POST them to the webhook with post_update()"
            )

    def press_button(
        self, callback_data: str, *, message_id: int | None = None
    ) -> None:
        """Press the inline button with this callback data in the bot's messages.

        The newest bot message with such a button is used (or message
        ``message_id``); LookupError when there is none.
        """
        messages = self.bot_messages()
        for sent in reversed(messages):
            if message_id is not None and sent["message_id"] != message_id:
                continue
            if any(b.get("callback_data") == callback_data for b in sent["buttons"]):
                break
        else:
            offered = [b.get("callback_data") for m in messages for b in m["buttons"]]
            raise LookupError(
                f"no bot message in chat {self.chat_id} has a button with callback "
                f"data {callback_data!r}; the bot offered {offered}"
            )
        message: JSON = {
            "message_id": sent["message_id"],
            "from": dict(EMULATOR_BOT),
            "chat": self.updates.chat(),
            "date": sent["date"],
            "text": sent["text"] or "",
        }
        if sent["reply_markup"] is not None:
            message["reply_markup"] = sent["reply_markup"]
        self._post(
            "/sendCallback",
            {
                "botToken": self.bot_token,
                "date": int(time.time()),
                "from": self.updates.user(),
                "message": message,
                "chat_instance": str(self.chat_id),
                "data": callback_data,
            },
        )

    # --- reading

    def bot_messages(self, *, include_notice: bool = False) -> list[JSON]:
        """What the bot sent to this chat, oldest first (see the class docstring);
        the privacy notice of first contact only with `include_notice`."""
        history = self._post("/getUpdatesHistory", {"token": self.bot_token})
        found: list[JSON] = []
        for record in history.get("result") or []:
            message = record.get("message")
            if "callbackQuery" in record or not isinstance(message, Mapping):
                continue
            if "chat_id" not in message:  # the person's own message
                continue
            if str(message["chat_id"]) != str(self.chat_id):
                continue
            markup = message.get("reply_markup")
            if isinstance(markup, str):
                with contextlib.suppress(ValueError):
                    markup = json.loads(markup)
            found.append(
                {
                    "message_id": int(record["messageId"]),
                    "date": int(record["time"]) // 1000,
                    "text": message.get("text"),
                    "reply_markup": markup,
                    "buttons": _inline_buttons(markup),
                    "raw": dict(message),
                }
            )
        if include_notice:
            return found
        return [m for m in found if not is_privacy_notice(m)]

    def wait_for_bot_messages(self, count: int, timeout_s: float = 20) -> list[JSON]:
        """All bot messages, once there are at least ``count``; TimeoutError if not."""
        deadline = time.monotonic() + timeout_s
        while True:
            messages = self.bot_messages()
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                texts = [m["text"] for m in messages]
                raise TimeoutError(
                    f"chat {self.chat_id} has {len(messages)} bot messages after "
                    f"{timeout_s} s, not {count}: {texts}"
                )
            time.sleep(0.1)

    # --- plumbing

    def _post(self, path: str, body: Mapping[str, Any]) -> JSON:
        request = urllib.request.Request(
            f"{self.emulator_url}{path}",
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with _OPENER.open(request, timeout=self.timeout_s) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", errors="replace")[:500]
            raise HarnessError(
                f"emulator {path}: HTTP {error.code} {detail}"
            ) from error
        if not isinstance(answer, dict) or answer.get("ok") is not True:
            raise HarnessError(f"emulator {path} answered {answer!r}")
        return answer


__all__ = [
    "EMULATOR_BOT",
    "EMULATOR_DIR",
    "SECRET_HEADER",
    "BotApiShim",
    "HarnessError",
    "ShimCall",
    "TelegramEmulator",
    "TelegramUser",
    "UnsupportedByEmulator",
    "UpdateBuilder",
    "WebhookDelivery",
    "WebhookTarget",
    "command_entities",
    "fix_response",
    "free_port",
    "normalise",
    "photo_content",
    "post_update",
    "request_params",
    "sticker_content",
    "voice_content",
]
