"""Releasing a conversation lock never fails a turn that was already saved.

Rasa 3.6 releases the lock (`LockStore.cleanup`) after the turn's events are
saved; with Redis down at that moment the error reached the channel, which
answered 503, and the person was asked to send again a message that was kept:
a duplicate. A ticket that cannot be removed expires after its lifetime
(TICKET_LOCK_LIFETIME), so the error is logged and the turn's answer given.
Taking a lock is unchanged: with Redis down, the turn fails before it starts.
"""

from __future__ import annotations

import logging

from rasa.core.lock_store import LockStore
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_original_cleanup = LockStore.cleanup


def _cleanup_or_let_expire(self: LockStore, conversation_id: str, ticket: int) -> None:
    try:
        _original_cleanup(self, conversation_id, ticket)
    except (RedisError, OSError) as error:  # the ticket expires on its own
        logger.warning("lock not released, it expires: %s", type(error).__name__)


LockStore.cleanup = _cleanup_or_let_expire  # type: ignore[method-assign]
