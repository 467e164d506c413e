"""The broadcast worker: claims due deliveries and sends them, once each.

Several workers (processes or machines) can run on one PostgreSQL database;
each claims its own rows. Every message is marked `sending` in a commit of its
own before the request and its outcome recorded after, so a worker killed at
any moment never causes a second copy (see cld/broadcasts.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Any, Callable, TypeVar

from bot.broadcast.outcome import Outcome, Sender
from cld import deliveries
from cld.deliveries import Job
from cld.models import utcnow
from pathways_kb.db import session_scope

logger = logging.getLogger(__name__)
T = TypeVar("T")
OUTBOX_LIMIT = 64  # outcomes recorded together (a flush also runs every 50 ms)
Clock = Callable[[], datetime]


async def _db(work: Callable[..., T], /, **kwargs: Any) -> T:
    def run() -> T:
        with session_scope() as session:
            return work(session, **kwargs)

    return await asyncio.to_thread(run)


class _DeliveryGate:
    """The gate a sender opens for one job (see bot/broadcast/outcome.py)."""

    def __init__(self, worker: "BroadcastWorker", job: Job) -> None:
        self._worker, self._job = worker, job
        self.opened = False

    async def open(self) -> bool:
        self.opened = await self._worker.open_gate(self._job)
        return self.opened

    async def close(self) -> None:
        if self.opened:
            await self._worker.close_gate(self._job)
            self.opened = False


def worker_name() -> str:
    """A name unique to this process, for claims and logs."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


class BroadcastWorker:
    """Sends queued deliveries through one sender per channel."""

    def __init__(
        self,
        senders: dict[str, Sender],
        *,
        name: str | None = None,
        concurrency: int = 8,
        poll_s: float = 1.0,
        clock: Clock = utcnow,
        whatsapp_daily_cap: int | None = None,
        lease_s: float = 60.0,
    ) -> None:
        self.name = name or worker_name()
        self._senders = senders
        self._concurrency = concurrency
        self._poll_s = poll_s
        self._clock = clock
        self._cap = whatsapp_daily_cap
        # Leases outlive a few missed heartbeats, and no request waits longer.
        self._lease = timedelta(seconds=lease_s)
        self._heartbeat_s = lease_s / 4
        self._pause_until: datetime | None = None
        self._cap_lock = asyncio.Lock()
        self._outbox: list[tuple[Job, Outcome]] = []
        self.handled = 0

    # --- one message ------------------------------------------------------------

    async def deliver(self, job: Job) -> None:
        """Send one claimed job and record what happened."""
        gate = _DeliveryGate(self, job)
        try:
            outcome = await self._senders[job.channel].send(job, gate)
        except Exception:  # noqa: BLE001 - a sender bug must not resend: it may be out
            logger.exception("sender failed on delivery %s", job.delivery_id)
            outcome = Outcome("uncertain" if gate.opened else "retry", error="bug")
        if outcome.kind == "not_started":
            return
        if outcome.retry_after_s:
            self._pause(self._clock() + timedelta(seconds=outcome.retry_after_s))
        self._outbox.append((job, outcome))
        self.handled += 1
        if len(self._outbox) >= OUTBOX_LIMIT:
            await self.flush()

    async def open_gate(self, job: Job) -> bool:
        """Mark the job `sending` (checking the WhatsApp cap); False: do not send."""
        capped = job.channel == "whatsapp" and self._cap is not None
        # Places under the WhatsApp cap are counted one at a time in this process
        # (and across processes on PostgreSQL, by an advisory lock).
        async with self._cap_lock if capped else contextlib.nullcontext():
            return await _db(
                deliveries.start_sending,
                job=job,
                worker_token_prefix=self.name,
                now=self._clock(),
                whatsapp_daily_cap=self._cap if capped else None,
                lease=self._lease,
            )

    async def close_gate(self, job: Job) -> None:
        """The platform refused the request: the job is only claimed again."""
        await _db(
            deliveries.unstart,
            delivery_id=job.delivery_id,
            worker_token_prefix=self.name,
        )

    async def flush(self) -> None:
        """Record the outcomes gathered so far, in one transaction."""
        items, self._outbox = self._outbox, []
        if not items:
            return
        for attempt in range(6):
            try:
                await _db(self._apply_all, items=items)
                return
            except Exception as error:  # noqa: BLE001 - the database may be back soon
                logger.warning(
                    "could not record %s deliveries (%s); retrying",
                    len(items),
                    type(error).__name__,
                )
                await asyncio.sleep(0.25 * 2**attempt)
        # Left `sending`: when this worker's lease lapses they become `uncertain`,
        # never sent again.
        logger.error("gave up recording %s deliveries", len(items))

    def _apply_all(self, session: Any, *, items: list[tuple[Job, Outcome]]) -> None:
        # In id order, like every statement over many rows: no deadlocks.
        for job, outcome in sorted(items, key=lambda item: item[0].delivery_id):
            try:
                self._apply(session, job=job, outcome=outcome)
            except LookupError:  # erased meanwhile: nothing left to record
                continue

    def _apply(self, session: Any, *, job: Job, outcome: Outcome) -> None:
        now = self._clock()
        if outcome.kind == "sent":
            deliveries.mark_sent(
                session,
                delivery_id=job.delivery_id,
                platform_message_id=outcome.platform_id,
                now=now,
            )
        elif outcome.kind == "retry":
            wait = timedelta(seconds=outcome.retry_after_s or 0)
            if outcome.count_attempt:
                wait = max(wait, deliveries.backoff(job.attempts))
            deliveries.defer(
                session,
                delivery_id=job.delivery_id,
                at=now + wait,
                error=outcome.error,
                count_attempt=outcome.count_attempt,
            )
        elif outcome.kind == "blocked":
            deliveries.mark_blocked(session, delivery_id=job.delivery_id)
        else:
            deliveries.mark_final(
                session,
                delivery_id=job.delivery_id,
                status="uncertain" if outcome.kind == "uncertain" else "failed",
                error=outcome.error,
            )

    def _pause(self, until: datetime) -> None:
        """The platform asked us to wait: claim nothing more until then."""
        if self._pause_until is None or until > self._pause_until:
            self._pause_until = until

    # --- the loop -----------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim one batch and send it; returns how many jobs were claimed."""
        jobs = await self._claim(self._concurrency * 4)
        queue: asyncio.Queue[Job] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        await self._drain(queue)
        await self.flush()
        return len(jobs)

    async def _claim(self, limit: int) -> list[Job]:
        now = self._clock()
        if self._pause_until is not None and now < self._pause_until:
            return []
        return await _db(
            deliveries.claim,
            worker=self.name,
            now=now,
            limit=limit,
            channels=tuple(self._senders),
            lease=self._lease,
        )

    async def _drain(self, queue: asyncio.Queue[Job]) -> None:
        async def consume() -> None:
            while not queue.empty():
                await self.deliver(queue.get_nowait())

        await asyncio.gather(*(consume() for _ in range(self._concurrency)))

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Send until `stop` is set; claims ahead so the senders never wait."""
        stop = stop or asyncio.Event()
        queue: asyncio.Queue[Job] = asyncio.Queue()
        for sender in self._senders.values():
            await sender.start()
        chores = asyncio.get_running_loop().create_task(self._chores(stop))
        flusher = asyncio.get_running_loop().create_task(self._flush_often(stop))
        consumers = [
            asyncio.get_running_loop().create_task(self._consume(queue, stop))
            for _ in range(self._concurrency)
        ]
        try:
            while not stop.is_set():
                room = self._concurrency * 3 - queue.qsize()
                jobs = await self._claim(room) if room > self._concurrency else []
                for job in jobs:
                    queue.put_nowait(job)
                if not jobs:
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(stop.wait(), self._poll_s)
                else:
                    await asyncio.sleep(0)
        finally:
            stop.set()
            await asyncio.gather(*consumers, return_exceptions=True)
            await flusher
            await self.flush()
            left = []
            while not queue.empty():
                left.append(queue.get_nowait().delivery_id)
            await _db(deliveries.release, delivery_ids=left)
            chores.cancel()
            for sender in self._senders.values():
                await sender.stop()

    async def _flush_often(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await asyncio.sleep(0.05)
            await self.flush()

    async def _consume(self, queue: asyncio.Queue[Job], stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                job = await asyncio.wait_for(queue.get(), 0.2)
            except asyncio.TimeoutError:
                continue
            await self.deliver(job)

    async def _chores(self, stop: asyncio.Event) -> None:
        """Keep our leases alive and take back those of workers that died."""
        while not stop.is_set():
            try:
                now = self._clock()
                await _db(
                    deliveries.heartbeat,
                    worker_token_prefix=self.name,
                    now=now,
                    lease=self._lease,
                )
                requeued, uncertain = await _db(deliveries.recover_stale, now=now)
                if requeued or uncertain:
                    logger.warning(
                        "stopped worker's deliveries: %s queued again, %s uncertain",
                        requeued,
                        uncertain,
                    )
            except Exception as error:  # noqa: BLE001 - try again next round
                logger.warning("broadcast chores failed: %s", type(error).__name__)
            await asyncio.sleep(self._heartbeat_s)
