"""One conversational turn, the same for every channel: check, forward, translate.

Typed text is masked (`cld.pii`: HKID, phone numbers, emails) before it goes to
Rasa, so neither the tracker store nor anything an action saves ever holds them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.recent import RecentBySender
from bot.sanitize import (
    clean_text,
    command_intent,
    neutralise,
    stop_intent,
    storable,
)
from bot.store import GatewayStore, StoreUnavailable
from cld import pii, safety
from locales import Message, detect, render

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    """A message from a person: typed text, or a button they pressed.

    A button arrives as its payload (REST), its token (Telegram callback data), or,
    where `numbered_choices` is set (WhatsApp), as a typed number.
    """

    channel: str
    sender: str
    text: str | None = None
    payload: str | None = None
    token: str | None = None
    numbered_choices: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ButtonOut:
    """A button to show: its title, payload, and the token that stands for it."""

    title: str
    payload: str
    token: str = ""


@dataclass(frozen=True)
class Reply:
    """One message for the person."""

    text: str
    buttons: tuple[ButtonOut, ...] = ()


def _from_locale(message: Message) -> Reply:
    return Reply(
        text=message.text,
        buttons=tuple(ButtonOut(b.title, b.payload) for b in message.buttons),
    )


def _from_rasa(raw: dict[str, Any]) -> Reply | None:
    text = raw.get("text")
    if not isinstance(text, str) or not text:
        return None
    buttons = tuple(
        ButtonOut(str(b.get("title", "")), str(b.get("payload", "")))
        for b in raw.get("buttons") or []
        if isinstance(b, dict) and b.get("payload")
    )
    return Reply(text=text, buttons=buttons)


class TurnHandler:
    """Turns a person's message into a Rasa turn and Rasa's answer into replies."""

    def __init__(
        self, rasa: RasaClient, store: GatewayStore, *, max_text_chars: int
    ) -> None:
        self._rasa = rasa
        self._store = store
        self._max_text_chars = max_text_chars
        self._last_language: RecentBySender[str] = RecentBySender()

    def _language(self, sender: str, text: str) -> str:
        lang = detect(text) or self._last_language.get(sender) or "en"
        self._last_language.put(sender, lang)
        return lang

    def notice(self, key: str, sender: str, text: str = "", **params: Any) -> Reply:
        """A gateway message (not from Rasa) in the sender's language."""
        return _from_locale(render(key, self._language(sender, text), **params))

    async def _pressed(self, incoming: Incoming) -> str | None:
        if not storable(incoming.token or incoming.payload or ""):
            return None  # never offered, and a database cannot even compare it
        if incoming.token is not None:
            return await self._store.find_offer(incoming.sender, token=incoming.token)
        return await self._store.find_offer(incoming.sender, payload=incoming.payload)

    async def _rasa_text(self, incoming: Incoming) -> tuple[str | None, Reply | None]:
        """What to send to Rasa, or the reply to give instead."""
        if incoming.token is not None or incoming.payload is not None:
            payload = await self._pressed(incoming)
            if payload is None:
                logger.info("refused a button that was not offered")
                return None, self.notice("gateway_button_expired", incoming.sender)
            return payload, None
        text = pii.mask(clean_text(incoming.text or ""))
        if not text:
            return None, self.notice("gateway_please_type", incoming.sender)
        if len(text) > self._max_text_chars:
            return None, self.notice(
                "gateway_too_long",
                incoming.sender,
                text[:200],
                limit=self._max_text_chars,
            )
        self._language(incoming.sender, text)
        if incoming.numbered_choices and text.isdigit() and len(text) <= 2:
            chosen = await self._store.find_offer(incoming.sender, ordinal=int(text))
            if chosen is not None:
                return chosen, None
        to_rasa = command_intent(text) or stop_intent(text) or neutralise(text)
        if not to_rasa:  # only slashes: Rasa would read an intent with no name
            return None, self.notice("gateway_please_type", incoming.sender)
        return to_rasa, None

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Process one message; always returns something to tell the person."""
        try:
            to_rasa, refusal = await self._rasa_text(incoming)
        except StoreUnavailable as error:
            logger.warning("turn refused, app database down: %s", error)
            text = incoming.text or ""
            return [self.notice("gateway_try_again", incoming.sender, text)]
        if refusal is not None or to_rasa is None:
            return [refusal] if refusal else []
        metadata = {**incoming.metadata, "channel": incoming.channel}
        if (language := self._last_language.get(incoming.sender)) is not None:
            metadata["language"] = language  # for replies before Rasa has a slot
        try:
            raw = await self._rasa.send(incoming.sender, to_rasa, metadata)
        except RasaUnavailable as error:
            logger.warning("turn failed: %s", error)
            if incoming.text and safety.check(incoming.text).is_crisis:
                # Help lines must not wait for Rasa (or the database) to come back.
                await self._flag_crisis(incoming)
                return [self.notice("utter_crisis_support", incoming.sender, to_rasa)]
            return [self.notice("gateway_try_again", incoming.sender)]
        try:
            return await self.replies(incoming.sender, raw)
        except StoreUnavailable as error:
            # The turn happened: give Rasa's words, without buttons we could not record.
            logger.warning("buttons not recorded, app database down: %s", error)
            return [Reply(r.text) for r in map(_from_rasa, raw) if r is not None]

    async def _flag_crisis(self, incoming: Incoming) -> None:
        try:
            await self._store.flag_crisis(incoming.channel, incoming.sender)
        except StoreUnavailable:
            logger.error("crisis flag not recorded: app database down")

    async def replies(self, sender: str, raw: list[dict[str, Any]]) -> list[Reply]:
        """Rasa's messages for `sender` as replies, buttons recorded as offered."""
        replies = [r for r in (_from_rasa(item) for item in raw) if r is not None]
        return await self._with_tokens(sender, replies)

    async def _with_tokens(self, sender: str, replies: list[Reply]) -> list[Reply]:
        payloads = [b.payload for r in replies for b in r.buttons]
        if not payloads:
            return replies
        tokens = iter(await self._store.offer(sender, payloads))
        return [
            Reply(
                text=r.text,
                buttons=tuple(
                    ButtonOut(b.title, b.payload, next(tokens)) for b in r.buttons
                ),
            )
            for r in replies
        ]
