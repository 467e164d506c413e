"""Channel identities, the inbox of platform messages, offered buttons.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_identity",
        sa.Column("pseudonym", sa.String(64), primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("address", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "inbox_message",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("platform_id", sa.String(128), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("channel", "platform_id"),
    )
    op.create_table(
        "button_offer",
        sa.Column("token", sa.String(24), primary_key=True),
        sa.Column("sender", sa.String(64), nullable=False),
        sa.Column("ordinal", sa.Integer, nullable=False),
        sa.Column("payload", sa.String(500), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_button_offer_sender", "button_offer", ["sender"])


def downgrade() -> None:
    op.drop_index("ix_button_offer_sender", table_name="button_offer")
    for table in ("button_offer", "inbox_message", "channel_identity"):
        op.drop_table(table)
