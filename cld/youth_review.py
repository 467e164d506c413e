"""What social workers record about a young person: private notes, roadmap
reviews, and feedback sent to them through the bot.

Every function here takes the signed-in `account` and checks need-to-know
(`cld.caseload.may_see`) itself, raising LookupError when the account may not
see the young person, so no caller can forget the check. Notes are private to
the unit's social workers: they are never shown to the young person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cld import broadcasts, caseload, roadmaps
from cld.broadcast_models import Broadcast, BroadcastText, Delivery
from cld.models import Profile, as_utc, unstorable
from cld.staff import AccountView
from cld.staff_models import RoadmapReview, StaffAccount, YouthNote

MAX_NOTE = 2000
MAX_FEEDBACK = 2000
# Control characters other than tab and line breaks (PostgreSQL refuses NUL).


@dataclass(frozen=True)
class NoteView:
    """A private note, who wrote it and when."""

    id: int
    text: str
    author: str | None
    created_at: datetime


@dataclass(frozen=True)
class ReviewView:
    """A roadmap version reviewed with the young person."""

    version: int
    reviewer: str | None
    reviewed_at: datetime


@dataclass(frozen=True)
class FeedbackView:
    """A message a social worker sent through the bot, and how far it got."""

    broadcast_id: int
    text: str
    sent_by: str
    created_at: datetime
    status: str  # a cld.broadcast_models.Delivery status


def _check(session: Session, account: AccountView, profile_id: int) -> None:
    if not caseload.may_see(session, account=account, profile_id=profile_id):
        raise LookupError("not visible to this account")


def _clean(text: str, *, limit: int, what: str) -> str:
    body = text.strip()
    if not 1 <= len(body) <= limit:
        raise ValueError(f"a {what} has 1 to {limit} characters")
    if unstorable(body):
        raise ValueError(f"a {what} has characters that cannot be stored")
    return body


def add_note(
    session: Session, *, profile_id: int, account: AccountView, text: str
) -> NoteView:
    """Keep a private note (1-2000 characters after stripping; ValueError else)."""
    _check(session, account, profile_id)
    row = YouthNote(
        profile_id=profile_id,
        account_id=account.id,
        text=_clean(text, limit=MAX_NOTE, what="note"),
    )
    session.add(row)
    session.flush()
    return NoteView(row.id, row.text, account.display_name, as_utc(row.created_at))


def notes(
    session: Session, *, profile_id: int, account: AccountView, limit: int = 100
) -> list[NoteView]:
    """The unit's private notes on this young person, newest first."""
    _check(session, account, profile_id)
    stmt = (
        select(YouthNote, StaffAccount.display_name)
        .outerjoin(StaffAccount, StaffAccount.id == YouthNote.account_id)
        .where(YouthNote.profile_id == profile_id)
        .order_by(YouthNote.created_at.desc(), YouthNote.id.desc())
        .limit(limit)
    )
    return [
        NoteView(row.id, row.text, author, as_utc(row.created_at))
        for row, author in session.execute(stmt)
    ]


def mark_reviewed(
    session: Session, *, profile_id: int, version: int, account: AccountView
) -> ReviewView:
    """Record that a completed version was reviewed; ValueError if there is none."""
    _check(session, account, profile_id)
    view = roadmaps.current(session, profile_id=profile_id)
    latest = view.version if view else 0
    if not 1 <= version <= latest:
        raise ValueError(f"there is no completed version {version}")
    row = RoadmapReview(profile_id=profile_id, version=version, account_id=account.id)
    session.add(row)
    session.flush()
    return ReviewView(version, account.display_name, as_utc(row.reviewed_at))


def reviews(
    session: Session, *, profile_id: int, account: AccountView
) -> list[ReviewView]:
    """Every review of this young person's roadmap, newest first."""
    _check(session, account, profile_id)
    stmt = (
        select(RoadmapReview, StaffAccount.display_name)
        .outerjoin(StaffAccount, StaffAccount.id == RoadmapReview.account_id)
        .where(RoadmapReview.profile_id == profile_id)
        .order_by(RoadmapReview.reviewed_at.desc(), RoadmapReview.id.desc())
    )
    return [
        ReviewView(row.version, reviewer, as_utc(row.reviewed_at))
        for row, reviewer in session.execute(stmt)
    ]


def send_feedback(
    session: Session, *, profile_id: int, account: AccountView, text: str
) -> int:
    """Queue a message to the young person through the bot (sent outside quiet
    hours by the broadcast worker); returns the broadcast id."""
    _check(session, account, profile_id)
    body = _clean(text, limit=MAX_FEEDBACK, what="message")
    return broadcasts.create_direct(
        session, profile_id=profile_id, text=body, created_by=account.username
    )


def feedback(
    session: Session, *, profile_id: int, account: AccountView, limit: int = 10
) -> list[FeedbackView]:
    """The latest messages sent to this young person, newest first."""
    _check(session, account, profile_id)
    stmt = (
        select(Broadcast, BroadcastText.text, Delivery.status)
        .join(Delivery, Delivery.broadcast_id == Broadcast.id)
        .join(
            BroadcastText,
            (BroadcastText.broadcast_id == Broadcast.id)
            & (BroadcastText.lang == Delivery.lang),
        )
        .where(Broadcast.template_id == broadcasts.DIRECT)
        .where(Delivery.profile_id == profile_id)
        .order_by(Broadcast.id.desc())
        .limit(limit)
    )
    return [
        FeedbackView(row.id, text, row.created_by, as_utc(row.created_at), status)
        for row, text, status in session.execute(stmt)
    ]


def conversation_id(session: Session, *, profile_id: int, account: AccountView) -> str:
    """The id the tracker store keeps this young person's conversation under."""
    _check(session, account, profile_id)
    profile = session.get(Profile, profile_id)
    if profile is None:
        raise LookupError("no such profile")
    return str(profile.channel_user_id)
