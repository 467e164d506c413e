"""Broadcasts of parent updates: planning, creating, cancelling and reporting.

A broadcast freezes its text in both languages and gets one delivery row per
recipient (unique per broadcast and parent), so a parent is sent it once; how
those rows are sent is in cld/deliveries.py.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from cld import parents
from cld.broadcast_models import Broadcast, BroadcastText, Delivery
from cld.models import Profile, as_utc, utcnow
from locales import update_templates

PUSH_CHANNELS = ("telegram", "whatsapp")
FINAL = ("sent", "failed", "blocked", "skipped", "uncertain")
OPEN = ("queued", "claimed", "sending")


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
