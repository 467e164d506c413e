"""Tables for career roadmaps: the draft in progress, versions, check-ins, sharing.

The answers are the person's own words: sealed at rest (`cld.sealed.SealedText`).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)

from cld.models import utcnow
from cld.sealed import SealedText
from pathways_kb.db import Base


class Roadmap(Base):
    """One young person's roadmap: the answers in progress and the version count."""

    __tablename__ = "roadmap"
    id = Column(Integer, primary_key=True)
    profile_id = Column(
        ForeignKey("profile.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    draft = Column(SealedText, nullable=False, default="{}")  # JSON: section -> answer
    versions = Column(Integer, nullable=False, default=0)
    shared_unit = Column(String(32))  # unit code of the social workers who may see it
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = Column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )


class RoadmapVersion(Base):
    """A completed roadmap, kept forever; each completed edit adds one."""

    __tablename__ = "roadmap_version"
    __table_args__ = (UniqueConstraint("roadmap_id", "number"),)
    id = Column(Integer, primary_key=True)
    roadmap_id = Column(ForeignKey("roadmap.id", ondelete="CASCADE"), nullable=False)
    number = Column(Integer, nullable=False)
    content = Column(SealedText, nullable=False)  # JSON of every section
    turns = Column(Text, nullable=False, default="[]")  # JSON: conversation turn refs
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class CheckIn(Base):
    """A scheduled question about how one milestone is going, and its answer."""

    __tablename__ = "checkin"
    __table_args__ = (UniqueConstraint("roadmap_id", "version", "milestone"),)
    id = Column(Integer, primary_key=True)
    roadmap_id = Column(ForeignKey("roadmap.id", ondelete="CASCADE"), nullable=False)
    version = Column(Integer, nullable=False)
    milestone = Column(Integer, nullable=False)  # index in the version's milestones
    due_on = Column(DateTime(timezone=True), nullable=False)
    status = Column(String(12), nullable=False, default="scheduled")  # sent | answered
    answer = Column(String(16))  # done | in_progress | changed
    answered_at = Column(DateTime(timezone=True))
