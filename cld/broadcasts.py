"""Broadcasts of parent updates, and the delivery records that make them safe.

A broadcast freezes its text in both languages and gets one delivery row per
recipient (unique per broadcast and parent), so a parent is sent it once.
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
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, select, text, update
from sqlalchemy.orm import Session

from cld import parents
from cld.broadcast_models import Broadcast, BroadcastText, Delivery
from cld.channel_models import ChannelIdentity
from cld.models import Profile, as_utc, utcnow
from cld.quiet_hours import is_quiet
from locales import update_templates

PUSH_CHANNELS = ("telegram", "whatsapp")
FINAL = ("sent", "failed", "blocked", "skipped", "uncertain")
OPEN = ("queued", "claimed", "sending")
MAX_ATTEMPTS = 8
LEASE = timedelta(seconds=60)
WHATSAPP_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Plan:
    """What a broadcast would do: its texts and who it reaches (a dry run)."""

    template_id: str
    texts: dict[str, str]
    by_language: dict[str, int]
    by_channel: dict[str, int]
    unreachable: int  # subscribers on a channel that cannot push (e.g. the web chat)

    @property
    def total(self) -> int:
        """Parents who would get the message."""
        return sum(self.by_language.values())


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


@dataclass(frozen=True)
class Report:
    """How far a broadcast (or all of them) got, by delivery status."""

    counts: dict[str, int] = field(default_factory=dict)

    def __getitem__(self, status: str) -> int:
        return self.counts.get(status, 0)

    @property
    def total(self) -> int:
        """All delivery records."""
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        """Records with a final outcome."""
        return sum(self[s] for s in FINAL)

    @property
    def open(self) -> int:
        """Records still to be sent (including retries waiting for their time)."""
        return sum(self[s] for s in OPEN)


@dataclass(frozen=True)
class BroadcastView:
    """One broadcast as listed: what, when, and how far it got."""

    id: int
    template_id: str
    send_at: datetime
    urgent: bool
    cancelled: bool
    created_by: str
    report: Report


def _audience_json(audience: parents.Audience) -> str:
    return json.dumps(
        {
            "unit_codes": list(audience.unit_codes),
            "stages": list(audience.stages),
            "topics": list(audience.topics),
            "languages": list(audience.languages),
        },
        ensure_ascii=False,
    )


def audience_of(broadcast_audience: str) -> parents.Audience | None:
    """The audience a broadcast was created for (None for a direct message)."""
    raw = json.loads(broadcast_audience)
    if "profile_id" in raw:
        return None
    return parents.Audience(**{k: tuple(v) for k, v in raw.items()})


def plan(
    session: Session,
    *,
    template_id: str,
    params: dict[str, str],
    audience: parents.Audience,
) -> Plan:
    """Render the update in both languages and size the audience; writes nothing.

    Raises `update_templates.TemplateError` when a language or a value is missing.
    """
    texts = update_templates.render_update(template_id, params)
    chosen = parents.recipients(session, audience)
    reachable = [r for r in chosen if r.channel in PUSH_CHANNELS]
    return Plan(
        template_id=template_id,
        texts=texts,
        by_language=dict(Counter(r.language for r in reachable)),
        by_channel=dict(Counter(r.channel for r in reachable)),
        unreachable=len(chosen) - len(reachable),
    )


def create(
    session: Session,
    *,
    template_id: str,
    params: dict[str, str],
    audience: parents.Audience,
    created_by: str,
    send_at: datetime | None = None,
    urgent: bool = False,
) -> int:
    """Create a broadcast and one queued delivery per recipient; returns its id."""
    if urgent and not update_templates.get_template(template_id).urgent_allowed:
        raise ValueError(f"template '{template_id}' may not be sent as urgent")
    texts = update_templates.render_update(template_id, params)
    now = utcnow()
    broadcast = Broadcast(
        template_id=template_id,
        params=json.dumps(params, ensure_ascii=False),
        audience=_audience_json(audience),
        urgent=urgent,
        send_at=as_utc(send_at) if send_at else now,
        created_by=created_by[:64],
    )
    session.add(broadcast)
    session.flush()
    session.add_all(
        BroadcastText(broadcast_id=broadcast.id, lang=lang, text=body)
        for lang, body in texts.items()
    )
    rows = [
        {
            "broadcast_id": broadcast.id,
            "profile_id": r.profile_id,
            "channel": r.channel,
            "lang": r.language,
            "status": "queued" if r.channel in PUSH_CHANNELS else "skipped",
            "error": None if r.channel in PUSH_CHANNELS else "no_push_channel",
            "attempts": 0,
            "next_attempt_at": broadcast.send_at,
            "updated_at": now,
        }
        for r in parents.recipients(session, audience)
    ]
    if rows:
        session.execute(insert(Delivery), rows)
    return int(broadcast.id)


DIRECT = "direct_message"  # a broadcast of one: a social worker's feedback


def create_direct(
    session: Session, *, profile_id: int, text: str, created_by: str
) -> int:
    """Queue a social worker's message to one young person through the bot.

    It goes like any broadcast (quiet hours, retries, once only), in the words
    the worker wrote; returns the broadcast id.
    """
    body = text.strip()
    if not body or len(body) > 2000:
        raise ValueError("a message has 1 to 2000 characters")
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise LookupError(f"no profile {profile_id}")
    lang = profile.language_choice or profile.language or "en"
    lang = lang if lang in parents.LANGUAGES else "en"
    now = utcnow()
    broadcast = Broadcast(
        template_id=DIRECT,
        params="{}",
        audience=json.dumps({"profile_id": profile_id}),
        urgent=False,
        send_at=now,
        created_by=created_by[:64],
    )
    session.add(broadcast)
    session.flush()
    session.add(BroadcastText(broadcast_id=broadcast.id, lang=lang, text=body))
    pushable = profile.channel in PUSH_CHANNELS
    session.add(
        Delivery(
            broadcast_id=broadcast.id,
            profile_id=profile_id,
            channel=profile.channel,
            lang=lang,
            status="queued" if pushable else "skipped",
            error=None if pushable else "no_push_channel",
            attempts=0,
            next_attempt_at=now,
        )
    )
    session.flush()
    return int(broadcast.id)


def cancel(session: Session, *, broadcast_id: int) -> int:
    """Stop a broadcast: queued deliveries are skipped; returns how many."""
    row = session.get(Broadcast, broadcast_id)
    if row is None:
        raise LookupError(f"no broadcast {broadcast_id}")
    row.cancelled_at = utcnow()
    result = session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == "queued")
        .values(status="skipped", error="cancelled")
    )
    return int(result.rowcount or 0)


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


def report(session: Session, *, broadcast_id: int | None = None) -> Report:
    """Delivery counts by status, for one broadcast or for all."""
    stmt = select(Delivery.status, func.count()).group_by(Delivery.status)
    if broadcast_id is not None:
        stmt = stmt.where(Delivery.broadcast_id == broadcast_id)
    return Report(counts={s: int(n) for s, n in session.execute(stmt)})


def next_due(session: Session, *, broadcast_id: int | None = None) -> datetime | None:
    """When the earliest queued delivery may go (ignoring quiet hours), if any."""
    stmt = select(func.min(Delivery.next_attempt_at)).where(Delivery.status == "queued")
    if broadcast_id is not None:
        stmt = stmt.where(Delivery.broadcast_id == broadcast_id)
    found = session.execute(stmt).scalar_one_or_none()
    return as_utc(found) if found is not None else None


def overview(
    session: Session, *, broadcast_id: int | None = None
) -> list[BroadcastView]:
    """Broadcasts (all, or the one asked for) with their delivery counts."""
    stmt = select(Broadcast).order_by(Broadcast.id)
    if broadcast_id is not None:
        stmt = stmt.where(Broadcast.id == broadcast_id)
    return [
        BroadcastView(
            id=row.id,
            template_id=row.template_id,
            send_at=as_utc(row.send_at),
            urgent=row.urgent,
            cancelled=row.cancelled_at is not None,
            created_by=row.created_by,
            report=report(session, broadcast_id=row.id),
        )
        for row in session.execute(stmt).scalars()
    ]
