"""Channel plumbing as plain functions: identities, the inbox, offered buttons.

Inbox payloads hold what people typed, so they are sealed (`cld.sealed`) when
stored and emptied once the message is processed: only repeats need the row
then. Older plain rows are still read.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cld import sealed
from cld.channel_models import ButtonOffer, ChannelIdentity, InboxMessage
from cld.models import as_utc

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingMessage:
    """A stored platform message that was never processed."""

    channel: str
    platform_id: str
    payload: str


def remember_identity(
    session: Session, *, pseudonym: str, channel: str, address: str
) -> None:
    """Record where to reach the person behind `pseudonym` and that they just
    wrote (called for every message they send)."""
    now = datetime.now(timezone.utc)
    row = session.get(ChannelIdentity, pseudonym)
    if row is None:
        session.add(
            ChannelIdentity(
                pseudonym=pseudonym,
                channel=channel,
                address=address,
                last_inbound_at=now,
            )
        )
        session.flush()
    else:
        row.last_inbound_at = now


def last_inbound(session: Session, *, pseudonym: str) -> datetime | None:
    """When the person last wrote to us (aware UTC), if known."""
    row = session.get(ChannelIdentity, pseudonym)
    if row is None or row.last_inbound_at is None:
        return None
    return as_utc(row.last_inbound_at)


def address_of(session: Session, *, pseudonym: str) -> tuple[str, str] | None:
    """(channel, address) for a pseudonym, if known."""
    row = session.get(ChannelIdentity, pseudonym)
    return (row.channel, row.address) if row else None


def accept_message(
    session: Session, *, channel: str, platform_id: str, payload: str
) -> bool:
    """Store an incoming message; False when it was already received (a repeat)."""
    try:
        with session.begin_nested():
            session.add(
                InboxMessage(
                    channel=channel,
                    platform_id=platform_id,
                    payload=sealed.seal(payload),
                )
            )
    except IntegrityError:
        return False
    return True


def mark_processed(session: Session, *, channel: str, platform_id: str) -> None:
    """Record that a message was fully processed (and forget what it said)."""
    session.execute(
        update(InboxMessage)
        .where(InboxMessage.channel == channel, InboxMessage.platform_id == platform_id)
        .values(status="done", processed_at=datetime.now(timezone.utc), payload="")
    )


def unprocessed(
    session: Session, *, channel: str, older_than: timedelta = timedelta(0)
) -> list[PendingMessage]:
    """Messages accepted but never processed (a crash in between), oldest first."""
    cutoff = datetime.now(timezone.utc) - older_than
    rows = session.execute(
        select(InboxMessage)
        .where(
            InboxMessage.channel == channel,
            InboxMessage.status == "pending",
            InboxMessage.received_at <= cutoff,
        )
        .order_by(InboxMessage.id)
    ).scalars()
    pending = []
    for row in rows:
        try:
            pending.append(
                PendingMessage(row.channel, row.platform_id, sealed.unseal(row.payload))
            )
        except sealed.SealError:
            logger.warning("skipped an inbox message sealed with another DATA_KEY")
    return pending


def offer_buttons(session: Session, *, sender: str, payloads: list[str]) -> list[str]:
    """Record the buttons just shown to `sender`, replacing older ones; their tokens."""
    session.execute(delete(ButtonOffer).where(ButtonOffer.sender == sender))
    tokens = [secrets.token_urlsafe(12) for _ in payloads]
    if payloads:  # one executemany, not the ORM's unit of work: runs every turn
        rows = [
            {"token": token, "sender": sender, "ordinal": ordinal, "payload": payload}
            for ordinal, (token, payload) in enumerate(
                zip(tokens, payloads, strict=True), start=1
            )
        ]
        session.execute(insert(ButtonOffer), rows)
    return tokens


def offered_payload(
    session: Session,
    *,
    sender: str,
    token: str | None = None,
    ordinal: int | None = None,
    payload: str | None = None,
) -> str | None:
    """A payload offered to `sender`, found by token, number or the payload itself."""
    stmt = select(ButtonOffer.payload).where(ButtonOffer.sender == sender)
    if token is not None:
        stmt = stmt.where(ButtonOffer.token == token)
    elif ordinal is not None:
        stmt = stmt.where(ButtonOffer.ordinal == ordinal)
    elif payload is not None:
        stmt = stmt.where(ButtonOffer.payload == payload)
    else:
        return None
    return session.execute(stmt.limit(1)).scalar_one_or_none()
