"""Both stores for privacy tests: the app database and a Rasa tracker store."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any, Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import Engine

from cld import tracker_events
from rasa_server.tracker_store import StrictSQLTrackerStore

DOMAIN = Domain.from_dict(
    {
        "intents": ["inform", "greet"],
        "slots": {"rm_goal": {"type": "text", "mappings": [{"type": "custom"}]}},
        "responses": {"utter_greet": [{"text": "hi"}]},
    }
)


@pytest.fixture
def tracker_url(database: str, tmp_path: Any) -> str:
    """A tracker store on the same backend as the app database."""
    if database.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return database  # its own table `events` beside the app's tables


@pytest.fixture
def tracker(tracker_url: str) -> Iterator[Engine]:
    engine = tracker_events.connect(tracker_url)
    yield engine
    engine.dispose()


def chat(
    url: str,
    sender: str,
    said: list[str],
    *,
    at: datetime | None = None,
    goal: str | None = None,
) -> None:
    """Store a conversation as Rasa would: each text, a bot answer, a slot."""
    store = StrictSQLTrackerStore(DOMAIN, host=url)
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(
        sender, DOMAIN.slots
    )
    stamp = (at or datetime.now(timezone.utc)).timestamp()
    for text in said:
        tracker.update(UserUttered(text, {"name": "inform"}, timestamp=stamp))
        tracker.update(BotUttered(f"you said: {text}", timestamp=stamp))
        tracker.update(ActionExecuted("action_listen", timestamp=stamp))
    if goal is not None:
        tracker.update(SlotSet("rm_goal", goal, timestamp=stamp))
    asyncio.run(store.save(tracker))
    store.engine.dispose()
