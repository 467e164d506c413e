"""The broadcast worker sends each parent an update once, in their language,
outside quiet hours, and records every outcome (both databases)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from bot.broadcast.outcome import Outcome
from bot.broadcast.worker import BroadcastWorker
from cld import broadcasts, deliveries, parents
from cld.broadcast_models import Delivery
from cld.quiet_hours import HONG_KONG
from locales import update_templates
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent

TEMPLATE = "dse_results_day"  # may be urgent
PARAMS = dict(update_templates.get_template(TEMPLATE).examples)
NOON = datetime(2026, 12, 3, 12, 0, tzinfo=HONG_KONG)


class FakeSender:
    """Records jobs; answers with the outcomes given per address, else sent."""

    channel = "telegram"

    def __init__(self, outcomes: dict[str, list[Outcome]] | None = None) -> None:
        self.sent: list[deliveries.Job] = []
        self.outcomes = outcomes or {}

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send(self, job: deliveries.Job, gate) -> Outcome:
        if not await gate.open():
            return Outcome("not_started")
        planned = self.outcomes.get(job.address)
        outcome = planned.pop(0) if planned else Outcome.sent(f"m{len(self.sent)}")
        if outcome.kind == "sent":
            self.sent.append(job)
        elif outcome.kind != "uncertain":
            await gate.close()
        return outcome


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now.astimezone(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def create(*, urgent=False, audience=None, send_at=None, clock_now=NOON):
    with session_scope() as session:
        return broadcasts.create(
            session,
            template_id=TEMPLATE,
            params=PARAMS,
            audience=audience or parents.Audience(),
            created_by="test",
            send_at=send_at or clock_now,
            urgent=urgent,
        )


def report(broadcast_id):
    with session_scope() as session:
        return broadcasts.report(session, broadcast_id=broadcast_id)


def statuses():
    with session_scope() as session:
        rows = session.execute(select(Delivery.profile_id, Delivery.status)).all()
    return dict(rows)


async def drain(worker, clock=None, rounds=20):
    for _ in range(rounds):
        if not await worker.run_once():
            return


async def test_each_parent_gets_the_update_once_in_their_language(database):
    add_parent("en1", address="101", language="en")
    add_parent("yue1", address="102", language="yue")
    broadcast_id = create()
    sender = FakeSender()
    await drain(BroadcastWorker({"telegram": sender}, clock=Clock(NOON)))
    texts = update_templates.render_update(TEMPLATE, PARAMS)
    assert sorted((j.address, j.text) for j in sender.sent) == [
        ("101", texts["en"]),
        ("102", texts["yue"]),
    ]
    assert report(broadcast_id).counts == {"sent": 2}


async def test_an_unsubscribed_parent_is_not_in_the_broadcast(database):
    add_parent("stays", address="101")
    gone = add_parent("gone", address="102")
    with session_scope() as session:
        parents.unsubscribe(session, profile_id=gone)
    create()
    sender = FakeSender()
    await drain(BroadcastWorker({"telegram": sender}, clock=Clock(NOON)))
    assert [j.address for j in sender.sent] == ["101"]


async def test_quiet_hours_hold_the_update_until_eight_in_the_morning(database):
    add_parent("p", address="101")
    late = datetime(2026, 12, 3, 23, 0, tzinfo=HONG_KONG)
    broadcast_id = create(clock_now=late)
    clock = Clock(late)
    sender = FakeSender()
    worker = BroadcastWorker({"telegram": sender}, clock=clock)
    await drain(worker)
    clock.now = datetime(2026, 12, 4, 7, 59, tzinfo=HONG_KONG).astimezone(timezone.utc)
    await drain(worker)
    assert sender.sent == [] and report(broadcast_id).counts == {"queued": 1}
    clock.advance(minutes=1)
    await drain(worker)
    assert report(broadcast_id).counts == {"sent": 1}


async def test_an_urgent_update_goes_out_at_night(database):
    add_parent("p", address="101")
    late = datetime(2026, 12, 3, 23, 0, tzinfo=HONG_KONG)
    create(urgent=True, clock_now=late)
    sender = FakeSender()
    await drain(BroadcastWorker({"telegram": sender}, clock=Clock(late)))
    assert len(sender.sent) == 1


def test_a_template_that_may_not_be_urgent_is_refused_as_urgent(database):
    add_parent("p", address="101")
    urgent = pytest.raises(ValueError, match="may not be sent as urgent")
    with urgent, session_scope() as session:
        broadcasts.create(
            session,
            template_id="talking_about_choices",
            params={},
            audience=parents.Audience(),
            created_by="test",
            urgent=True,
        )


def test_a_missing_value_creates_nothing(database):
    add_parent("p", address="101")
    with pytest.raises(update_templates.TemplateError), session_scope() as session:
        broadcasts.create(
            session,
            template_id=TEMPLATE,
            params={},
            audience=parents.Audience(),
            created_by="test",
        )
    with session_scope() as session:
        assert broadcasts.overview(session) == []


async def test_a_scheduled_update_waits_for_its_time(database):
    add_parent("p", address="101")
    broadcast_id = create(send_at=NOON + timedelta(hours=2))
    clock = Clock(NOON)
    sender = FakeSender()
    worker = BroadcastWorker({"telegram": sender}, clock=clock)
    await drain(worker)
    assert sender.sent == []
    clock.advance(hours=2)
    await drain(worker)
    assert report(broadcast_id).counts == {"sent": 1}


async def test_transient_errors_are_retried_with_backoff(database):
    add_parent("p", address="101")
    broadcast_id = create()
    clock = Clock(NOON)
    sender = FakeSender({"101": [Outcome.retry("server_error")] * 2})
    worker = BroadcastWorker({"telegram": sender}, clock=clock)
    await drain(worker)
    assert report(broadcast_id).counts == {"queued": 1}
    clock.advance(seconds=1)  # backoff is at least 1.6 s
    await drain(worker)
    assert sender.sent == []
    for _ in range(2):
        clock.advance(seconds=10)
        await drain(worker)
    assert report(broadcast_id).counts == {"sent": 1}
    with session_scope() as session:
        assert session.execute(select(Delivery.attempts)).scalar_one() == 2


async def test_a_message_that_keeps_failing_is_marked_failed(database):
    add_parent("p", address="101")
    broadcast_id = create()
    clock = Clock(NOON)
    sender = FakeSender({"101": [Outcome.retry("server_error")] * 20})
    worker = BroadcastWorker({"telegram": sender}, clock=clock)
    for _ in range(deliveries.MAX_ATTEMPTS + 1):
        await drain(worker)
        clock.advance(minutes=10)
    assert report(broadcast_id).counts == {"failed": 1}


async def test_a_rate_limit_pauses_the_worker_without_using_an_attempt(database):
    add_parent("p1", address="101")
    add_parent("p2", address="102")
    broadcast_id = create()
    clock = Clock(NOON)
    limited = Outcome.retry("rate_limited", after_s=5, count_attempt=False)
    sender = FakeSender({"101": [limited]})
    worker = BroadcastWorker({"telegram": sender}, clock=clock, concurrency=1)
    await drain(worker)
    assert report(broadcast_id)["queued"] == 1
    clock.advance(seconds=4)
    assert await worker.run_once() == 0  # still paused
    clock.advance(seconds=1.5)
    await drain(worker)
    assert report(broadcast_id).counts == {"sent": 2}
    with session_scope() as session:
        assert set(session.execute(select(Delivery.attempts)).scalars()) == {0}


async def test_a_parent_who_blocked_the_bot_is_marked_inactive(database):
    pid = add_parent("p", address="101")
    broadcast_id = create()
    sender = FakeSender({"101": [Outcome("blocked", error="forbidden")]})
    await drain(BroadcastWorker({"telegram": sender}, clock=Clock(NOON)))
    assert report(broadcast_id).counts == {"blocked": 1}
    with session_scope() as session:
        assert parents.subscription_of(session, profile_id=pid).status == "inactive"


async def test_an_uncertain_message_is_never_sent_again(database):
    add_parent("p", address="101")
    broadcast_id = create()
    clock = Clock(NOON)
    sender = FakeSender({"101": [Outcome("uncertain", error="timed_out")]})
    worker = BroadcastWorker({"telegram": sender}, clock=clock)
    await drain(worker)
    clock.advance(hours=1)
    await drain(worker)
    assert report(broadcast_id).counts == {"uncertain": 1}


def test_parents_on_the_web_chat_are_skipped_and_counted(database):
    add_parent("p", channel="rest")
    add_parent("q", address="101")
    broadcast_id = create()
    assert report(broadcast_id).counts == {"queued": 1, "skipped": 1}


def test_a_parent_with_no_known_address_fails_without_a_send(database):
    add_parent("p")  # a telegram profile the gateway never saw
    broadcast_id = create()
    with session_scope() as session:
        jobs = deliveries.claim(session, worker="w", now=NOON, limit=10)
    assert jobs == [] and report(broadcast_id).counts == {"failed": 1}


def test_a_dead_workers_claims_are_requeued_and_its_sends_uncertain(database):
    add_parent("p1", address="101")
    add_parent("p2", address="102")
    broadcast_id = create()
    with session_scope() as session:
        first, second = deliveries.claim(session, worker="dead", now=NOON, limit=10)
    with session_scope() as session:
        assert deliveries.start_sending(
            session, job=first, worker_token_prefix="dead", now=NOON
        )
    with session_scope() as session:  # too soon: the worker may be alive
        assert deliveries.recover_stale(session, now=NOON) == (0, 0)
    with session_scope() as session:
        later = NOON + deliveries.LEASE + timedelta(seconds=1)
        assert deliveries.recover_stale(session, now=later) == (1, 1)
    assert report(broadcast_id).counts == {"queued": 1, "uncertain": 1}


def test_another_worker_cannot_start_a_claimed_delivery(database):
    add_parent("p1", address="101")
    create()
    with session_scope() as session:
        (job,) = deliveries.claim(session, worker="w1", now=NOON, limit=10)
    with session_scope() as session:
        assert not deliveries.start_sending(
            session, job=job, worker_token_prefix="w2", now=NOON
        )


async def test_the_whatsapp_daily_cap_defers_new_recipients(database):
    for n in range(3):
        add_parent(f"w{n}", channel="whatsapp", address=f"whatsapp:+8529000000{n}")
    broadcast_id = create()
    clock = Clock(NOON)
    sender = FakeSender()
    sender.channel = "whatsapp"
    worker = BroadcastWorker({"whatsapp": sender}, clock=clock, whatsapp_daily_cap=2)
    await drain(worker)
    assert report(broadcast_id).counts == {"sent": 2, "queued": 1}
    clock.advance(hours=23)
    await drain(worker)
    assert len(sender.sent) == 2
    clock.advance(hours=1, seconds=1)
    await drain(worker)
    assert report(broadcast_id).counts == {"sent": 3}


async def test_two_workers_never_send_the_same_delivery(database):
    for n in range(120):
        add_parent(f"p{n}", address=str(1000 + n))
    broadcast_id = create()
    senders = [FakeSender(), FakeSender()]
    workers = [
        BroadcastWorker({"telegram": s}, clock=Clock(NOON), concurrency=4)
        for s in senders
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(w.run(stop)) for w in workers]
    for _ in range(200):
        await asyncio.sleep(0.05)
        if report(broadcast_id).open == 0:
            break
    stop.set()
    await asyncio.gather(*tasks)
    addresses = [j.address for s in senders for j in s.sent]
    assert sorted(addresses) == sorted(str(1000 + n) for n in range(120))
    assert report(broadcast_id).counts == {"sent": 120}


async def test_a_stopping_worker_gives_back_what_it_claimed(database):
    for n in range(5):
        add_parent(f"p{n}", address=str(100 + n))
    broadcast_id = create()
    with session_scope() as session:
        deliveries.claim(session, worker="w", now=NOON, limit=10)
        session.execute(update(Delivery).values(status="claimed"))
    with session_scope() as session:
        ids = list(session.execute(select(Delivery.id)).scalars())
        deliveries.release(session, delivery_ids=ids)
    assert report(broadcast_id).counts == {"queued": 5}
