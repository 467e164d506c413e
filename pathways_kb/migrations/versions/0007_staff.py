"""Social workers' accounts and sessions, the audit log, notes, reviews, the
HKBM self-assessment, and answered pathway questions (its evidence).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, ondelete: str, *, nullable: bool = True) -> sa.Column:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable
    )


def upgrade() -> None:
    op.create_table(
        "staff_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        _fk("unit_id", "unit.id", "RESTRICT"),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("failed_logins", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "staff_session",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        _fk("account_id", "staff_account.id", "CASCADE", nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_session_account_id", "staff_session", ["account_id"])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("account_id", "staff_account.id", "SET NULL"),
        _fk("unit_id", "unit.id", "SET NULL"),
        sa.Column("action", sa.String(40), nullable=False),
        _fk("profile_id", "profile.id", "SET NULL"),
        sa.Column("detail", sa.String(200)),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_audit_unit_at", "audit_event", ["unit_id", "at"])
    op.create_table(
        "youth_note",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("profile_id", "profile.id", "CASCADE", nullable=False),
        _fk("account_id", "staff_account.id", "SET NULL"),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "roadmap_review",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("profile_id", "profile.id", "CASCADE", nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        _fk("account_id", "staff_account.id", "SET NULL"),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "self_assessment",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("unit_id", "unit.id", "CASCADE", nullable=False),
        sa.Column("benchmark", sa.Integer, nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        _fk("account_id", "staff_account.id", "SET NULL"),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_assessment_unit_bm", "self_assessment", ["unit_id", "benchmark"]
    )
    op.create_table(
        "pathway_question",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("profile_id", "profile.id", "CASCADE", nullable=False),
        sa.Column("entry_id", sa.String(80), nullable=False),
        sa.Column("area", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_pathway_question_at", "pathway_question", ["asked_at"])


def downgrade() -> None:
    for table in (
        "pathway_question",
        "self_assessment",
        "roadmap_review",
        "youth_note",
        "audit_event",
        "staff_session",
        "staff_account",
    ):
        op.drop_table(table)
