"""The Telegram harness itself: python-telegram-bot 22, the shim and the emulator.

No gateway here: these tests prove that a real PTB ``Bot`` can talk to the
emulator through the shim, and that a :class:`TelegramUser` sees and answers
what the bot sends, so that gateway tests built on the harness can trust it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any, AsyncIterator, Iterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import NetworkError

from tests.e2e.telegram_harness import (
    EMULATOR_BOT,
    SECRET_HEADER,
    BotApiShim,
    TelegramEmulator,
    TelegramUser,
    UnsupportedByEmulator,
    UpdateBuilder,
    fix_response,
    normalise,
    photo_content,
    post_update,
    sticker_content,
)

pytestmark = [pytest.mark.e2e]

USER_ID = 4242
FIRST_NAME = "Ada"


@pytest.fixture(scope="module")
def emulator() -> Iterator[TelegramEmulator]:
    running = TelegramEmulator()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shim(emulator: TelegramEmulator) -> Iterator[BotApiShim]:
    running = BotApiShim(emulator.url)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def token() -> str:
    """A bot token of its own per test: the emulator keeps updates per token."""
    return f"{uuid.uuid4().int % 10**9}:TEST-{uuid.uuid4().hex}"


@pytest.fixture
async def bot(shim: BotApiShim, token: str) -> AsyncIterator[Bot]:
    instance = Bot(token, base_url=f"{shim.base_url}/bot")
    await instance.initialize()
    yield instance
    await instance.shutdown()


@pytest.fixture
def user(emulator: TelegramEmulator, token: str) -> TelegramUser:
    return TelegramUser(emulator.url, token, USER_ID, USER_ID, FIRST_NAME)


def _recent(moment: datetime) -> bool:
    return abs(datetime.now(timezone.utc) - moment) < timedelta(minutes=5)


async def _updates(bot: Bot, count: int = 1, timeout_s: float = 10) -> list[Update]:
    """At least ``count`` updates from getUpdates (long polled through the shim)."""
    found: list[Update] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < count and time.monotonic() < deadline:
        found.extend(await bot.get_updates(timeout=2))
    assert len(found) >= count, found
    return found


def _keyboard(*tokens: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(t.title(), callback_data=t)] for t in tokens]
    )


# --- bot side ---------------------------------------------------------------------


async def test_initialize_calls_get_me_and_gets_a_complete_bot_user(
    bot: Bot, shim: BotApiShim
) -> None:
    assert bot.bot.is_bot is True
    assert bot.bot.id == EMULATOR_BOT["id"]
    assert bot.username == EMULATOR_BOT["username"]
    assert [c.method for c in shim.calls() if c.token == bot.token] == ["getMe"]


async def test_user_text_reaches_the_bot_with_a_date_in_seconds(
    bot: Bot, user: TelegramUser
) -> None:
    user.send_text("hello there")
    [update] = await _updates(bot)
    message = update.message
    assert message is not None
    assert message.text == "hello there"
    assert message.from_user is not None and message.from_user.id == USER_ID
    assert message.from_user.first_name == FIRST_NAME
    assert message.chat.id == USER_ID and message.chat.type == "private"
    assert _recent(message.date)
    assert "botToken" not in json.dumps(update.to_dict())


async def test_a_command_carries_its_bot_command_entity(
    bot: Bot, user: TelegramUser
) -> None:
    user.send_text("/start now")
    [update] = await _updates(bot)
    assert update.message is not None
    assert update.message.parse_entities(["bot_command"]).popitem()[1] == "/start"


async def test_bot_keyboard_is_seen_by_the_user(bot: Bot, user: TelegramUser) -> None:
    sent = await bot.send_message(
        chat_id=USER_ID,
        text="Pick <b>one</b>",
        parse_mode=ParseMode.HTML,
        reply_markup=_keyboard("careers", "study"),
    )
    assert _recent(sent.date)
    assert sent.reply_markup == _keyboard("careers", "study")
    [seen] = user.wait_for_bot_messages(1, timeout_s=5)
    assert seen["message_id"] == sent.message_id
    assert seen["text"] == "Pick <b>one</b>"
    assert seen["raw"]["parse_mode"] == "HTML"
    assert [b["callback_data"] for b in seen["buttons"]] == ["careers", "study"]
    assert seen["reply_markup"] == _keyboard("careers", "study").to_dict()
    assert abs(seen["date"] - time.time()) < 300


async def test_only_messages_to_the_users_own_chat_are_listed(
    bot: Bot, user: TelegramUser
) -> None:
    await bot.send_message(chat_id=USER_ID + 1, text="for someone else")
    await bot.send_message(chat_id=USER_ID, text="first")
    await bot.send_message(chat_id=USER_ID, text="second")
    texts = [m["text"] for m in user.wait_for_bot_messages(2, timeout_s=5)]
    assert texts == ["first", "second"]


async def test_pressing_a_button_gives_the_bot_a_callback_query(
    bot: Bot, user: TelegramUser, shim: BotApiShim
) -> None:
    sent = await bot.send_message(
        chat_id=USER_ID, text="Pick", reply_markup=_keyboard("careers", "study")
    )
    user.wait_for_bot_messages(1, timeout_s=5)
    user.press_button("study")
    [update] = await _updates(bot)
    query = update.callback_query
    assert query is not None
    assert query.data == "study"
    assert query.from_user.id == USER_ID
    assert query.chat_instance
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert query.message.chat.id == USER_ID
    assert _recent(query.message.date)
    assert await query.answer() is True
    [answered] = shim.calls("answerCallbackQuery")[-1:]
    assert answered.token == bot.token and answered.params["callback_query_id"]


async def test_pressing_a_button_that_is_not_there_fails_clearly(
    bot: Bot, user: TelegramUser
) -> None:
    await bot.send_message(chat_id=USER_ID, text="Pick", reply_markup=_keyboard("a"))
    user.wait_for_bot_messages(1, timeout_s=5)
    with pytest.raises(LookupError, match=r"'b'.*\['a'\]"):
        user.press_button("b")


async def test_photos_and_stickers_reach_the_bot(bot: Bot, user: TelegramUser) -> None:
    user.send_raw_message(photo_content(caption="my cv"))
    user.send_raw_message(sticker_content("🎉"))
    first, second = await _updates(bot, 2)
    assert first.message is not None and second.message is not None
    assert first.message.text is None
    assert first.message.caption == "my cv" and len(first.message.photo) == 2
    assert second.message.sticker is not None
    assert second.message.sticker.emoji == "🎉"


async def test_edited_messages_cannot_go_through_the_emulator(
    user: TelegramUser,
) -> None:
    update = user.updates.edited_message_update(7, "fixed typo")
    with pytest.raises(UnsupportedByEmulator, match="post_update"):
        user.send_raw_update(update)


async def test_bot_edits_show_in_what_the_user_sees(
    bot: Bot, user: TelegramUser
) -> None:
    sent = await bot.send_message(chat_id=USER_ID, text="draft")
    assert await sent.edit_text("final") is True
    [seen] = user.wait_for_bot_messages(1, timeout_s=5)
    assert seen["text"] == "final"


async def test_get_updates_is_held_as_a_long_poll(bot: Bot, user: TelegramUser) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9

    loop = asyncio.get_running_loop()
    loop.call_later(0.5, user.send_text, "late")
    started = time.monotonic()
    updates = await bot.get_updates(timeout=10)
    assert [u.message.text for u in updates if u.message] == ["late"]
    assert time.monotonic() - started < 5


async def test_unsupported_methods_raise_a_telegram_error_naming_them(
    bot: Bot,
) -> None:
    with pytest.raises(NetworkError, match="sendChatAction"):
        await bot.send_chat_action(chat_id=USER_ID, action="typing")


# --- webhooks -------------------------------------------------------------------


class _Receiver:
    """A webhook endpoint in the test's event loop that keeps what it gets."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: asyncio.Queue[tuple[dict[str, str], Any]] = asyncio.Queue()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        await self.received.put((dict(request.headers), await request.json()))
        return web.json_response({"ok": True}, status=self.status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hook"

    async def next(self) -> tuple[dict[str, str], Any]:
        return await asyncio.wait_for(self.received.get(), 10)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[_Receiver]:
    running = _Receiver()
    await running.start()
    yield running
    await running.stop()


async def test_webhook_updates_are_relayed_with_the_secret_header(
    bot: Bot, user: TelegramUser, shim: BotApiShim, receiver: _Receiver
) -> None:
    assert await bot.set_webhook(
        url=receiver.url,
        secret_token="s3cret",
        allowed_updates=["message", "callback_query"],
    )
    assert (await bot.get_webhook_info()).url == receiver.url

    user.send_text("via webhook")
    headers, body = await receiver.next()
    assert headers[SECRET_HEADER] == "s3cret"
    update = Update.de_json(body, bot)
    assert update.message is not None and update.message.text == "via webhook"
    assert _recent(update.message.date)
    assert "botToken" not in json.dumps(body)

    sent = await bot.send_message(
        chat_id=USER_ID, text="Go?", reply_markup=_keyboard("go")
    )
    user.press_button("go")
    _headers, body = await receiver.next()
    query = Update.de_json(body, bot).callback_query
    assert query is not None and query.data == "go" and query.chat_instance
    assert query.message is not None and query.message.message_id == sent.message_id
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # recorded once the receiver has answered
        statuses = [d.status for d in shim.webhook_deliveries() if d.token == bot.token]
        if len(statuses) >= 2:
            break
        await asyncio.sleep(0.05)
    assert statuses == [200, 200]

    assert await bot.delete_webhook()
    assert shim.webhook(bot.token) is None
    user.send_text("polled again")
    [polled] = await _updates(bot)
    assert polled.message is not None and polled.message.text == "polled again"


async def test_updates_sent_at_once_keep_distinct_update_ids(
    bot: Bot, user: TelegramUser, receiver: _Receiver
) -> None:
    await bot.set_webhook(url=receiver.url, secret_token="s3cret")
    for text in ("one", "two", "three"):
        user.send_text(text)
    bodies = [(await receiver.next())[1] for _ in range(3)]
    assert sorted(b["message"]["text"] for b in bodies) == ["one", "three", "two"]
    assert len({b["update_id"] for b in bodies}) == 3
    await bot.delete_webhook()


async def test_a_failing_webhook_does_not_stop_the_emulator(
    bot: Bot, user: TelegramUser, emulator: TelegramEmulator
) -> None:
    refusing = _Receiver(status=403)
    await refusing.start()
    try:
        await bot.set_webhook(url=refusing.url, secret_token="s3cret")
        user.send_text("refused")
        await refusing.next()
    finally:
        await bot.delete_webhook()
        await refusing.stop()
    await bot.get_me()  # the emulator still answers
    deadline = time.monotonic() + 5
    while "502" not in emulator.log_text() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert "502" in emulator.log_text()


async def test_hand_built_updates_post_to_a_webhook(
    bot: Bot, receiver: _Receiver
) -> None:
    builder = UpdateBuilder(user_id=USER_ID, chat_id=USER_ID, first_name=FIRST_NAME)
    updates = [
        builder.message_update("/help"),
        builder.edited_message_update(12, "edited"),
        builder.photo_update("caption"),
        builder.sticker_update(),
        builder.voice_update(),
        builder.callback_query_update("menu"),
    ]
    for update in updates:
        status = await asyncio.to_thread(
            post_update, receiver.url, update, secret_token="s3cret"
        )
        assert status == 200
        headers, body = await receiver.next()
        assert headers[SECRET_HEADER] == "s3cret"
        assert body == update
    parsed = [Update.de_json(u, bot) for u in updates]
    assert parsed[0].message is not None and parsed[0].message.text == "/help"
    assert parsed[1].edited_message is not None
    assert parsed[1].edited_message.text == "edited"
    assert parsed[2].message is not None and parsed[2].message.photo
    assert parsed[3].message is not None and parsed[3].message.sticker
    assert parsed[4].message is not None and parsed[4].message.voice
    assert parsed[5].callback_query is not None
    assert len({u["update_id"] for u in updates}) == len(updates)


async def test_post_update_returns_error_statuses() -> None:
    refusing = _Receiver(status=403)
    await refusing.start()
    try:
        update = UpdateBuilder(1, 1, "X").message_update("hi")
        assert await asyncio.to_thread(post_update, refusing.url, update) == 403
    finally:
        await refusing.stop()


# --- the pieces on their own -----------------------------------------------------


def test_normalise_fixes_dates_tokens_and_callback_queries() -> None:
    raw = {
        "update_id": 3,
        "message": {
            "date": 1_700_000_000_123,
            "edit_date": 1_700_000_000,
            "botToken": "x",
        },
        "callback_query": {"id": "1", "message": {"chat": {"id": 5}}, "data": "d"},
    }
    fixed = normalise(raw)
    assert fixed["message"] == {"date": 1_700_000_000, "edit_date": 1_700_000_000}
    assert fixed["callback_query"]["chat_instance"] == "5"
    assert raw["message"]["botToken"] == "x"  # the input is left alone


def test_normalise_turns_echoed_link_preview_options_into_an_object() -> None:
    sent = {"message_id": 1, "link_preview_options": '{"is_disabled": true}'}
    assert normalise(sent)["link_preview_options"] == {"is_disabled": True}


def test_fix_response_shapes_errors_like_telegram() -> None:
    assert fix_response("getWebhookInfo", 500, {"message": "not supported"}) == (
        500,
        {"ok": False, "error_code": 500, "description": "not supported"},
    )
    failed = {"ok": False, "error_code": 400, "description": "Bad Request: no"}
    assert fix_response("deleteMessage", 200, failed) == (400, failed)
    assert fix_response("setWebhook", 200, {"ok": True, "result": None}) == (
        200,
        {"ok": True, "result": True},
    )
    status, me = fix_response("getMe", 200, {"ok": True, "result": {"id": 1}})
    assert me["result"]["id"] == 1 and me["result"]["is_bot"] is True


def test_emulator_stops_with_its_process_group() -> None:
    emulator = TelegramEmulator()
    emulator.start()
    process = emulator._process
    assert process is not None and process.poll() is None
    emulator.stop()
    assert process.poll() is not None
    emulator.stop()  # a second stop is harmless
