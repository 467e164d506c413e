"""Roadmaps, their versions and milestone check-ins.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "roadmap",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "profile_id",
            sa.Integer,
            sa.ForeignKey("profile.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("draft", sa.Text, nullable=False),
        sa.Column("versions", sa.Integer, nullable=False),
        sa.Column("shared_unit", sa.String(32)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "roadmap_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "roadmap_id",
            sa.Integer,
            sa.ForeignKey("roadmap.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("turns", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("roadmap_id", "number"),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "roadmap_id",
            sa.Integer,
            sa.ForeignKey("roadmap.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("milestone", sa.Integer, nullable=False),
        sa.Column("due_on", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("answer", sa.String(16)),
        sa.Column("answered_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("roadmap_id", "version", "milestone"),
    )


def downgrade() -> None:
    for table in ("checkin", "roadmap_version", "roadmap"):
        op.drop_table(table)
