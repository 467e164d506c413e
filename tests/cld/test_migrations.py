"""The migrated schema is exactly what the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import cld.broadcast_models  # noqa: F401
import cld.channel_models  # noqa: F401
import cld.models  # noqa: F401 - registers the tables on Base
import cld.parent_models  # noqa: F401
import cld.roadmap_models  # noqa: F401
import cld.staff_models  # noqa: F401
import pathways_kb.models  # noqa: F401
from pathways_kb import db


def test_migrations_match_the_models(database):
    with db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.Base.metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(database):
    db.migrate(database)
    with db.engine().connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.Base.metadata)
    assert diff == []
