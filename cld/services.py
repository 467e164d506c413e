"""Profiles, consent and requests for a person, as plain functions on a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cld.models import ConsentRecord, HelpRequest, Profile

ROLES = ("youth", "parent")
LANGUAGES = ("en", "yue")


@dataclass(frozen=True)
class ProfileView:
    """What the assistant remembers about one person."""

    id: int
    channel: str
    channel_user_id: str
    role: str | None
    language: str | None
    language_choice: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: Profile) -> "ProfileView":
        """Copy a row into a detached view."""
        return cls(
            id=row.id,
            channel=row.channel,
            channel_user_id=row.channel_user_id,
            role=row.role,
            language=row.language,
            language_choice=row.language_choice,
            created_at=row.created_at,
        )


@dataclass(frozen=True)
class ConsentView:
    """The latest state of one kind of consent."""

    kind: str
    granted: bool
    wording_version: str
    recorded_at: datetime


def _find(session: Session, channel: str, channel_user_id: str) -> Profile | None:
    stmt = select(Profile).where(
        Profile.channel == channel, Profile.channel_user_id == channel_user_id
    )
    return session.execute(stmt).scalar_one_or_none()


def get_profile(
    session: Session, *, channel: str, channel_user_id: str
) -> ProfileView | None:
    """The profile of this channel user, if there is one."""
    row = _find(session, channel, channel_user_id)
    return ProfileView.of(row) if row else None


def ensure_profile(
    session: Session,
    *,
    channel: str,
    channel_user_id: str,
    language: str | None = None,
) -> ProfileView:
    """The profile of this channel user, created on first contact."""
    row = _find(session, channel, channel_user_id)
    if row is None:
        row = Profile(
            channel=channel,
            channel_user_id=channel_user_id,
            language=language if language in LANGUAGES else None,
        )
        session.add(row)
        session.flush()
    return ProfileView.of(row)


def save_language(
    session: Session,
    *,
    profile_id: int,
    language: str | None = None,
    choice: str | None = None,
) -> None:
    """Remember the conversation's language and, if given, the person's own choice."""
    row = session.get(Profile, profile_id)
    if row is None:
        raise LookupError(f"no profile {profile_id}")
    if language in LANGUAGES:
        row.language = language
    if choice in LANGUAGES:
        row.language_choice = choice


def set_role(session: Session, *, profile_id: int, role: str) -> None:
    """Remember whether the person is a young person or a parent."""
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}'")
    row = session.get(Profile, profile_id)
    if row is None:
        raise LookupError(f"no profile {profile_id}")
    row.role = role


def record_consent(
    session: Session, *, profile_id: int, kind: str, granted: bool, wording_version: str
) -> None:
    """Append a consent decision; the history is kept."""
    session.add(
        ConsentRecord(
            profile_id=profile_id,
            kind=kind,
            granted=granted,
            wording_version=wording_version,
        )
    )


def current_consent(
    session: Session, *, profile_id: int, kind: str
) -> ConsentView | None:
    """The latest decision of this kind, or None if never asked."""
    stmt = (
        select(ConsentRecord)
        .where(ConsentRecord.profile_id == profile_id, ConsentRecord.kind == kind)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        .limit(1)
    )
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        return None
    return ConsentView(
        kind=row.kind,
        granted=row.granted,
        wording_version=row.wording_version,
        recorded_at=row.recorded_at,
    )


def request_human(
    session: Session, *, profile_id: int, reason: str, context: str
) -> int:
    """Open a request for a social worker; returns its id."""
    request = HelpRequest(profile_id=profile_id, reason=reason, context=context[:500])
    session.add(request)
    session.flush()
    return int(request.id)


def open_help_requests(session: Session, *, profile_id: int) -> int:
    """How many requests for a person are still open for this profile."""
    stmt = select(HelpRequest.id).where(
        HelpRequest.profile_id == profile_id, HelpRequest.resolved_at.is_(None)
    )
    return len(session.execute(stmt).all())
