"""The gateway's storage (offered buttons, inbox, identities), used asynchronously."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from cld import channels, services
from pathways_kb.db import session_scope

T = TypeVar("T")


class StoreUnavailable(RuntimeError):
    """The app database did not answer; the caller should ask to try again."""


async def _in_db(work: Callable[..., T], /, **kwargs: Any) -> T:
    def run() -> T:
        with session_scope() as session:
            return work(session, **kwargs)

    try:
        return await asyncio.to_thread(run)
    except SQLAlchemyError as error:
        raise StoreUnavailable(type(error).__name__) from error


def _flag_crisis(session: Any, *, channel: str, sender: str) -> None:
    profile = services.ensure_profile(session, channel=channel, channel_user_id=sender)
    services.request_human(
        session, profile_id=profile.id, reason="crisis", context="gateway"
    )


class GatewayStore:
    """Shared by every gateway instance through the app database."""

    async def offer(self, sender: str, payloads: list[str]) -> list[str]:
        """Record buttons shown to `sender`; returns a short token per button."""
        return await _in_db(channels.offer_buttons, sender=sender, payloads=payloads)

    async def find_offer(
        self,
        sender: str,
        *,
        token: str | None = None,
        ordinal: int | None = None,
        payload: str | None = None,
    ) -> str | None:
        """The payload of a button offered to `sender`, or None if it was not."""
        return await _in_db(
            channels.offered_payload,
            sender=sender,
            token=token,
            ordinal=ordinal,
            payload=payload,
        )

    async def accept(self, channel: str, platform_id: str, payload: str) -> bool:
        """Store an incoming platform message; False for a repeat."""
        return await _in_db(
            channels.accept_message,
            channel=channel,
            platform_id=platform_id,
            payload=payload,
        )

    async def processed(self, channel: str, platform_id: str) -> None:
        """Mark a platform message as processed."""
        await _in_db(channels.mark_processed, channel=channel, platform_id=platform_id)

    async def unprocessed(
        self, channel: str, older_than_s: float
    ) -> list[channels.PendingMessage]:
        """Messages stored but never processed (a crash in between)."""
        from datetime import timedelta

        return await _in_db(
            channels.unprocessed,
            channel=channel,
            older_than=timedelta(seconds=older_than_s),
        )

    async def flag_crisis(self, channel: str, sender: str) -> None:
        """Open a crisis request for a social worker (when Rasa could not)."""
        await _in_db(_flag_crisis, channel=channel, sender=sender)

    async def remember(self, pseudonym: str, channel: str, address: str) -> None:
        """Record where a pseudonymous person can be reached."""
        await _in_db(
            channels.remember_identity,
            pseudonym=pseudonym,
            channel=channel,
            address=address,
        )
