"""Rasa's tracker store (table `events`) as the privacy services need it.

Rasa 3.6's SQL tracker store keeps one row per event (id, sender_id, type_name,
timestamp in epoch seconds, intent_name, action_name, data); our store
(rasa_server/tracker_store.py) seals `data`. Here a person's events are read in
full (for an export) and deleted (erasure, retention). A store that was never
started has no `events` table: it holds nothing, so reads are empty.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    inspect,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from cld import sealed

_metadata = MetaData()
EVENTS = Table(
    "events",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@dataclass(frozen=True)
class StoredEvent:
    """One tracker event, opened."""

    at: datetime  # aware UTC
    type_name: str
    data: dict[str, Any]


def connect(url: str) -> Engine:
    """An engine on the tracker store (no pool: these are occasional jobs)."""
    return create_engine(url, future=True, poolclass=NullPool)


def _exists(engine: Engine) -> bool:
    database = engine.url.database or ""
    on_disk = engine.dialect.name == "sqlite" and database not in ("", ":memory:")
    if on_disk and not Path(database).exists():
        return False  # never create the file Rasa has not
    return inspect(engine).has_table("events")


def _opened(data: str | None) -> dict[str, Any]:
    try:
        value = json.loads(sealed.unseal(data or "{}"))
    except ValueError:  # a damaged row (SealError is one too)
        return {"unreadable": True}
    return value if isinstance(value, dict) else {}


def events_of(engine: Engine, sender_id: str) -> list[StoredEvent]:
    """Every event of one conversation, oldest first."""
    if not _exists(engine):
        return []
    stmt = (
        select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == sender_id)
        .order_by(EVENTS.c.id)
    )
    with engine.connect() as connection:
        rows = list(connection.execute(stmt))
    return [
        StoredEvent(
            at=datetime.fromtimestamp(float(row.timestamp or 0), tz=timezone.utc),
            type_name=row.type_name,
            data=_opened(row.data),
        )
        for row in rows
    ]


def erase(engine: Engine, sender_id: str) -> int:
    """Delete one conversation's events; how many there were."""
    if not _exists(engine):
        return 0
    with engine.begin() as connection:
        result = connection.execute(
            delete(EVENTS).where(EVENTS.c.sender_id == sender_id)
        )
    return int(result.rowcount or 0)


def purge_before(engine: Engine, *, cutoff: datetime, keep: set[str]) -> int:
    """Delete events older than `cutoff` except those of senders in `keep`."""
    if not _exists(engine):
        return 0
    old = EVENTS.c.timestamp < cutoff.timestamp()
    with engine.connect() as connection:
        senders = set(
            connection.execute(select(EVENTS.c.sender_id).where(old).distinct())
            .scalars()
            .all()
        )
    deleted = 0
    for sender_id in sorted(senders - keep):
        with engine.begin() as connection:
            result = connection.execute(
                delete(EVENTS).where(EVENTS.c.sender_id == sender_id, old)
            )
        deleted += int(result.rowcount or 0)
    return deleted
