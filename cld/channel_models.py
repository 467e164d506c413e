"""Tables the channel gateway keeps: who is behind a pseudonym, what arrived, which
buttons were offered."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Text, UniqueConstraint

from cld.models import utcnow
from pathways_kb.db import Base


class ChannelIdentity(Base):
    """Maps the pseudonym Rasa sees to the platform's chat address (for replies)."""

    __tablename__ = "channel_identity"
    pseudonym = Column(String(64), primary_key=True)
    channel = Column(String(20), nullable=False)
    address = Column(String(128), nullable=False)  # Telegram chat id / WhatsApp number
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    # The person's last message: WhatsApp allows free-form replies for 24 h after.
    last_inbound_at = Column(DateTime(timezone=True))


class InboxMessage(Base):
    """One platform message, stored before it is processed: repeats are skipped."""

    __tablename__ = "inbox_message"
    __table_args__ = (UniqueConstraint("channel", "platform_id"),)
    id = Column(Integer, primary_key=True)
    channel = Column(String(20), nullable=False)
    platform_id = Column(String(128), nullable=False)  # update_id / MessageSid
    payload = Column(Text, nullable=False)  # the platform's JSON, for a retry
    status = Column(String(12), nullable=False, default="pending")  # pending | done
    received_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    processed_at = Column(DateTime(timezone=True))


class ButtonOffer(Base):
    """A button shown to a person: its short token stands for the payload."""

    __tablename__ = "button_offer"
    token = Column(String(24), primary_key=True)
    sender = Column(String(64), nullable=False, index=True)
    ordinal = Column(Integer, nullable=False)  # 1, 2, ... as shown in the message
    payload = Column(String(500), nullable=False)
    offered_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
