"""A young person's conversation as Rasa's SQL tracker store keeps it, read-only.

Rasa 3.6 (`rasa.core.tracker_store.SQLTrackerStore`) writes one row per event to
a table `events` (id, sender_id, type_name, timestamp as epoch seconds,
intent_name, action_name, data as JSON text), in order of `id`; our store
(rasa_server/tracker_store.py) seals `data`, which is opened here. This module
reads that table on its own engine and never writes to it: SQLite files are
opened in read-only mode and PostgreSQL transactions are read-only. Message
text is shown to the social worker but never logged.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    and_,
    create_engine,
    or_,
    select,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from cld import sealed
from cld.tracker_events import EVENTS  # Rasa's `events` table

logger = logging.getLogger(__name__)
LANGUAGES = ("en", "yue")
DETECTED_ENTITY = "detected_language"  # pipeline/language_detector.py
DETECTED_SLOT, CHOICE_SLOT = "language", "language_choice"  # domain.yml
MAX_TURNS = 1000


class TrackerUnavailable(RuntimeError):
    """The tracker store could not be read (missing, locked, or not Rasa's)."""


@dataclass(frozen=True)
class Turn:
    """One line of a transcript: a message, or the start of a new session."""

    kind: str  # "user" | "bot" | "session"
    at: datetime  # aware UTC
    text: str
    language: str | None  # "en" | "yue" when known
    buttons: tuple[str, ...] = ()  # the titles of a bot message's buttons


@dataclass(frozen=True)
class Transcript:
    """A conversation in order; `earlier` counts the older turns left out."""

    turns: tuple[Turn, ...]
    earlier: int = 0


def _read_only_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return parsed
    database = parsed.database or ""
    if database in ("", ":memory:"):
        raise TrackerUnavailable("an in-memory tracker store cannot be shared")
    # `mode=ro` never creates the file, and never writes to it.
    return URL.create(
        "sqlite",
        database=Path(database).resolve().as_uri(),
        query={"mode": "ro", "uri": "true"},
    )


def _language(value: Any) -> str | None:
    return str(value) if value in LANGUAGES else None


def _entity_language(data: dict[str, Any]) -> str | None:
    entities = (data.get("parse_data") or {}).get("entities") or []
    for entity in entities:
        if isinstance(entity, dict) and entity.get("entity") == DETECTED_ENTITY:
            return _language(entity.get("value"))
    return None


def _moment(timestamp: Any) -> datetime:
    try:
        return datetime.fromtimestamp(float(timestamp or 0), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return datetime.fromtimestamp(0, tz=timezone.utc)


def _turns(rows: list[Any]) -> list[Turn]:
    slots: dict[str, str | None] = {DETECTED_SLOT: None, CHOICE_SLOT: None}
    turns: list[Turn] = []
    for row in rows:
        try:
            data = json.loads(sealed.unseal(row.data or "{}"))
        except ValueError:  # SealError is one too
            continue  # a damaged row hides one event, not the conversation
        if not isinstance(data, dict):
            continue
        at = _moment(row.timestamp)
        if row.type_name == "slot":
            slots[str(data.get("name"))] = _language(data.get("value"))
        elif row.type_name == "session_started":
            turns.append(Turn("session", at, "", None))
        elif row.type_name == "user":
            spoken = (
                _entity_language(data)
                or _language((data.get("metadata") or {}).get(DETECTED_SLOT))
                or slots[DETECTED_SLOT]
            )
            turns.append(Turn("user", at, str(data.get("text") or ""), spoken))
        elif row.type_name == "bot":
            extra = data.get("data") or {}
            buttons = tuple(
                str(b.get("title", ""))
                for b in extra.get("buttons") or []
                if isinstance(b, dict)
            )
            replied = (
                _language((data.get("metadata") or {}).get(DETECTED_SLOT))
                or slots[CHOICE_SLOT]
                or slots[DETECTED_SLOT]
            )
            text = str(data.get("text") or "")
            turns.append(Turn("bot", at, text, replied, buttons))
    return turns


class TrackerReader:
    """Reads conversations from one tracker store; the engine opens on first use."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def _connect(self) -> Engine:
        with self._lock:
            if self._engine is None:
                try:
                    url = _read_only_url(self._url)
                    self._engine = create_engine(
                        url,
                        future=True,
                        poolclass=NullPool,
                        connect_args={"timeout": 5}
                        if url.get_backend_name() == "sqlite"
                        else {},
                    )
                except (ArgumentError, SQLAlchemyError, ValueError) as error:
                    raise TrackerUnavailable("bad TRACKER_DB_URL") from error
            return self._engine

    def conversation(self, sender_id: str, *, limit: int = MAX_TURNS) -> Transcript:
        """The messages of one sender, oldest first (the latest `limit` of them)."""
        wanted = or_(
            EVENTS.c.type_name.in_(("user", "bot", "session_started")),
            and_(
                EVENTS.c.type_name == "slot",
                EVENTS.c.action_name.in_((DETECTED_SLOT, CHOICE_SLOT)),
            ),
        )
        stmt = (
            select(
                EVENTS.c.type_name,
                EVENTS.c.timestamp,
                EVENTS.c.data,
            )
            .where(EVENTS.c.sender_id == sender_id, wanted)
            .order_by(EVENTS.c.id)
        )
        engine = self._connect()
        try:
            with engine.connect() as connection:
                if engine.dialect.name == "postgresql":
                    connection = connection.execution_options(postgresql_readonly=True)
                rows = list(connection.execute(stmt))
        except SQLAlchemyError as error:
            logger.warning("tracker store unreadable: %s", type(error).__name__)
            raise TrackerUnavailable("tracker store unreadable") from error
        turns = _turns(rows)
        earlier = max(0, len(turns) - limit)
        return Transcript(tuple(turns[earlier:]), earlier)

    def close(self) -> None:
        """Let go of the engine's connections."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
