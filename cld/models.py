"""Tables for people who talk to the assistant and what they agreed to."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from pathways_kb.db import Base

_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def utcnow() -> datetime:
    """Timezone-aware current time (stored as UTC)."""
    return datetime.now(timezone.utc)


def unstorable(text: str) -> bool:
    """True when typed text holds control characters (NUL, escape, ...) or lone
    surrogates: PostgreSQL refuses NUL, and no page should show the others."""
    return _UNSTORABLE.search(text) is not None


def as_utc(moment: datetime) -> datetime:
    """A stored or given time as aware UTC (SQLite hands back naive UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class Profile(Base):
    """One person on one channel, known by the channel's (pseudonymous) user id."""

    __tablename__ = "profile"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id"),)
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)  # "telegram" | "whatsapp" | "rest"
    channel_user_id = Column(String(128), nullable=False)
    role = Column(String(10))  # "youth" | "parent"; asked once
    language = Column(String(8))  # language of the conversation so far
    language_choice = Column(String(8))  # the person's own choice, if any
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )


class ConsentRecord(Base):
    """A consent given or withdrawn, with the wording version shown at the time."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_profile_kind", "profile_id", "kind"),)
    id = Column(Integer, primary_key=True)
    profile_id = Column(ForeignKey("profile.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(32), nullable=False)  # e.g. "share_roadmap", "parent_updates"
    granted = Column(Boolean, nullable=False)
    wording_version = Column(String(32), nullable=False)
    recorded_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class HelpRequest(Base):
    """A request to talk to a person, waiting for a social worker."""

    __tablename__ = "help_request"
    id = Column(Integer, primary_key=True)
    profile_id = Column(ForeignKey("profile.id", ondelete="CASCADE"), nullable=False)
    reason = Column(String(32), nullable=False)  # "asked" | later: "crisis"
    context = Column(Text)  # what the person was doing (intent names, not text)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    resolved_at = Column(DateTime(timezone=True))


class Unit(Base):
    """A school or youth service unit whose social workers review shared roadmaps."""

    __tablename__ = "unit"
    id = Column(Integer, primary_key=True)
    code = Column(String(16), nullable=False, unique=True)  # what a youth types
    name = Column(String(200), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class PathwayQuestion(Base):
    """A pathway question the assistant answered (HKBM evidence: Benchmarks 3, 9).

    Only which entry answered it is kept, never the question's words.
    """

    __tablename__ = "pathway_question"
    __table_args__ = (Index("ix_pathway_question_at", "asked_at"),)
    id = Column(Integer, primary_key=True)
    profile_id = Column(ForeignKey("profile.id", ondelete="CASCADE"), nullable=False)
    entry_id = Column(String(80), nullable=False)
    area = Column(String(32), nullable=False)  # the entry's area: vpet, higher_ed, ...
    lang = Column(String(8), nullable=False)
    asked_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
