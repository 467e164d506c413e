"""When each person last wrote (WhatsApp's 24-hour window for free-form replies).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_identity") as batch:
        batch.add_column(sa.Column("last_inbound_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("channel_identity") as batch:
        batch.drop_column("last_inbound_at")
