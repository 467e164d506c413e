"""Delivery records: how workers claim them, mark each one going out, and record
what happened (see cld/broadcasts.py for how a broadcast makes them).

Workers claim rows with `FOR UPDATE SKIP LOCKED` (a guarded update on SQLite),
mark each `sending` in its own commit just before the request goes out, and
record the outcome after. A worker that dies leaves `claimed` rows (never sent:
queued again) and at most its in-flight `sending` rows, which become
`uncertain` and are never sent a second time.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select, text, update
from sqlalchemy.orm import Session

from cld import parents
from cld.broadcast_models import Broadcast, BroadcastText, Delivery
from cld.broadcasts import PUSH_CHANNELS
from cld.channel_models import ChannelIdentity
from cld.models import Profile, as_utc
from cld.quiet_hours import is_quiet

MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)
WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Job:
    """One message a worker is to send now."""

    delivery_id: int
    broadcast_id: int
    profile_id: int
    channel: str
    address: str
    lang: str
    text: str
    template_id: str
    params: dict[str, str]
    attempts: int


def claim(
    session: Session,
    *,
    worker: str,
    now: datetime,
    limit: int,
    channels: tuple[str, ...] = PUSH_CHANNELS,
    lease: timedelta = LEASE,
) -> list[Job]:
    """Take up to `limit` due deliveries for this worker; none of them in quiet hours
    unless the broadcast is urgent."""
    now = as_utc(now)
    due = (
        select(Delivery.id)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Delivery.status == "queued",
            Delivery.next_attempt_at <= now,
            Delivery.channel.in_(channels),
            Broadcast.send_at <= now,
            Broadcast.cancelled_at.is_(None),
        )
        .order_by(Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Delivery)
    )
    if is_quiet(now):
        due = due.where(Broadcast.urgent.is_(True))
    ids = list(session.execute(due).scalars())
    if not ids:
        return []
    token = f"{worker}:{uuid.uuid4().hex[:8]}"[:64]
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == "queued")
        .values(status="claimed", claimed_by=token, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(
        select(Delivery, Broadcast, BroadcastText.text, ChannelIdentity.address)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .join(
            BroadcastText,
            and_(
                BroadcastText.broadcast_id == Delivery.broadcast_id,
                BroadcastText.lang == Delivery.lang,
            ),
        )
        .join(Profile, Profile.id == Delivery.profile_id)
        .outerjoin(
            ChannelIdentity, ChannelIdentity.pseudonym == Profile.channel_user_id
        )
        .where(Delivery.claimed_by == token, Delivery.status == "claimed")
        .order_by(Delivery.id)
    ).all()
    jobs = []
    for delivery, broadcast, body, address in rows:
        if address is None:  # never wrote to us on a push channel
            delivery.status, delivery.error = "failed", "no_address"
            continue
        jobs.append(
            Job(
                delivery_id=delivery.id,
                broadcast_id=broadcast.id,
                profile_id=delivery.profile_id,
                channel=delivery.channel,
                address=address,
                lang=delivery.lang,
                text=body,
                template_id=broadcast.template_id,
                params=json.loads(broadcast.params),
                attempts=delivery.attempts,
            )
        )
    return jobs


def _whatsapp_room(
    session: Session, *, profile_id: int, now: datetime, daily_cap: int
) -> datetime | None:
    """None if this parent may get a business-initiated WhatsApp message now;
    else when the rolling 24-hour cap on recipients next frees a place."""
    if session.get_bind().dialect.name == "postgresql":
        # One worker at a time counts and takes a place under the cap.
        session.execute(text("SELECT pg_advisory_xact_lock(7261)"))
    since = as_utc(now) - WHATSAPP_WINDOW
    recent = (
        select(Delivery.profile_id, func.min(Delivery.sent_at).label("first"))
        .where(
            Delivery.channel == "whatsapp",
            Delivery.status.in_(("sending", "sent", "uncertain")),
            Delivery.sent_at >= since,
        )
        .group_by(Delivery.profile_id)
    )
    reached = {p: first for p, first in session.execute(recent)}
    if profile_id in reached or len(reached) < daily_cap:
        return None
    return as_utc(min(reached.values())) + WHATSAPP_WINDOW


def start_sending(
    session: Session,
    *,
    job: Job,
    worker_token_prefix: str,
    now: datetime,
    whatsapp_daily_cap: int | None = None,
    lease: timedelta = LEASE,
) -> bool:
    """Mark a claimed delivery as going out now; False if it must not be sent.

    Committed before the request, so a crash leaves it `uncertain`, not resent.
    """
    now = as_utc(now)
    if job.channel == "whatsapp" and whatsapp_daily_cap is not None:
        wait_until = _whatsapp_room(
            session, profile_id=job.profile_id, now=now, daily_cap=whatsapp_daily_cap
        )
        if wait_until is not None:
            defer(
                session, delivery_id=job.delivery_id, at=wait_until, error="daily_cap"
            )
            return False
    result = session.execute(
        update(Delivery)
        .where(
            Delivery.id == job.delivery_id,
            Delivery.status == "claimed",
            Delivery.claimed_by.like(f"{worker_token_prefix}:%"),
        )
        .values(status="sending", sent_at=now, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


def unstart(session: Session, *, delivery_id: int, worker_token_prefix: str) -> None:
    """The platform refused the message before taking it: back to claimed."""
    session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == "sending",
            Delivery.claimed_by.like(f"{worker_token_prefix}:%"),
        )
        .values(status="claimed", sent_at=None)
        .execution_options(synchronize_session=False)
    )


def mark_sent(
    session: Session, *, delivery_id: int, platform_message_id: str, now: datetime
) -> None:
    """The platform accepted the message."""
    now = as_utc(now)
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(
            status="sent",
            platform_message_id=platform_message_id[:64],
            sent_at=now,
            error=None,
            claimed_by=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    )


def defer(
    session: Session,
    *,
    delivery_id: int,
    at: datetime,
    error: str,
    count_attempt: bool = False,
) -> str:
    """Queue a delivery again for `at`; after too many attempts it fails instead.

    Returns the new status.
    """
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise LookupError(f"no delivery {delivery_id}")
    attempts = row.attempts + (1 if count_attempt else 0)
    status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
    row.status, row.attempts, row.error = status, attempts, error[:64]
    row.next_attempt_at, row.claimed_by, row.lease_until = as_utc(at), None, None
    row.sent_at = None
    return status


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait before retry number `attempts + 1`: 2, 4, 8 ... seconds, up to 5 minutes,
    with jitter so that retries do not arrive together."""
    base = min(300.0, 2.0 ** (attempts + 1))
    return timedelta(seconds=base * (rng or random).uniform(0.8, 1.2))


def mark_final(session: Session, *, delivery_id: int, status: str, error: str) -> None:
    """Record a failure that retrying will not mend (`failed`, `uncertain`)."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=status, error=error[:64], claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def mark_blocked(session: Session, *, delivery_id: int) -> None:
    """The parent blocked the bot: record it and stop their subscription."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        raise LookupError(f"no delivery {delivery_id}")
    row.status, row.error, row.claimed_by, row.lease_until = (
        "blocked",
        "blocked",
        None,
        None,
    )
    parents.mark_blocked(session, profile_id=row.profile_id)


def release(session: Session, *, delivery_ids: list[int]) -> None:
    """Give back claimed deliveries that were never started (a worker stopping)."""
    if delivery_ids:
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(delivery_ids), Delivery.status == "claimed")
            .values(status="queued", claimed_by=None, lease_until=None)
            .execution_options(synchronize_session=False)
        )


def heartbeat(
    session: Session,
    *,
    worker_token_prefix: str,
    now: datetime,
    lease: timedelta = LEASE,
) -> None:
    """Extend the leases of everything this worker holds (it is alive)."""
    now = as_utc(now)
    held = _unlocked(
        Delivery.status.in_(("claimed", "sending")),
        Delivery.claimed_by.like(f"{worker_token_prefix}:%"),
    )
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(held))
        .values(lease_until=now + lease)
        .execution_options(synchronize_session=False)
    )


def _unlocked(*conditions: Any) -> Any:
    """Ids of matching rows no other transaction is writing (FOR UPDATE SKIP
    LOCKED on PostgreSQL): a statement over many rows then never waits for, or
    deadlocks with, a worker recording its outcomes row by row. A row skipped
    now is seen next round."""
    return (
        select(Delivery.id)
        .where(*conditions)
        .order_by(Delivery.id)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )


def recover_stale(session: Session, *, now: datetime) -> tuple[int, int]:
    """Deliveries of workers that died: claimed ones are queued again, in-flight
    ones become `uncertain`. Returns (requeued, uncertain)."""
    now = as_utc(now)
    stale_claims = _unlocked(Delivery.status == "claimed", Delivery.lease_until < now)
    requeued = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(stale_claims))
        .values(status="queued", claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    stale_sends = _unlocked(Delivery.status == "sending", Delivery.lease_until < now)
    uncertain = session.execute(
        update(Delivery)
        .where(Delivery.id.in_(stale_sends))
        .values(status="uncertain", error="worker_died", claimed_by=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    return int(requeued or 0), int(uncertain or 0)


def requeue_uncertain(session: Session, *, broadcast_id: int) -> int:
    """Send `uncertain` deliveries again, at an operator's word: each may then
    arrive twice. Returns how many were queued."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == "uncertain")
        .values(status="queued", error="resent_uncertain", lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
