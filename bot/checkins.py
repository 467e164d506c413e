"""The check-in scheduler: asks about milestones as their month comes near.

Due check-ins come from the database, so the schedule survives restarts. Each is
claimed before it is sent (a guarded update: two gateways never both send it),
asked through Rasa's `action_ask_checkin` in the person's own conversation, and
delivered on the channel they use. A failed delivery puts it back for later.
On WhatsApp, more than 24 hours after the person last wrote only an approved
template may be sent, so the check-in goes out as one (`late` deliverers).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Awaitable, Callable

from bot.rasa_client import RasaClient
from bot.turns import Reply, TurnHandler
from cld import channels, checkins
from pathways_kb.db import session_scope

logger = logging.getLogger(__name__)
Deliver = Callable[[str, list[Reply]], Awaitable[None]]
LateDeliver = Callable[[str, checkins.DueCheckIn], Awaitable[None]]
# WhatsApp's customer-service window, less a margin for the time sending takes.
FREE_FORM_WINDOW = timedelta(hours=23, minutes=50)


def _claim_due(now: datetime, channel_names: set[str]) -> list[checkins.DueCheckIn]:
    with session_scope() as session:
        due = [d for d in checkins.due(session, now=now) if d.channel in channel_names]
    claimed = []
    for item in due:
        with session_scope() as session:
            if checkins.claim(session, checkin_id=item.id):
                claimed.append(item)
    return claimed


def _release(checkin_id: int) -> None:
    with session_scope() as session:
        checkins.release(session, checkin_id=checkin_id)


def _address(sender: str) -> tuple[str, datetime | None] | None:
    with session_scope() as session:
        found = channels.address_of(session, pseudonym=sender)
        seen = channels.last_inbound(session, pseudonym=sender)
    return (found[1], seen) if found else None


class CheckInScheduler:
    """Sends due check-ins every `every_s` seconds while the gateway runs."""

    def __init__(
        self,
        rasa: RasaClient,
        turns: TurnHandler,
        deliver: dict[str, Deliver],
        *,
        rasa_token: str | None,
        every_s: float,
        late: dict[str, LateDeliver] | None = None,
    ) -> None:
        self._rasa = rasa
        self._turns = turns
        self._deliver = deliver
        self._late = late or {}
        self._token = rasa_token
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    async def run_once(self, now: datetime | None = None) -> int:
        """Send what is due now; returns how many check-ins were delivered."""
        moment = now or datetime.now(timezone.utc)
        claimed = await asyncio.to_thread(_claim_due, moment, set(self._deliver))
        sent = 0
        for item in claimed:
            try:
                found = await asyncio.to_thread(_address, item.sender_id)
                if found is None:
                    raise LookupError("no address for this person")
                address, seen = found
                # Asked in Rasa either way, so the answer is understood.
                raw = await self._rasa.execute(
                    item.sender_id, "action_ask_checkin", token=self._token
                )
                replies = await self._turns.replies(item.sender_id, raw)
                late = self._late.get(item.channel)
                if late is not None and (
                    seen is None or moment - seen > FREE_FORM_WINDOW
                ):
                    await late(address, item)
                else:
                    await self._deliver[item.channel](address, replies)
                sent += 1
            except Exception as error:  # noqa: BLE001 - any failure is retried later
                logger.warning(
                    "check-in %s not delivered: %s", item.id, type(error).__name__
                )
                await asyncio.to_thread(_release, item.id)
        return sent

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - the scheduler must outlive one bad round
                logger.exception("check-in round failed")
            await asyncio.sleep(self._every_s)

    def start(self) -> None:
        """Begin sending in the background."""
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Stop sending."""
        if self._task is not None:
            self._task.cancel()
