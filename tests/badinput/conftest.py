"""The gateway with all three channels against an echoing stand-in Rasa, a Telegram
bot that checks what it is asked to send, and helpers to count what was stored.

- `gateway` is the real `create_app` (REST and the Twilio webhook, with its body
  limit and error middleware) with the Telegram webhook mounted on the same app;
  Telegram replies go to a `CheckingBot` instead of the network.
- `EchoRasa` answers every turn with "You said: <text>" and a button, so what a
  person typed comes back through each channel's escaping.
- `stored()` counts the rows of every table of the app database.
- `dashboard` and its fixtures come from tests/dashboard/conftest.py.
- `no_errors` fails a test when the gateway or dashboard logged an error: an
  exception swallowed by a background task is a crash too.
"""

from __future__ import annotations

import asyncio
import logging
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import create_app
from bot.config import GatewaySettings, TelegramSettings, WhatsAppSettings
from bot.rasa_client import WEBHOOK_PATH, RasaClient
from bot.store import GatewayStore
from bot.telegram import MESSAGE_LIMIT, TelegramChannel
from bot.turns import TurnHandler
from cld import (  # noqa: F401 - every table in Base.metadata
    broadcast_models,
    channel_models,
    models,
    parent_models,
    roadmap_models,
    staff_models,
)
from locales import render
from pathways_kb.db import Base, session_scope
from tests.badinput.cases import LIMIT, Text
from tests.dashboard.conftest import (  # noqa: F401 - the dashboard's fixtures
    dashboard,
    fast_password_hashing,
    people,
    tracker_db,
)
from tests.standins.telegram_bot_api import parse_html

SECRET = "test-webhook-secret"
KEY = b"test-pseudonym-key-0123456789"
AUTH_TOKEN = "test-auth-token-not-real"
PUBLIC_URL = "https://pathpal.example.org"
ECHO = "You said: "
BUTTON = {"title": "Help", "payload": "/help"}


class EchoRasa:
    """Answers like Rasa's gateway channel: echoes the text, offers one button."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    def app(self) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            body = await request.json()
            self.received.append(body)
            return web.json_response(
                [{"text": ECHO + body["message"], "buttons": [BUTTON]}]
            )

        async def root(_request: web.Request) -> web.Response:
            return web.Response(text="Hello from Rasa")

        app = web.Application()
        app.router.add_post(WEBHOOK_PATH, webhook)
        app.router.add_get("/", root)
        return app


class CheckingBot:
    """Stands in for python-telegram-bot's Bot: refuses what Telegram would refuse
    (HTML it cannot parse, over 4096 characters, empty text) and records the rest."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answered: list[str] = []

    async def send_message(self, **kwargs: Any) -> None:
        visible = parse_html(kwargs["text"])  # raises as Telegram's 400 would
        assert len(visible.strip()) > 0 and len(visible) <= MESSAGE_LIMIT
        self.sent.append({**kwargs, "visible": visible})

    async def answer_callback_query(self, callback_query_id: str, **_: Any) -> bool:
        self.answered.append(callback_query_id)
        return True


@dataclass
class Gateway:
    """The running gateway and what stands around it."""

    client: TestClient
    rasa: EchoRasa
    bot: CheckingBot
    telegram: TelegramChannel
    twilio_sent: list[dict[str, str]] = field(default_factory=list)

    async def settle(self) -> None:
        """Wait for the Telegram turns running behind the webhook."""
        for _ in range(200):
            if not self.telegram._tasks:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("a telegram turn did not finish")


@pytest.fixture
async def echo_rasa():
    fake = EchoRasa()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def gateway(database, echo_rasa):
    sent: list[dict[str, str]] = []

    async def messages(request: web.Request) -> web.Response:
        sent.append(dict(await request.post()))
        return web.json_response({"sid": "SM" + "0" * 32}, status=201)

    twilio_app = web.Application()
    twilio_app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
    twilio = TestServer(twilio_app)
    await twilio.start_server()
    settings = GatewaySettings(
        host="127.0.0.1",
        port=0,
        rasa_url=echo_rasa.url,
        rasa_timeout_s=5,
        max_body_bytes=64 * 1024,
        max_text_chars=LIMIT,
        public_url=PUBLIC_URL,
        pseudonym_key=KEY,
        whatsapp=WhatsAppSettings(
            account_sid="AC" + "1" * 32,
            auth_token=AUTH_TOKEN,
            sender="whatsapp:+14155238886",
            api_base_url=str(twilio.make_url("")).rstrip("/"),
        ),
    )
    app = create_app(settings)
    # The Telegram channel as create_app builds it, but with a bot that needs no
    # network (create_app's would register its webhook with Telegram at startup).
    rasa = RasaClient(echo_rasa.url, timeout_s=5)
    store = GatewayStore()
    bot = CheckingBot()
    channel = TelegramChannel(
        TelegramSettings(
            token="1:x", mode="webhook", webhook_secret=SECRET, api_base_url=""
        ),
        TurnHandler(rasa, store, max_text_chars=LIMIT),
        store,
        pseudonym_key=KEY,
        bot=bot,  # type: ignore[arg-type]
    )
    app.router.add_post("/webhooks/telegram", channel.webhook)
    client = TestClient(TestServer(app))
    await client.start_server()
    running = Gateway(client, echo_rasa, bot, channel, sent)
    yield running
    await running.settle()
    await client.close()
    await rasa.close()
    await twilio.close()


# What typed text may still hold when it reaches Rasa: line breaks, tabs, and the
# zero-width joiner inside emoji sequences.
_ALLOWED_FORMAT = {"\n", "\t", "\u200d"}


def reached_rasa_cleanly(case: Text, sent: str) -> None:
    """What Rasa got is text it cannot mistake for an intent, and nothing invisible."""
    assert sent.strip() and len(sent) <= LIMIT
    invisible = [
        c
        for c in sent
        if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co")
        and c not in _ALLOWED_FORMAT
    ]
    assert invisible == []
    if not case.command:
        assert not sent.startswith("/")


def expected_texts(case: Text, received: list[dict[str, Any]]) -> list[str]:
    """The replies a person must get for `case`, given what Rasa received."""
    if case.outcome == "please_type":
        assert received == []
        return [render("gateway_please_type", case.lang).text]
    if case.outcome == "too_long":
        assert received == []
        return [render("gateway_too_long", case.lang, limit=LIMIT).text]
    [turn] = received
    reached_rasa_cleanly(case, turn["message"])
    return [ECHO + turn["message"]]


def stored() -> dict[str, int]:
    """Rows in each table of the app database."""
    with session_scope() as session:
        return {
            name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in Base.metadata.tables.items()
        }


def grown(before: dict[str, int]) -> dict[str, int]:
    """The tables with more rows than `before`, and by how many."""
    after = stored()
    return {
        name: after[name] - before[name]
        for name in after
        if after[name] != before[name]
    }


@pytest.fixture(autouse=True)
def no_errors(caplog):
    """Fail the test if our code logged an error (a crash caught somewhere)."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR
        and r.name.split(".")[0] in ("bot", "dashboard", "cld", "asyncio", "aiohttp")
    ]
    assert errors == []
