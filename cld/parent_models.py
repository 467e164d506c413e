"""Tables for parents who asked for pathway updates, and what they asked for."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String

from cld.models import utcnow
from pathways_kb.db import Base


class ParentSubscription(Base):
    """One parent's subscription: its state, language, child's stage and unit.

    The consent itself (time and wording version) is a `ConsentRecord` of kind
    "parent_updates"; this row says what to send while that consent stands.
    """

    __tablename__ = "parent_subscription"
    id = Column(Integer, primary_key=True)
    profile_id = Column(
        ForeignKey("profile.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    # "active" | "unsubscribed" (they said STOP) | "inactive" (they blocked the bot)
    status = Column(String(12), nullable=False, default="active")
    language = Column(String(8), nullable=False)  # "en" | "yue"
    child_stage = Column(String(20), nullable=False)
    unit_id = Column(ForeignKey("unit.id", ondelete="SET NULL"))
    subscribed_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    ended_at = Column(DateTime(timezone=True))
    updated_at = Column(
        DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )


class SubscriptionTopic(Base):
    """A topic a parent wants updates on."""

    __tablename__ = "subscription_topic"
    subscription_id = Column(
        ForeignKey("parent_subscription.id", ondelete="CASCADE"), primary_key=True
    )
    topic = Column(String(20), primary_key=True)
