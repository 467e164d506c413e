"""Milestone check-ins: which are due, claiming one to send, recording the answer.

Rows live in the database, so the schedule survives restarts; claiming is a
guarded UPDATE, so two senders never ask the same check-in twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cld.models import Profile, utcnow
from cld.roadmap_models import CheckIn, Roadmap, RoadmapVersion

STATUSES = ("done", "in_progress", "changed")
# Ask a little before the milestone's month starts, when it can still help.
LEAD = timedelta(days=7)


@dataclass(frozen=True)
class DueCheckIn:
    """A check-in to send: to whom, on which channel, about which milestone."""

    id: int
    sender_id: str
    channel: str
    language: str
    milestone: str
    month: str


@dataclass(frozen=True)
class CheckInView:
    """A check-in and its answer."""

    id: int
    milestone: str
    month: str
    status: str
    answer: str | None


def _milestone(session: Session, row: CheckIn) -> dict[str, str]:
    content = session.execute(
        select(RoadmapVersion.content).where(
            RoadmapVersion.roadmap_id == row.roadmap_id,
            RoadmapVersion.number == row.version,
        )
    ).scalar_one()
    milestones = json.loads(content).get("milestones") or []
    return milestones[row.milestone] if row.milestone < len(milestones) else {}


def due(session: Session, *, now: datetime, limit: int = 100) -> list[DueCheckIn]:
    """Scheduled check-ins whose month starts within `LEAD` of `now`."""
    rows = session.execute(
        select(CheckIn, Profile)
        .join(Roadmap, Roadmap.id == CheckIn.roadmap_id)
        .join(Profile, Profile.id == Roadmap.profile_id)
        .where(CheckIn.status == "scheduled", CheckIn.due_on <= now + LEAD)
        .order_by(CheckIn.due_on, CheckIn.id)
        .limit(limit)
    ).all()
    result = []
    for checkin, profile in rows:
        milestone = _milestone(session, checkin)
        result.append(
            DueCheckIn(
                id=checkin.id,
                sender_id=profile.channel_user_id,
                channel=profile.channel,
                language=profile.language_choice or profile.language or "en",
                milestone=milestone.get("text", ""),
                month=milestone.get("month", ""),
            )
        )
    return result


def claim(session: Session, *, checkin_id: int) -> bool:
    """Mark a check-in as sent; False when another sender claimed it first."""
    result = session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin_id, CheckIn.status == "scheduled")
        .values(status="sent")
    )
    return bool(result.rowcount)


def release(session: Session, *, checkin_id: int) -> None:
    """Put a claimed check-in back (its delivery failed), to be tried again."""
    session.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin_id, CheckIn.status == "sent")
        .values(status="scheduled")
    )


def _owned(session: Session, profile_id: int, checkin_id: int | None) -> CheckIn | None:
    stmt = (
        select(CheckIn)
        .join(Roadmap, Roadmap.id == CheckIn.roadmap_id)
        .where(Roadmap.profile_id == profile_id)
    )
    if checkin_id is not None:
        stmt = stmt.where(CheckIn.id == checkin_id)
    else:
        stmt = stmt.where(CheckIn.status == "sent").order_by(CheckIn.due_on.desc())
    return session.execute(stmt.limit(1)).scalar_one_or_none()


def pending(
    session: Session, *, profile_id: int, checkin_id: int | None = None
) -> CheckInView | None:
    """The check-in this person was asked about (the given one, else the latest)."""
    row = _owned(session, profile_id, checkin_id)
    if row is None:
        return None
    milestone = _milestone(session, row)
    return CheckInView(
        id=row.id,
        milestone=milestone.get("text", ""),
        month=milestone.get("month", ""),
        status=row.status,
        answer=row.answer,
    )


def record(
    session: Session, *, profile_id: int, answer: str, checkin_id: int | None = None
) -> CheckInView | None:
    """Record how a milestone is going; None when no check-in is waiting."""
    if answer not in STATUSES:
        raise ValueError(f"unknown check-in answer '{answer}'")
    row = _owned(session, profile_id, checkin_id)
    if row is None or row.status not in ("sent", "answered"):
        return None
    row.status, row.answer, row.answered_at = "answered", answer, utcnow()
    session.flush()
    return pending(session, profile_id=profile_id, checkin_id=row.id)
