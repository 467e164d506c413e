"""Tables for parent-update broadcasts and one delivery record per recipient."""

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
    UniqueConstraint,
)

from cld.models import utcnow
from pathways_kb.db import Base


class Broadcast(Base):
    """One update sent to an audience, with its text frozen at creation."""

    __tablename__ = "broadcast"
    id = Column(Integer, primary_key=True)
    template_id = Column(String(64), nullable=False)
    params = Column(Text, nullable=False)  # JSON: the placeholder values
    audience = Column(Text, nullable=False)  # JSON: cld.parents.Audience
    urgent = Column(Boolean, nullable=False, default=False)
    send_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    cancelled_at = Column(DateTime(timezone=True))
    created_by = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class BroadcastText(Base):
    """The rendered text of a broadcast in one language."""

    __tablename__ = "broadcast_text"
    broadcast_id = Column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), primary_key=True
    )
    lang = Column(String(8), primary_key=True)
    text = Column(Text, nullable=False)


class Delivery(Base):
    """One recipient of one broadcast, and how far its message got.

    queued -> claimed (a worker holds it) -> sending (the request is out) ->
    sent | failed | blocked; `skipped` when the channel cannot push; `uncertain`
    when a worker died while the request was out (never sent a second time).
    """

    __tablename__ = "delivery"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "profile_id"),
        Index("ix_delivery_status_due", "status", "next_attempt_at"),
        Index("ix_delivery_claimed_by", "claimed_by"),
    )
    id = Column(Integer, primary_key=True)
    broadcast_id = Column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), nullable=False
    )
    profile_id = Column(ForeignKey("profile.id", ondelete="CASCADE"), nullable=False)
    channel = Column(String(20), nullable=False)
    lang = Column(String(8), nullable=False)
    status = Column(String(12), nullable=False, default="queued")
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    claimed_by = Column(String(64))
    lease_until = Column(DateTime(timezone=True))
    platform_message_id = Column(String(64))
    error = Column(String(64))  # an error kind, never message text
    updated_at = Column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )
    sent_at = Column(DateTime(timezone=True))
