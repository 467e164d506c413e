"""The retention purge, run by the gateway every few hours (cld/privacy.py).

TRANSCRIPT_RETENTION_DAYS says how old a transcript of someone who shares
nothing may get; TRANSCRIPT_PURGE_EVERY_S how often to check (0: never here,
only by `python -m cld privacy purge`, e.g. from cron). Every gateway instance
runs it: deleting what another instance already deleted is harmless.
"""

from __future__ import annotations

import asyncio
import logging

from cld import privacy, tracker_events
from cld.config import PrivacySettings
from pathways_kb.db import session_scope

logger = logging.getLogger(__name__)
FIRST_AFTER_S = 300.0  # let the gateway start before the first purge


def purge_now(settings: PrivacySettings) -> privacy.Purge:
    """One purge of both stores (blocking)."""
    tracker = tracker_events.connect(settings.tracker_db_url)
    try:
        with session_scope() as session:
            return privacy.purge(session, tracker, days=settings.retention_days)
    finally:
        tracker.dispose()


class RetentionPurger:
    """Purges in the background while the gateway runs."""

    def __init__(self, settings: PrivacySettings) -> None:
        self._settings = settings
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        await asyncio.sleep(min(FIRST_AFTER_S, self._settings.purge_every_s))
        while True:
            try:
                await asyncio.to_thread(purge_now, self._settings)
            except Exception as error:  # noqa: BLE001 - try again next round
                logger.warning("retention purge failed: %s", type(error).__name__)
            await asyncio.sleep(self._settings.purge_every_s)

    def start(self) -> None:
        """Begin purging in the background (unless TRANSCRIPT_PURGE_EVERY_S is 0)."""
        if self._settings.purge_every_s > 0:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Stop purging."""
        if self._task is not None:
            self._task.cancel()
