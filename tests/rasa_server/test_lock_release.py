"""rasa_server.lock_release: a lock that cannot be released (Redis down after the
turn was saved) is logged and left to expire; other errors are not hidden."""

from __future__ import annotations

import logging

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore

import rasa_server.lock_release  # noqa: F401 (patches LockStore.cleanup)
from scripts.stack import free_port


def test_redis_down_at_release_is_logged_not_raised(caplog) -> None:
    store = RedisLockStore(host="127.0.0.1", port=free_port())  # nothing listens
    with caplog.at_level(logging.WARNING, logger="rasa_server.lock_release"):
        store.cleanup("someone", ticket=1)
    assert "lock not released, it expires: ConnectionError" in caplog.text


def test_a_released_lock_is_gone() -> None:
    store = InMemoryLockStore()
    lock = store.create_lock("someone")
    ticket = lock.issue_ticket(30)
    store.save_lock(lock)
    store.cleanup("someone", ticket)
    assert store.get_lock("someone") is None


def test_an_error_that_is_not_the_store_being_down_still_raises() -> None:
    class Broken(InMemoryLockStore):
        def get_lock(self, conversation_id: str):
            raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError):
        Broken().cleanup("someone", ticket=1)
