"""Knowledge-base tables.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _entry_fk() -> sa.ForeignKey:
    return sa.ForeignKey("entry.id", ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "entry",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("area", sa.String(32), nullable=False),
        sa.Column("pathway", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("review_by", sa.Date, nullable=False),
        sa.Column("is_published", sa.Boolean, nullable=False),
        sa.Column("source_file", sa.String(200), nullable=False),
    )
    op.create_table(
        "entry_text",
        sa.Column("entry_id", sa.String(80), _entry_fk(), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("key_facts", sa.Text, nullable=False),
    )
    op.create_table(
        "entry_source",
        sa.Column("entry_id", sa.String(80), _entry_fk(), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
    )
    op.create_table(
        "entry_alias",
        sa.Column("entry_id", sa.String(80), _entry_fk(), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("alias", sa.String(120), primary_key=True),
    )
    op.create_table(
        "relation",
        sa.Column("source_id", sa.String(80), _entry_fk(), primary_key=True),
        sa.Column("target_id", sa.String(80), _entry_fk(), primary_key=True),
        sa.Column("rank", sa.Integer, nullable=False),
    )
    op.create_table(
        "kb_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("entry_count", sa.Integer, nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    for table in (
        "kb_version",
        "relation",
        "entry_alias",
        "entry_source",
        "entry_text",
        "entry",
    ):
        op.drop_table(table)
