"""The strict tracker store: sealed, windowed, and never a silent reset."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.tracker_store import (
    WINDOW_TURNS,
    StrictSQLTrackerStore,
    TrackerStoreUnavailable,
)

DOMAIN = Domain.from_dict(
    {
        "intents": ["inform", "greet"],
        "slots": {
            "rm_goal": {"type": "text", "mappings": [{"type": "custom"}]},
            "turns": {"type": "float", "mappings": [{"type": "custom"}]},
            "language": {"type": "text", "mappings": [{"type": "custom"}]},
        },
        "forms": {"roadmap_form": {"required_slots": ["rm_goal"]}},
        "responses": {"utter_greet": [{"text": "hi"}]},
    }
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def tracker_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def store_for(url: str) -> StrictSQLTrackerStore:
    return StrictSQLTrackerStore(DOMAIN, host=url)


def turn(tracker: DialogueStateTracker, n: int) -> None:
    """One user turn: the message, a slot, the bot listening again."""
    tracker.update(UserUttered(f"message number {n}", {"name": "inform"}))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(SlotSet("turns", float(n)))
    tracker.update(ActionExecuted("action_listen"))


def conversation(store: StrictSQLTrackerStore, sender: str, turns: int) -> None:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(SlotSet("language", "yue"))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    for n in range(1, turns + 1):
        tracker = run(store.retrieve(sender))
        turn(tracker, n)
        if n == 3:
            tracker.update(ActiveLoop("roadmap_form"))
            tracker.update(SlotSet("rm_goal", "become a nurse"))
        run(store.save(tracker))


def stored_rows(url: str, sender: str) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender},
        ).scalars()
        data = list(rows)
    engine.dispose()
    return data


def test_a_new_conversation_has_no_tracker(tracker_url: str) -> None:
    assert run(store_for(tracker_url).retrieve(f"new-{uuid.uuid4().hex}")) is None


def test_events_survive_a_second_instance_and_are_sealed(tracker_url: str) -> None:
    sender = f"amy-{uuid.uuid4().hex}"
    conversation(store_for(tracker_url), sender, 4)

    other = run(store_for(tracker_url).retrieve(sender))
    assert other.get_slot("rm_goal") == "become a nurse"
    assert other.get_slot("turns") == 4.0
    assert other.active_loop_name == "roadmap_form"
    rows = stored_rows(tracker_url, sender)
    assert len(rows) == 4 + 4 * 4 + 2
    assert all(row.startswith("sealed:v1:") for row in rows)
    assert not any("message number" in row or "nurse" in row for row in rows)


def test_a_long_conversation_is_windowed_with_its_state_kept(tracker_url: str) -> None:
    sender = f"long-{uuid.uuid4().hex}"
    store = store_for(tracker_url)
    conversation(store, sender, 40)

    for reader in (store, store_for(tracker_url)):  # cached, and read afresh
        tracker = run(reader.retrieve(sender))
        user_turns = [e for e in tracker.events if isinstance(e, UserUttered)]
        assert WINDOW_TURNS <= len(user_turns) <= 2 * WINDOW_TURNS
        assert user_turns[-1].text == "message number 40"
        assert tracker.get_slot("rm_goal") == "become a nurse"  # set in turn 3
        assert tracker.get_slot("language") == "yue"
        assert tracker.active_loop_name == "roadmap_form"
    full = run(store.retrieve_full_tracker(sender))
    assert len([e for e in full.events if isinstance(e, UserUttered)]) == 40


def test_an_instance_sees_what_another_instance_wrote(tracker_url: str) -> None:
    sender = f"failover-{uuid.uuid4().hex}"
    first, second = store_for(tracker_url), store_for(tracker_url)
    conversation(first, sender, 2)
    run(first.retrieve(sender))  # first caches the window

    tracker = run(second.retrieve(sender))
    tracker.update(SlotSet("rm_goal", "chef"))
    run(second.save(tracker))

    assert run(first.retrieve(sender)).get_slot("rm_goal") == "chef"


def test_only_the_latest_session_is_handed_to_rasa(tracker_url: str) -> None:
    sender = f"sessions-{uuid.uuid4().hex}"
    store = store_for(tracker_url)
    conversation(store, sender, 2)
    tracker = run(store.retrieve(sender))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))

    for reader in (store, store_for(tracker_url)):
        events = list(run(reader.retrieve(sender)).events)
        assert not any(isinstance(e, UserUttered) for e in events)


def broken(store: StrictSQLTrackerStore, url: str, tmp_path: Any) -> None:
    """Point `store` at a database that cannot be reached."""
    if url.startswith("sqlite"):
        dead = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'tracker.db'}"
        store.engine = sa.create_engine(dead)
    else:
        store.engine = sa.create_engine(
            "postgresql://postgres@127.0.0.1:1/none",
            connect_args={"connect_timeout": 1},
        )
    store.sessionmaker = sa.orm.sessionmaker(bind=store.engine)


def test_a_failed_read_is_an_error_not_an_empty_conversation(
    tracker_url: str, tmp_path: Any
) -> None:
    sender = f"fail-{uuid.uuid4().hex}"
    store = store_for(tracker_url)
    conversation(store, sender, 2)
    broken(store, tracker_url, tmp_path)
    wrapped = FailSafeTrackerStore(store)  # as Rasa's Agent wraps every store

    with pytest.raises(TrackerStoreUnavailable):
        run(wrapped.retrieve(sender))
    with pytest.raises(TrackerStoreUnavailable):
        run(wrapped.retrieve_full_tracker(sender))


def test_a_failed_write_is_an_error_not_a_memory_copy(
    tracker_url: str, tmp_path: Any
) -> None:
    sender = f"failwrite-{uuid.uuid4().hex}"
    store = store_for(tracker_url)
    conversation(store, sender, 1)
    tracker = run(store.retrieve(sender))
    turn(tracker, 2)
    healthy_engine = store.engine
    broken(store, tracker_url, tmp_path)
    wrapped = FailSafeTrackerStore(store)

    with pytest.raises(TrackerStoreUnavailable):
        run(wrapped.save(tracker))
    assert wrapped._fallback_tracker_store is None  # no in-memory copy was made

    store.engine = healthy_engine  # the database is back: the retry saves it
    store.sessionmaker = sa.orm.sessionmaker(bind=healthy_engine)
    run(wrapped.save(tracker))
    assert run(store_for(tracker_url).retrieve(sender)).get_slot("turns") == 2.0
