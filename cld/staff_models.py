"""Tables for social workers' accounts, their sessions, the audit log, and what
they record: notes, roadmap reviews and the unit's HKBM self-assessment."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)

from cld.models import utcnow
from pathways_kb.db import Base


class StaffAccount(Base):
    """A dashboard user: a social worker or supervisor of one unit, or an admin."""

    __tablename__ = "staff_account"
    id = Column(Integer, primary_key=True)
    username = Column(String(64), nullable=False, unique=True)
    display_name = Column(String(100), nullable=False)
    password_hash = Column(String(200), nullable=False)  # argon2id
    role = Column(String(12), nullable=False)  # "worker" | "supervisor" | "admin"
    unit_id = Column(ForeignKey("unit.id", ondelete="RESTRICT"))  # None for admins
    language = Column(String(8), nullable=False, default="en")
    is_active = Column(Boolean, nullable=False, default=True)
    failed_logins = Column(Integer, nullable=False, default=0)
    locked_until = Column(DateTime(timezone=True))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class StaffSession(Base):
    """A signed-in browser: only a hash of its cookie is stored."""

    __tablename__ = "staff_session"
    token_hash = Column(String(64), primary_key=True)
    account_id = Column(
        ForeignKey("staff_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    expires_at = Column(DateTime(timezone=True), nullable=False)


class AuditEvent(Base):
    """Who looked at or changed what, and when (supervisors read these)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_unit_at", "unit_id", "at"),)
    id = Column(Integer, primary_key=True)
    account_id = Column(ForeignKey("staff_account.id", ondelete="SET NULL"))
    unit_id = Column(ForeignKey("unit.id", ondelete="SET NULL"))
    action = Column(String(40), nullable=False)  # e.g. "view_roadmap", "login_failed"
    profile_id = Column(ForeignKey("profile.id", ondelete="SET NULL"))
    detail = Column(String(200))  # ids and names only, never message text
    at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class YouthNote(Base):
    """A social worker's private note on a young person (never shown to them)."""

    __tablename__ = "youth_note"
    id = Column(Integer, primary_key=True)
    profile_id = Column(ForeignKey("profile.id", ondelete="CASCADE"), nullable=False)
    account_id = Column(ForeignKey("staff_account.id", ondelete="SET NULL"))
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class RoadmapReview(Base):
    """A roadmap version reviewed with the young person (Benchmark 6: yearly)."""

    __tablename__ = "roadmap_review"
    id = Column(Integer, primary_key=True)
    profile_id = Column(ForeignKey("profile.id", ondelete="CASCADE"), nullable=False)
    version = Column(Integer, nullable=False)
    account_id = Column(ForeignKey("staff_account.id", ondelete="SET NULL"))
    reviewed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class SelfAssessment(Base):
    """One rating of one HKBM benchmark by a unit; the history is every row."""

    __tablename__ = "self_assessment"
    __table_args__ = (Index("ix_assessment_unit_bm", "unit_id", "benchmark"),)
    id = Column(Integer, primary_key=True)
    unit_id = Column(ForeignKey("unit.id", ondelete="CASCADE"), nullable=False)
    benchmark = Column(Integer, nullable=False)  # 1..10
    level = Column(String(10), nullable=False)  # "not_yet" | "partly" | "fully"
    evidence = Column(Text, nullable=False, default="")
    account_id = Column(ForeignKey("staff_account.id", ondelete="SET NULL"))
    recorded_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
