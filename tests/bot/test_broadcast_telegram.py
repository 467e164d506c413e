"""Telegram broadcasts through python-telegram-bot against a local Bot API
stand-in: errors mapped right, the limit never exceeded, and a storm of 429s
with blocked parents survived with nothing lost and no one messaged twice."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.broadcast.outcome import Outcome
from bot.broadcast.telegram_sender import TelegramSender, outcome_of_error
from bot.broadcast.worker import BroadcastWorker
from cld import broadcasts, deliveries, parents
from locales import update_templates
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent
from tests.daytime import daytime_clock
from tests.standins.telegram_bot_api import TelegramStandIn, parse_html

TOKEN = "123456:standin-token"
TEMPLATE = "jupas_applications_open"
PARAMS = dict(update_templates.get_template(TEMPLATE).examples)


def _caused(error, cause):
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (RetryAfter(timedelta(seconds=7)), "retry"),
        (Forbidden("Forbidden: bot was blocked by the user"), "blocked"),
        (BadRequest("Bad Request: chat not found"), "failed"),
        (NetworkError("Bad Gateway"), "retry"),  # Telegram answered 5xx
        (_caused(NetworkError("x"), httpx.ConnectError("refused")), "retry"),
        (_caused(NetworkError("x"), httpx.ReadError("reset")), "uncertain"),
        (_caused(TimedOut(), httpx.ReadTimeout("slow")), "uncertain"),
        (_caused(TimedOut(), httpx.PoolTimeout("busy")), "retry"),
    ],
)
def test_bot_api_errors_map_to_what_the_worker_should_do(error, kind):
    assert outcome_of_error(error).kind == kind


def test_a_429_carries_its_wait_and_costs_no_attempt():
    outcome = outcome_of_error(RetryAfter(timedelta(seconds=7)))
    assert (outcome.retry_after_s, outcome.count_attempt) == (7.0, False)


@pytest.fixture
def pg_database(postgres_url):
    """The app database on PostgreSQL only (several workers' home)."""
    from pathways_kb import db
    from tests.conftest import _truncate_all

    _truncate_all(postgres_url)
    db.migrate(postgres_url)
    db.configure(postgres_url)
    yield postgres_url
    db.configure(None)


def _create_broadcast() -> int:
    with session_scope() as session:
        return broadcasts.create(
            session,
            template_id=TEMPLATE,
            params=PARAMS,
            audience=parents.Audience(),
            created_by="test",
        )


def _report(broadcast_id: int) -> broadcasts.Report:
    with session_scope() as session:
        return broadcasts.report(session, broadcast_id=broadcast_id)


class OpenGate:
    opened = 0

    async def open(self) -> bool:
        self.opened += 1
        return True

    async def close(self) -> None:
        self.opened -= 1


@pytest.mark.postgres
async def test_sender_paces_requests_under_the_limit(pg_database):
    async with TelegramStandIn(token=TOKEN, rate_per_s=30).running() as standin:
        sender = TelegramSender(TOKEN, base_url=standin.base_url, overall_per_s=29)
        await sender.start()
        started = time.monotonic()
        jobs = [_job(n) for n in range(45)]
        outcomes = await asyncio.gather(*(sender.send(j, OpenGate()) for j in jobs))
        took = time.monotonic() - started
        await sender.stop()
        stats = standin.stats()
    assert {o.kind for o in outcomes} == {"sent"}
    assert (stats.accepted, stats.rate_limited) == (45, 0)
    assert stats.max_in_any_window <= 30
    assert took >= 44 / 29 * 0.95  # evenly paced, no burst


def _job(n: int, text: str = "hello <b>parents</b> & co") -> deliveries.Job:
    return deliveries.Job(
        delivery_id=n,
        broadcast_id=1,
        profile_id=n,
        channel="telegram",
        address=str(7000 + n),
        lang="en",
        text=text,
        template_id=TEMPLATE,
        params=PARAMS,
        attempts=0,
    )


@pytest.mark.postgres
async def test_text_is_sent_as_plain_text_even_with_markup_characters(pg_database):
    async with TelegramStandIn(token=TOKEN).running() as standin:
        sender = TelegramSender(TOKEN, base_url=standin.base_url)
        await sender.start()
        outcome = await sender.send(_job(1, "<script>*_[x](y)</b>"), OpenGate())
        await sender.stop()
        (message,) = standin.messages_for(7001)
    assert outcome.kind == "sent"
    assert parse_html(message.text) == "<script>*_[x](y)</b>"  # what people see


@pytest.mark.postgres
async def test_a_shut_gate_sends_nothing(pg_database):
    class Shut(OpenGate):
        async def open(self) -> bool:
            return False

    async with TelegramStandIn(token=TOKEN).running() as standin:
        sender = TelegramSender(TOKEN, base_url=standin.base_url)
        await sender.start()
        outcome = await sender.send(_job(1), Shut())
        await sender.stop()
        assert standin.stats().accepted == 0
    assert outcome == Outcome("not_started")


@pytest.mark.postgres
async def test_a_storm_of_429s_and_blocked_parents_loses_nothing(pg_database):
    count = 400
    blocked = {6000 + n for n in range(0, count, 50)}  # 2%
    for n in range(count):
        add_parent(f"p{n}", address=str(6000 + n), language=("en", "yue")[n % 2])
    broadcast_id = _create_broadcast()
    async with TelegramStandIn(
        token=TOKEN, rate_per_s=30, per_chat_per_s=1, blocked_chat_ids=blocked
    ).running() as standin:
        sender = TelegramSender(TOKEN, base_url=standin.base_url, overall_per_s=29)
        worker = BroadcastWorker(
            {"telegram": sender}, concurrency=8, lease_s=10, clock=daytime_clock()
        )
        stop = asyncio.Event()
        task = asyncio.create_task(worker.run(stop))
        storm_started = None
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            if storm_started is None and standin.stats().accepted >= 100:
                standin.storm(20, retry_after=3)
                storm_started = time.monotonic()
            if storm_started and _report(broadcast_id).open == 0:
                break
        stop.set()
        await task
        stats = standin.stats()
    texts = update_templates.render_update(TEMPLATE, PARAMS)
    assert storm_started is not None and stats.storm_429 > 0
    assert _report(broadcast_id).counts == {"sent": count - 8, "blocked": 8}
    assert stats.duplicates == 0 and stats.rate_limited == 0
    assert stats.max_in_any_window <= 30
    for n in range(count):
        chat = 6000 + n
        got = [parse_html(m.text) for m in standin.messages_for(chat)]
        expected = [] if chat in blocked else [texts[("en", "yue")[n % 2]]]
        assert got == expected, chat
    with session_scope() as session:
        inactive = [
            n
            for n in range(count)
            if parents.subscription_of(session, profile_id=n + 1).status == "inactive"
        ]
    assert {6000 + n for n in inactive} == blocked
