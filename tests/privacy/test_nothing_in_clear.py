"""Done-when of the privacy work: what a person types, their phone number and HKID
never sit in clear in the app database, the tracker store, Redis or the logs.

The gateway is real (Telegram webhook with its inbox, and REST); Rasa is a
stand-in that does what Rasa does with a turn: takes the conversation's lock in
Redis (Rasa's RedisLockStore), stores the message and its answer through our
tracker store, and answers with the text it got (as roadmap summaries do).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa.core.lock_store import RedisLockStore
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import MetaData, create_engine, select

from bot import rest
from bot.config import TelegramSettings
from bot.rasa_client import RasaClient
from bot.store import GatewayStore
from bot.telegram import TelegramChannel
from bot.turns import TurnHandler
from cld import sealed, tracker_events
from cld.logs import JsonFormatter
from rasa_server.tracker_store import StrictSQLTrackerStore
from tests.bot.conftest import RASA_PATH, start_client
from tests.privacy.conftest import DOMAIN

PHRASE = "my secret dream is a bakery in Tai Po"
PHONE, HKID, EMAIL = "6283 9157", "K385720(4)", "amy.chan.test@example.com"
IN_CLEAR = (PHRASE, "secret dream", PHONE, "62839157", HKID, "385720", EMAIL)
SECRET = "test-webhook-secret"
REDIS_DB = 1  # Rasa's lock store default


class RecordingBot:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


class StandInRasa:
    """A turn as Rasa takes it: lock, store, answer."""

    def __init__(self, tracker_url: str, prefix: str) -> None:
        self.store = StrictSQLTrackerStore(DOMAIN, host=tracker_url)
        self.locks = RedisLockStore(db=REDIS_DB, key_prefix=prefix)

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        sender, text = body["sender"], body["message"]
        async with self.locks.lock(sender):
            tracker = await self.store.retrieve(sender) or DialogueStateTracker(
                sender, DOMAIN.slots
            )
            answer = f"Noted: {text}"
            tracker.update(UserUttered(text, {"name": "inform"}))
            tracker.update(BotUttered(answer))
            tracker.update(ActionExecuted("action_listen"))
            await self.store.save(tracker)
        return web.json_response([{"text": answer}])

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(RASA_PATH, self.webhook)
        return app


def update(update_id: int, text: str) -> dict[str, Any]:
    chat = {"id": 4242, "type": "private", "first_name": "Amy"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_000_000,
            "chat": chat,
            "from": {"id": 4242, "is_bot": False, "first_name": "Amy"},
            "text": text,
        },
    }


@pytest.fixture
async def conversation(database, tracker_url, caplog):
    caplog.set_level(logging.DEBUG)
    prefix = f"privacy-test-{uuid.uuid4().hex[:8]}:"
    rasa = StandInRasa(tracker_url, prefix)
    rasa_server = TestServer(rasa.app())
    await rasa_server.start_server()
    client_to_rasa = RasaClient(str(rasa_server.make_url("")).rstrip("/"), timeout_s=5)
    store = GatewayStore()
    turns = TurnHandler(client_to_rasa, store, max_text_chars=2000)
    bot = RecordingBot()
    channel = TelegramChannel(
        TelegramSettings(
            token="1:x", mode="webhook", webhook_secret=SECRET, api_base_url=""
        ),
        turns,
        store,
        pseudonym_key=b"test-pseudonym-key-0123456789",
        bot=bot,  # type: ignore[arg-type]
    )
    app = web.Application()
    app.router.add_post("/webhooks/telegram", channel.webhook)
    rest.add_routes(app, turns)
    client = await start_client(app)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for number, text in enumerate(
        (PHRASE, f"call me on {PHONE}", f"my HKID is {HKID}"), start=1
    ):
        await client.post(
            "/webhooks/telegram", json=update(number, text), headers=headers
        )
        for _ in range(100):
            if not channel._tasks:
                break
            await asyncio.sleep(0.05)
    answered = await client.post(
        "/webhooks/rest/webhook",
        json={"sender": "amy", "message": f"{PHRASE}, {PHONE}, {HKID}, {EMAIL}"},
    )
    yield {"bot": bot, "rest": await answered.json(), "prefix": prefix}
    await client.close()
    await client_to_rasa.close()
    await rasa_server.close()
    rasa.store.engine.dispose()


def _clear_in(text: str) -> list[str]:
    return [secret for secret in IN_CLEAR if secret in text]


def test_the_person_was_answered_with_identifiers_masked(conversation):
    texts = [m["text"] for m in conversation["bot"].sent] + [
        r["text"] for r in conversation["rest"]
    ]
    assert texts[1:3] == ["Noted: call me on [phone]", "Noted: my HKID is [HKID]"]
    assert texts[3] == f"Noted: {PHRASE}, [phone], [HKID], [email]"


def test_nothing_in_clear_in_the_app_database(conversation, database):
    engine = create_engine(database)
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        dump = "\n".join(
            repr(row)
            for table in tables.sorted_tables
            for row in connection.execute(select(table))
        )
    engine.dispose()
    assert "telegram" in dump  # the inbox and identity rows are there
    assert _clear_in(dump) == []
    if database.startswith("sqlite"):
        path = Path(database.split("///", 1)[1])
        for file in path.parent.glob(path.name + "*"):  # and its -wal, -journal
            assert _clear_in(file.read_bytes().decode("utf-8", "replace")) == []


def test_nothing_in_clear_in_the_tracker_store(conversation, tracker_url):
    engine = create_engine(tracker_url)
    with engine.connect() as connection:
        rows = list(connection.execute(select(tracker_events.EVENTS)))
    engine.dispose()
    assert len(rows) == 4 * 3
    assert _clear_in(repr(rows)) == []
    opened = [json.loads(sealed.unseal(row.data)).get("text") or "" for row in rows]
    assert PHRASE in opened  # sealed, not lost
    assert _clear_in("\n".join(opened)) == [PHRASE, "secret dream"]  # masked
    if tracker_url.startswith("sqlite"):
        raw = Path(tracker_url.split("///", 1)[1]).read_bytes()
        assert _clear_in(raw.decode("utf-8", "replace")) == []


def test_nothing_in_clear_in_redis(conversation):
    server = redis.Redis(db=REDIS_DB)
    seen = []
    for key in server.scan_iter(count=1000):
        seen.append(key.decode("utf-8", "replace"))
        if server.type(key) == b"string":
            seen.append((server.get(key) or b"").decode("utf-8", "replace"))
        elif server.type(key) == b"list":
            seen.extend(v.decode("utf-8", "replace") for v in server.lrange(key, 0, -1))
    server.close()
    assert _clear_in("\n".join(seen)) == []


def test_nothing_in_clear_in_the_logs(conversation, caplog):
    records = caplog.get_records("setup")  # the conversation ran in the fixture
    assert records  # the turns were logged at all
    plain = logging.Formatter("%(name)s %(levelname)s %(message)s")
    as_json = JsonFormatter("test")
    lines = [plain.format(r) for r in records] + [as_json.format(r) for r in records]
    assert _clear_in("\n".join(lines)) == []
