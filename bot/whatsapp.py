"""WhatsApp channel through Twilio: signed webhooks in, TwiML (or the REST API) out.

Only requests that carry a valid `X-Twilio-Signature` for our public URL are
processed; a repeated MessageSid is answered once. Buttons become numbered
choices that a reply of "1", "2", ... selects. A turn that takes longer than
Twilio should wait is acknowledged at once and its replies sent through the API.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Mapping

import aiohttp
from aiohttp import web
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.config import WhatsAppSettings
from bot.identity import pseudonym
from bot.split import split_text
from bot.store import GatewayStore
from bot.turns import Incoming, Reply, TurnHandler
from cld.checkins import DueCheckIn
from locales.roadmap_text import format_month

logger = logging.getLogger(__name__)
CHANNEL = "whatsapp"
MESSAGE_LIMIT = 1600
ANSWER_WITHIN_S = 1.8
SIGNATURE_HEADER = "X-Twilio-Signature"
CHECKIN_TEMPLATE = "checkin"  # its key in the WHATSAPP_CONTENT_SIDS file
# A MessageSid ("SM" + 32 hex) or a From address ("whatsapp:+852..."): visible ASCII.
_PLATFORM_ID = re.compile(r"^[!-~]{1,64}$")


def as_texts(replies: list[Reply]) -> list[str]:
    """Replies as WhatsApp messages; buttons become choices numbered across the turn,
    the same numbers the gateway stored when it offered them."""
    texts: list[str] = []
    number = 0
    for reply in replies:
        text = reply.text
        if reply.buttons:
            lines = []
            for button in reply.buttons:
                number += 1
                lines.append(f"{number}. {button.title}")
            text = f"{text}\n\n" + "\n".join(lines)
        texts.extend(split_text(text, MESSAGE_LIMIT))
    return texts


def twiml(replies: list[Reply]) -> str:
    """TwiML that answers with the replies (XML-escaped by Twilio's library)."""
    response = MessagingResponse()
    for text in as_texts(replies):
        response.message(text)
    return str(response)


class TwilioSender:
    """Sends messages through Twilio's REST API (for turns answered late)."""

    def __init__(self, settings: WhatsAppSettings) -> None:
        self._settings = settings
        account = f"{settings.api_base_url}/2010-04-01/Accounts/{settings.account_sid}"
        self._url = f"{account}/Messages.json"

    async def send_template(
        self, to: str, content_sid: str, variables: dict[str, str]
    ) -> None:
        """Send an approved template message; raises unless Twilio accepted it."""
        auth = aiohttp.BasicAuth(self._settings.account_sid, self._settings.auth_token)
        form = {
            "From": self._settings.sender,
            "To": to,
            "ContentSid": content_sid,
            "ContentVariables": json.dumps(variables, ensure_ascii=False),
        }
        timeout = aiohttp.ClientTimeout(total=15)
        async with (
            aiohttp.ClientSession(auth=auth, timeout=timeout) as session,
            session.post(self._url, data=form) as response,
        ):
            if response.status >= 300:
                raise OSError(f"twilio refused a template ({response.status})")

    async def send(self, to: str, texts: list[str]) -> None:
        """Send each text to `to`, in order."""
        auth = aiohttp.BasicAuth(self._settings.account_sid, self._settings.auth_token)
        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(auth=auth, timeout=timeout) as session:
            for text in texts:
                form = {"From": self._settings.sender, "To": to, "Body": text}
                async with session.post(self._url, data=form) as response:
                    if response.status >= 300:
                        logger.warning("twilio send failed with %s", response.status)


class WhatsAppChannel:
    """Receives Twilio webhooks and answers them."""

    def __init__(
        self,
        settings: WhatsAppSettings,
        turns: TurnHandler,
        store: GatewayStore,
        *,
        public_url: str,
        pseudonym_key: bytes,
        sender: TwilioSender | None = None,
        content_sids: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._validator = RequestValidator(settings.auth_token)
        self._turns = turns
        self._store = store
        self._public_url = public_url
        self._key = pseudonym_key
        self._sender = sender or TwilioSender(settings)
        self._content_sids = content_sids or {}
        self._tasks: set[asyncio.Task[None]] = set()

    def _signed(self, request: web.Request, params: dict[str, str]) -> bool:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        url = f"{self._public_url}{request.path_qs}"
        return bool(signature) and self._validator.validate(url, params, signature)

    async def webhook(self, request: web.Request) -> web.Response:
        """Answer one incoming WhatsApp message; 403 unless Twilio signed it."""
        if request.content_type != "application/x-www-form-urlencoded":
            return web.Response(status=415, text="expected a form post")
        try:
            params = {k: str(v) for k, v in (await request.post()).items()}
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        except (UnicodeDecodeError, ValueError):
            return web.Response(status=400, text="unreadable form")
        if not self._signed(request, params):
            return web.Response(status=403, text="invalid signature")
        sid, phone = params.get("MessageSid", ""), params.get("From", "")
        if not (_PLATFORM_ID.match(sid) and _PLATFORM_ID.match(phone)):
            return web.Response(
                status=400, text="MessageSid and From are required, in ASCII"
            )
        if not await self._store.accept(
            CHANNEL, sid, json.dumps(params, ensure_ascii=False)
        ):
            logger.info("skipped a repeated whatsapp message")
            return self._xml([])
        sender = pseudonym(self._key, CHANNEL, phone)
        await self._store.remember(sender, CHANNEL, phone)
        body = params.get("Body", "")
        if not body.strip() and params.get("NumMedia", "0") != "0":
            await self._store.processed(CHANNEL, sid)
            return self._xml([self._turns.notice("gateway_please_type", sender)])
        incoming = Incoming(
            channel=CHANNEL, sender=sender, text=body, numbered_choices=True
        )
        turn = asyncio.get_running_loop().create_task(self._turns.handle(incoming))
        try:
            replies = await asyncio.wait_for(asyncio.shield(turn), ANSWER_WITHIN_S)
        except asyncio.TimeoutError:
            self._finish_later(turn, phone, sid)
            return self._xml([])
        await self._store.processed(CHANNEL, sid)
        return self._xml(replies)

    def _finish_later(
        self, turn: asyncio.Task[list[Reply]], phone: str, sid: str
    ) -> None:
        async def deliver() -> None:
            replies = await turn
            await self._sender.send(phone, as_texts(replies))
            await self._store.processed(CHANNEL, sid)

        task = asyncio.get_running_loop().create_task(deliver())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def deliver(self, phone: str, replies: list[Reply]) -> None:
        """Send replies outside a webhook turn (check-ins), buttons as numbers."""
        await self._sender.send(phone, as_texts(replies))

    async def deliver_checkin(self, phone: str, item: DueCheckIn) -> None:
        """A check-in outside the 24-hour window: the approved `checkin` template
        ({{1}} the milestone, {{2}} its month), in the person's language."""
        sid = self._content_sids.get(CHECKIN_TEMPLATE, {}).get(item.language)
        if sid is None:
            raise LookupError(f"no approved '{CHECKIN_TEMPLATE}' WhatsApp template")
        month = format_month(item.month, item.language)
        await self._sender.send_template(
            phone, sid, {"1": item.milestone[:200], "2": month}
        )

    @staticmethod
    def _xml(replies: list[Reply]) -> web.Response:
        return web.Response(text=twiml(replies), content_type="application/xml")


def add_routes(app: web.Application, channel: WhatsAppChannel) -> None:
    """Mount the WhatsApp webhook."""
    app.router.add_post("/webhooks/whatsapp", channel.webhook)
