"""Rasa's SQL tracker store, made strict, sealed and constant-time per turn.

What it changes against Rasa 3.6's `SQLTrackerStore` (same `events` table):
- **No silent resets.** Rasa wraps every tracker store in `FailSafeTrackerStore`,
  which answers a failed read with "no tracker" (the turn runs on an empty
  conversation) and a failed write with a memory copy no other instance sees. A
  storage error here raises `TrackerStoreUnavailable` through that wrapper; the
  gateway channel turns it into a retryable 503 for that turn.
- **Sealed at rest.** Event data is stored encrypted (`cld.sealed`); the columns
  Rasa indexes (sender, type, intent and action names, timestamp) stay readable.
- **Bounded work per turn.** Each instance keeps the recent window of each
  conversation it serves (senders are routed to one instance, sticky by sender)
  and checks it against the database with one indexed query (`max(id)`). The
  tracker handed to Rasa holds the state at the start of the window (slots,
  active form) plus the last `WINDOW_TURNS` to `2 * WINDOW_TURNS` user turns:
  the policies look back only `max_history` (5) turns, so predictions are the
  same, and turn 300 costs what turn 10 does. The database keeps every event.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterable

import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from cld import sealed
from pathways_kb.db import ping_when_idle

logger = logging.getLogger(__name__)

WINDOW_TURNS = 6  # >= the policies' max_history (config.yml)
LOADED = "_pathpal_loaded_events"  # attribute on trackers we hand out


class TrackerStoreUnavailable(Exception):
    """The conversation could not be read or written; retry the turn later."""


@dataclass
class _Window:
    """What one instance remembers of a conversation."""

    last_id: int
    events: list[Event]  # state prefix + the recent turns


def _state_prefix(tracker: DialogueStateTracker) -> list[Event]:
    """Events that recreate `tracker`'s slots and active form from nothing."""
    prefix: list[Event] = [
        SlotSet(slot.name, slot.value)
        for slot in tracker.slots.values()
        if slot.value != slot.initial_value
    ]
    if tracker.active_loop_name:
        prefix.append(ActiveLoop(tracker.active_loop_name))
    prefix.append(ActionExecuted(ACTION_LISTEN_NAME))
    return prefix


def _since_session_start(events: list[Event]) -> list[Event]:
    """The events of the latest session (as Rasa's own store returns them)."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], SessionStarted):
            start = index
            if index > 0 and isinstance(events[index - 1], ActionExecuted):
                start = index - 1  # the action_session_start before it
            return events[start:]
    return events


class StrictSQLTrackerStore(SQLTrackerStore):
    """See the module docstring. Configured in endpoints.yml as
    `type: rasa_server.tracker_store.StrictSQLTrackerStore` with `url:`."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Rasa passes the endpoint's `url:` as `host`; one URL names the database.
        if host and "://" in host:
            parsed = sa.engine.make_url(host)
            kwargs.update(
                dialect=parsed.get_backend_name(),
                host=parsed.host,
                port=parsed.port,
                db=parsed.database,
                username=parsed.username,
                password=parsed.password,
            )
        elif host:
            kwargs["host"] = host
        try:
            self._connect(domain, **kwargs)
        except AttributeError as error:
            # Rasa would swallow an AttributeError here and silently fall back to
            # an in-memory store; fail start-up instead.
            raise RuntimeError(f"tracker store not started: {error}") from error

    def _connect(self, domain: Domain | None, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        if self.engine.dialect.name != "sqlite":
            # Fail fast and reconnect after a restart instead of hanging a turn.
            self.engine = ping_when_idle(
                sa.create_engine(
                    self.engine.url, pool_size=5, connect_args={"connect_timeout": 3}
                )
            )
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        with self.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id "
                    "ON events (sender_id, id)"
                )
            )
        self._windows: dict[str, _Window] = {}

    # -- database work (in a thread, so a slow database never blocks other turns)

    async def _db(self, work: Callable[[Any], Any]) -> Any:
        def run() -> Any:
            with self.sessionmaker() as session:
                return work(session)

        try:
            return await asyncio.to_thread(run)
        except sa.exc.SQLAlchemyError as error:
            logger.warning("tracker store unavailable: %s", type(error).__name__)
            raise TrackerStoreUnavailable(type(error).__name__) from error

    def _last_id(self, session: Any, sender_id: str) -> int:
        table = self.SQLEvent
        value = session.execute(
            sa.select(sa.func.max(table.id)).where(table.sender_id == sender_id)
        ).scalar()
        return int(value or 0)

    def _load(self, session: Any, sender_id: str) -> tuple[int, list[dict]]:
        table = self.SQLEvent
        rows = session.execute(
            sa.select(table.id, table.data)
            .where(table.sender_id == sender_id)
            .order_by(table.id)
        ).all()
        last = int(rows[-1][0]) if rows else 0
        return last, [json.loads(sealed.unseal(data)) for _id, data in rows]

    # -- the window

    def _tracker(self, sender_id: str, events: Iterable[Event]) -> DialogueStateTracker:
        return DialogueStateTracker.from_events(
            sender_id, list(events), self.domain.slots
        )

    def _windowed(self, sender_id: str, events: list[Event]) -> list[Event]:
        """`events` cut to at most 2 * WINDOW_TURNS user turns, state kept."""
        events = _since_session_start(events)
        turns = [i for i, event in enumerate(events) if isinstance(event, UserUttered)]
        if len(turns) <= 2 * WINDOW_TURNS:
            return events
        cut = turns[-WINDOW_TURNS]
        before = self._tracker(sender_id, events[:cut])
        return _state_prefix(before) + events[cut:]

    async def _window(self, sender_id: str) -> _Window | None:
        cached = self._windows.get(sender_id)
        last_id = await self._db(functools.partial(self._last_id, sender_id=sender_id))
        if last_id == 0:
            self._windows.pop(sender_id, None)
            return None
        if cached is not None and cached.last_id == last_id:
            return cached
        # First turn here, or another instance wrote (failover): read it all once.
        last_id, dicts = await self._db(
            functools.partial(self._load, sender_id=sender_id)
        )
        if not dicts:
            return None
        events = [Event.from_parameters(d) for d in dicts]
        window = _Window(last_id, self._windowed(sender_id, events))
        self._windows[sender_id] = window
        return window

    # -- Rasa's interface

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's recent window, or None for a new conversation."""
        window = await self._window(sender_id)
        if window is None or self.domain is None:
            return None
        tracker = self._tracker(sender_id, window.events)
        setattr(tracker, LOADED, len(window.events))
        return tracker

    async def retrieve_full_tracker(
        self, conversation_id: str
    ) -> DialogueStateTracker | None:
        """Every event of every session (for exports and the HTTP API)."""
        _last, dicts = await self._db(
            functools.partial(self._load, sender_id=conversation_id)
        )
        if not dicts or self.domain is None:
            return None
        return DialogueStateTracker.from_dict(conversation_id, dicts, self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events added since this tracker was handed out."""
        loaded = getattr(tracker, LOADED, 0)
        new = list(tracker.events)[loaded:]
        if not new:
            return
        rows = [self._row(tracker.sender_id, event) for event in new]

        def insert(session: Any) -> int:
            session.add_all(rows)
            session.flush()
            session.commit()
            return self._last_id(session, tracker.sender_id)

        last_id = await self._db(insert)
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new, tracker.sender_id)
        base = self._windows.get(tracker.sender_id)
        previous = base.events if base is not None and loaded else []
        self._windows[tracker.sender_id] = _Window(
            last_id, self._windowed(tracker.sender_id, previous + new)
        )
        setattr(tracker, LOADED, len(tracker.events))

    def _row(self, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=(data.get("parse_data") or {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=sealed.seal(json.dumps(data)),
        )

    async def keys(self) -> Iterable[str]:
        """Every sender id with a conversation."""

        def senders(session: Any) -> list[str]:
            table = self.SQLEvent
            return list(
                session.execute(sa.select(table.sender_id).distinct()).scalars()
            )

        return await self._db(senders)


def _strict(name: str) -> Callable[..., Awaitable[Any]]:
    """A FailSafeTrackerStore method that lets our store's errors through."""
    original = getattr(FailSafeTrackerStore, name)

    @functools.wraps(original)
    async def method(self: FailSafeTrackerStore, *args: Any) -> Any:
        inner = self._tracker_store
        while hasattr(inner, "_tracker_store"):  # AwaitableTrackerStore
            inner = inner._tracker_store
        if isinstance(inner, StrictSQLTrackerStore):
            return await getattr(self._tracker_store, name)(*args)
        return await original(self, *args)

    return method


# Rasa 3.6.21 (pinned) wraps every tracker store in FailSafeTrackerStore; for ours,
# errors must fail the turn (tests/rasa_server/test_tracker_store.py checks this).
for _name in ("retrieve", "retrieve_full_tracker", "save", "keys"):
    setattr(FailSafeTrackerStore, _name, _strict(_name))
