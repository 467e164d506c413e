"""Telegram channel: webhook or long polling in, python-telegram-bot out.

Every update is stored in the inbox before it is processed, keyed by update_id,
so a repeated delivery is answered once and an update interrupted by a crash is
processed after a restart. The webhook checks Telegram's secret header and
answers at once; the turn runs behind it, so a slow turn never makes Telegram
send the update again.
"""

from __future__ import annotations

import asyncio
import hmac
import html
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.config import TelegramSettings
from bot.identity import pseudonym
from bot.recent import RecentBySender
from bot.split import split_text
from bot.store import GatewayStore
from bot.turns import Incoming, Reply, TurnHandler

logger = logging.getLogger(__name__)
CHANNEL = "telegram"
MESSAGE_LIMIT = 4096
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update pending this long was interrupted (a crash), not merely in progress.
RECOVER_AFTER_S = 30.0


def reply_markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """Inline keyboard, one button per row; the callback data is the button's token."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.title[:64], callback_data=b.token)]
            for b in reply.buttons
        ]
    )


def readable_update(data: Any) -> bool:
    """True for an object with an integer `update_id` whose messages and button
    press have the types Telegram sends (what `handle` reads of them)."""
    if not isinstance(data, dict) or type(data.get("update_id")) is not int:
        return False
    query = data.get("callback_query", {})
    if not isinstance(query, dict) or not isinstance(query.get("data", ""), str):
        return False
    messages = [data.get("message"), data.get("edited_message"), query.get("message")]
    users = [query.get("from")]
    for message in (m for m in messages if m is not None):
        if not isinstance(message, dict):
            return False
        chat = message.get("chat")
        if not isinstance(chat, dict) or type(chat.get("id")) is not int:
            return False
        if not all(isinstance(message.get(k, ""), str) for k in ("text", "caption")):
            return False
        users.append(message.get("from"))
    return all(
        user is None or (isinstance(user, dict) and type(user.get("id")) is int)
        for user in users
    )


class TelegramChannel:
    """Receives updates, runs turns, and sends the replies."""

    def __init__(
        self,
        settings: TelegramSettings,
        turns: TurnHandler,
        store: GatewayStore,
        *,
        pseudonym_key: bytes,
        bot: Bot | None = None,
    ) -> None:
        self.settings = settings
        self.bot = bot or Bot(settings.token, base_url=settings.api_base_url)
        self._turns = turns
        self._store = store
        self._key = pseudonym_key
        self._tasks: set[asyncio.Task[None]] = set()
        self._polling: asyncio.Task[None] | None = None
        self._chat_locks: RecentBySender[asyncio.Lock] = RecentBySender()

    # --- receiving -------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """Accept one update from Telegram; 403 without the right secret header."""
        expected = self.settings.webhook_secret or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        if request.content_type != "application/json":
            return web.json_response({"ok": False, "error": "not JSON"}, status=415)
        try:
            data = json.loads(await request.read())
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"ok": False, "error": "too large"}, status=413)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # too deep
            return web.json_response({"ok": False, "error": "invalid JSON"}, status=400)
        if not readable_update(data):
            return web.json_response(
                {"ok": False, "error": "not an update"}, status=400
            )
        await self.receive(data)
        return web.json_response({"ok": True})

    async def receive(self, data: dict[str, Any]) -> None:
        """Store an update and process it in the background (once per update_id)."""
        # ASCII escapes: a lone surrogate in the JSON has no UTF-8 to be stored as.
        raw = json.dumps(data)
        if not await self._store.accept(CHANNEL, str(data["update_id"]), raw):
            logger.info("skipped a repeated telegram update")
            return
        self._spawn(self._process(data))

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _chat_lock(self, data: dict[str, Any]) -> asyncio.Lock:
        """One lock per chat, so a person's messages are answered in order."""
        source = data.get("callback_query", {}).get("message") or next(
            (data[k] for k in ("message", "edited_message") if k in data), {}
        )
        key = str((source.get("chat") or {}).get("id", "?"))
        lock = self._chat_locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._chat_locks.put(key, lock)
        return lock

    async def _process(self, data: dict[str, Any]) -> None:
        async with self._chat_lock(data):  # taken before any await: arrival order
            try:
                await self.handle(Update.de_json(data, self.bot))
            except Exception:  # noqa: BLE001 - one bad update must not stop the others
                logger.exception("telegram update failed")
            finally:
                await self._store.processed(CHANNEL, str(data["update_id"]))

    async def handle(self, update: Update) -> None:
        """Run the turn an update stands for and send the replies."""
        query = update.callback_query
        if query is not None and query.from_user and query.message:
            await query.answer()
            sender = await self._sender(query.from_user.id, query.message.chat.id)
            incoming = Incoming(channel=CHANNEL, sender=sender, token=query.data or "")
            await self.send(query.message.chat.id, await self._turns.handle(incoming))
            return
        message = update.message
        if message is None:
            edited = update.edited_message
            if edited is not None and edited.from_user:
                sender = await self._sender(edited.from_user.id, edited.chat.id)
                await self.send(
                    edited.chat.id, [self._turns.notice("gateway_please_type", sender)]
                )
            return
        if message.from_user is None:
            return
        sender = await self._sender(message.from_user.id, message.chat.id)
        if message.text is None:  # photo, sticker, voice, ...
            caption = message.caption or ""
            await self.send(
                message.chat.id,
                [self._turns.notice("gateway_please_type", sender, caption)],
            )
            return
        incoming = Incoming(channel=CHANNEL, sender=sender, text=message.text)
        await self.send(message.chat.id, await self._turns.handle(incoming))

    async def _sender(self, user_id: int, chat_id: int) -> str:
        name = pseudonym(self._key, CHANNEL, str(user_id))
        await self._store.remember(name, CHANNEL, str(chat_id))
        return name

    # --- sending -----------------------------------------------------------------

    async def send(self, chat_id: int | str, replies: list[Reply]) -> None:
        """Send replies in order; long texts split, buttons on the last piece."""
        for reply in replies:
            pieces = split_text(reply.text, MESSAGE_LIMIT - 96)  # room for HTML escapes
            for number, piece in enumerate(pieces, start=1):
                markup = reply_markup(reply) if number == len(pieces) else None
                try:
                    await self.bot.send_message(
                        chat_id=chat_id,
                        text=html.escape(piece, quote=False),
                        parse_mode=ParseMode.HTML,
                        reply_markup=markup,
                    )
                except Forbidden:
                    logger.info("a telegram user has blocked the bot")
                    return
                except TelegramError as error:
                    logger.warning("telegram send failed: %s", type(error).__name__)
                    raise

    # --- polling and recovery ---------------------------------------------------

    async def recover(self) -> None:
        """Process updates that were stored but interrupted before (a crash)."""
        for pending in await self._store.unprocessed(
            CHANNEL, older_than_s=RECOVER_AFTER_S
        ):
            self._spawn(self._process(json.loads(pending.payload)))

    async def _poll(self) -> None:
        offset: int | None = None
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=25)
            except TelegramError as error:
                logger.warning("telegram polling failed: %s", type(error).__name__)
                await asyncio.sleep(3)
                continue
            for update in updates:
                offset = update.update_id + 1
                await self.receive(update.to_dict())

    async def start(self, public_url: str | None) -> None:
        """Begin receiving: register the webhook, or start long polling."""
        await self.bot.initialize()
        await self.recover()
        if self.settings.mode == "webhook":
            await self.bot.set_webhook(
                url=f"{public_url}/webhooks/telegram",
                secret_token=self.settings.webhook_secret,
                allowed_updates=["message", "edited_message", "callback_query"],
            )
        else:
            await self.bot.delete_webhook()
            self._polling = asyncio.get_running_loop().create_task(self._poll())

    async def stop(self) -> None:
        """Stop polling and wait for turns in progress."""
        if self._polling is not None:
            self._polling.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=10)
        await self.bot.shutdown()


def add_routes(
    app: web.Application, channel: TelegramChannel, public_url: str | None
) -> None:
    """Mount the Telegram webhook and start/stop the channel with the app."""
    app.router.add_post("/webhooks/telegram", channel.webhook)

    async def start(_app: web.Application) -> None:
        await channel.start(public_url)

    async def stop(_app: web.Application) -> None:
        await channel.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
