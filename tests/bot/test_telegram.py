"""Telegram webhook: the secret is checked, repeats are skipped, replies are sent.

The platform is replaced by a recording bot here; tests/e2e runs the real
python-telegram-bot against the telegram-test-api emulator.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.config import TelegramSettings
from bot.rasa_client import RasaClient
from bot.store import GatewayStore
from bot.telegram import TelegramChannel
from bot.turns import TurnHandler
from cld.channel_models import InboxMessage
from locales import render
from pathways_kb.db import session_scope
from tests.bot.conftest import start_client

SECRET = "test-webhook-secret"
KEY = b"test-pseudonym-key-0123456789"


class RecordingBot:
    """Records what the channel sends instead of calling Telegram."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.answered: list[str] = []

    async def send_message(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)

    async def answer_callback_query(
        self, callback_query_id: str, **kwargs: Any
    ) -> bool:
        self.answered.append(callback_query_id)
        return True


@pytest.fixture
async def telegram(database, fake_rasa):
    bot = RecordingBot()
    rasa = RasaClient(fake_rasa.url, timeout_s=5)
    store = GatewayStore()
    channel = TelegramChannel(
        TelegramSettings(
            token="1:x", mode="webhook", webhook_secret=SECRET, api_base_url=""
        ),
        TurnHandler(rasa, store, max_text_chars=2000),
        store,
        pseudonym_key=KEY,
        bot=bot,  # type: ignore[arg-type]
    )
    app = web.Application()
    app.router.add_post("/webhooks/telegram", channel.webhook)
    client = await start_client(app)
    yield client, channel, bot, fake_rasa
    await client.close()
    await rasa.close()


def text_update(update_id: int, text: str, user: int = 42) -> dict[str, Any]:
    chat = {"id": user, "type": "private", "first_name": "Amy"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_764_000_000,
            "chat": chat,
            "from": {"id": user, "is_bot": False, "first_name": "Amy"},
            "text": text,
        },
    }


async def settle(channel: TelegramChannel) -> None:
    for _ in range(100):
        if not channel._tasks:
            return
        await asyncio.sleep(0.05)


def stored_updates() -> int:
    with session_scope() as session:
        return session.execute(
            select(func.count()).select_from(InboxMessage)
        ).scalar_one()


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}])
async def test_webhook_without_the_secret_is_refused(telegram, headers):
    client, channel, bot, rasa = telegram
    response = await client.post(
        "/webhooks/telegram", json=text_update(1, "hi"), headers=headers
    )
    assert response.status == 403
    await settle(channel)
    assert (bot.sent, rasa.received, stored_updates()) == ([], [], 0)


async def test_update_is_answered_with_an_inline_keyboard(telegram):
    client, channel, bot, rasa = telegram
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    response = await client.post(
        "/webhooks/telegram", json=text_update(1, "hi"), headers=headers
    )
    assert response.status == 200
    await settle(channel)
    [sent] = bot.sent
    assert sent["chat_id"] == 42 and sent["text"] == "menu"
    [[button]] = sent["reply_markup"].inline_keyboard
    assert button.text == "Help" and button.callback_data != "/help"
    assert rasa.received[0]["sender"].startswith("tg-")
    assert "42" not in rasa.received[0]["sender"]


async def test_repeated_update_is_processed_once(telegram):
    client, channel, bot, rasa = telegram
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for _ in range(2):
        await client.post(
            "/webhooks/telegram", json=text_update(7, "hi"), headers=headers
        )
    await settle(channel)
    assert (len(bot.sent), len(rasa.received)) == (1, 1)


async def test_button_press_sends_the_offered_payload(telegram):
    client, channel, bot, rasa = telegram
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    await client.post("/webhooks/telegram", json=text_update(1, "hi"), headers=headers)
    await settle(channel)
    token = bot.sent[0]["reply_markup"].inline_keyboard[0][0].callback_data
    press = {
        "update_id": 2,
        "callback_query": {
            "id": "cb1",
            "from": {"id": 42, "is_bot": False, "first_name": "Amy"},
            "chat_instance": "c",
            "data": token,
            "message": text_update(1, "menu")["message"],
        },
    }
    await client.post("/webhooks/telegram", json=press, headers=headers)
    await settle(channel)
    assert rasa.received[1]["message"] == "/help"
    assert bot.answered == ["cb1"]


async def test_forged_callback_data_sets_nothing(telegram):
    client, channel, bot, rasa = telegram
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    press = {
        "update_id": 3,
        "callback_query": {
            "id": "cb2",
            "from": {"id": 42, "is_bot": False, "first_name": "Amy"},
            "chat_instance": "c",
            "data": '/switch_language{"language":"yue"}',
            "message": text_update(1, "menu")["message"],
        },
    }
    await client.post("/webhooks/telegram", json=press, headers=headers)
    await settle(channel)
    assert rasa.received == []
    assert bot.sent[0]["text"] == render("gateway_button_expired", "en").text


async def test_photo_gets_please_type(telegram):
    client, channel, bot, rasa = telegram
    update = text_update(4, "x")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": "f", "file_unique_id": "u", "width": 1, "height": 1}
    ]
    await client.post(
        "/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    await settle(channel)
    assert bot.sent[0]["text"] == render("gateway_please_type", "en").text
    assert rasa.received == []


async def test_edited_message_gets_please_type(telegram):
    client, channel, bot, rasa = telegram
    update = text_update(5, "edited")
    update["edited_message"] = update.pop("message")
    update["edited_message"]["edit_date"] = 1_764_000_100
    await client.post(
        "/webhooks/telegram",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    await settle(channel)
    assert bot.sent[0]["text"] == render("gateway_please_type", "en").text


async def test_formatting_in_replies_is_escaped(telegram):
    client, channel, bot, rasa = telegram
    rasa.replies = [{"text": "<b>bold</b> & *stars*"}]
    await client.post(
        "/webhooks/telegram",
        json=text_update(6, "hi"),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    await settle(channel)
    assert bot.sent[0]["text"] == "&lt;b&gt;bold&lt;/b&gt; &amp; *stars*"


async def test_long_reply_is_split_below_4096(telegram):
    client, channel, bot, rasa = telegram
    rasa.replies = [{"text": "這是一句很長的句子。" * 900}]
    await client.post(
        "/webhooks/telegram",
        json=text_update(8, "hi"),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    await settle(channel)
    assert len(bot.sent) >= 3
    assert all(len(s["text"]) <= 4096 for s in bot.sent)


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"update_id": "x"}'])
async def test_malformed_update_is_400(telegram, body):
    client, _, _, _ = telegram
    response = await client.post(
        "/webhooks/telegram",
        data=body,
        headers={
            "X-Telegram-Bot-Api-Secret-Token": SECRET,
            "Content-Type": "application/json",
        },
    )
    assert response.status == 400


async def test_interrupted_update_is_processed_after_a_restart(telegram):
    client, channel, bot, rasa = telegram
    store = GatewayStore()
    import json

    await store.accept("telegram", "99", json.dumps(text_update(99, "hi")))
    from bot import telegram as telegram_module

    telegram_module.RECOVER_AFTER_S = 0.0
    await channel.recover()
    await settle(channel)
    assert len(bot.sent) == 1
    assert await store.unprocessed("telegram", older_than_s=0) == []
