"""Parent subscriptions, broadcasts and their per-recipient delivery records.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _profile_fk() -> sa.Column:
    return sa.Column(
        "profile_id",
        sa.Integer,
        sa.ForeignKey("profile.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "parent_subscription",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "profile_id",
            sa.Integer,
            sa.ForeignKey("profile.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("child_stage", sa.String(20), nullable=False),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("unit.id", ondelete="SET NULL")),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subscription_topic",
        sa.Column(
            "subscription_id",
            sa.Integer,
            sa.ForeignKey("parent_subscription.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("topic", sa.String(20), primary_key=True),
    )
    op.create_table(
        "broadcast",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("template_id", sa.String(64), nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("audience", sa.Text, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "broadcast_text",
        sa.Column(
            "broadcast_id",
            sa.Integer,
            sa.ForeignKey("broadcast.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "broadcast_id",
            sa.Integer,
            sa.ForeignKey("broadcast.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _profile_fk(),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(64)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("platform_message_id", sa.String(64)),
        sa.Column("error", sa.String(64)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("broadcast_id", "profile_id"),
    )
    op.create_index("ix_delivery_status_due", "delivery", ["status", "next_attempt_at"])
    op.create_index("ix_delivery_claimed_by", "delivery", ["claimed_by"])


def downgrade() -> None:
    for table in (
        "delivery",
        "broadcast_text",
        "broadcast",
        "subscription_topic",
        "parent_subscription",
    ):
        op.drop_table(table)
