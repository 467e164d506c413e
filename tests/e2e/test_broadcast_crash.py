"""End to end: two broadcast worker processes on PostgreSQL are killed with
SIGKILL mid-broadcast and restarted; counted on the receiving side, no parent
gets a second copy and every parent gets one (see the note on `uncertain`)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from cld import broadcasts, parents
from cld.broadcast_models import Delivery
from cld.channel_models import ChannelIdentity
from cld.models import Profile
from locales import update_templates
from pathways_kb import db
from pathways_kb.db import session_scope
from scripts import paths
from tests.cld.parent_factory import add_parent
from tests.conftest import _truncate_all
from tests.standins.telegram_bot_api import TelegramStandIn

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
TOKEN = "424242:crash-test"
PARENTS = 300
# Urgent, so the worker processes (on the wall clock) send at any hour; quiet
# hours (22:00-08:00 HKT) have tests of their own.
TEMPLATE = "dse_results_day"


def _worker(url: str, api: str, log: object) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TELEGRAM_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api,
        "PSEUDONYM_KEY": "crash-test-pseudonym-key",
        "BROADCAST_TELEGRAM_PER_S": "14.5",  # two workers share about 29/s
        "BROADCAST_CONCURRENCY": "4",
        "BROADCAST_LEASE_S": "3",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot.broadcast", "worker"],
        cwd=paths.ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _report(broadcast_id: int) -> broadcasts.Report:
    with session_scope() as session:
        return broadcasts.report(session, broadcast_id=broadcast_id)


async def _until(check, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_killed_workers_resume_without_a_second_copy(postgres_url, tmp_path):
    _truncate_all(postgres_url)
    db.migrate(postgres_url)
    db.configure(postgres_url)
    for n in range(PARENTS):
        add_parent(f"c{n}", address=str(9000 + n), language=("en", "yue")[n % 2])
    params = dict(update_templates.get_template(TEMPLATE).examples)
    with session_scope() as session:
        broadcast_id = broadcasts.create(
            session,
            template_id=TEMPLATE,
            params=params,
            audience=parents.Audience(),
            created_by="test",
            urgent=True,
        )
    log = (tmp_path / "workers.log").open("wb")
    async with TelegramStandIn(token=TOKEN, rate_per_s=30).running() as standin:
        accepted = lambda: standin.stats().accepted  # noqa: E731
        first = [_worker(postgres_url, standin.base_url, log) for _ in range(2)]
        await _until(lambda: accepted() >= 60, 60)
        first[0].send_signal(signal.SIGKILL)
        await _until(lambda: accepted() >= 120, 60)
        first[1].send_signal(signal.SIGKILL)
        for process in first:
            process.wait(timeout=10)
        killed_at = accepted()
        second = [_worker(postgres_url, standin.base_url, log) for _ in range(2)]
        await _until(lambda: _report(broadcast_id).open == 0, 120)
        for process in second:
            process.send_signal(signal.SIGTERM)
        codes = [process.wait(timeout=20) for process in second]
        stats = standin.stats()
    log.close()
    db.configure(None)
    report, uncertain = _outcome(postgres_url, broadcast_id)
    copies = {9000 + n: stats.per_chat.get(9000 + n, 0) for n in range(PARENTS)}
    missing = sorted(chat for chat, n in copies.items() if n == 0)
    print(
        f"\nkilled after {killed_at} accepted; report {report.counts}; "
        f"copies per parent {sorted(set(copies.values()))}; uncertain {uncertain}, "
        f"of which arrived {sum(copies[c] for c in uncertain)}; "
        f"max {stats.max_in_any_window} in 1 s"
    )
    assert codes == [0, 0]
    assert 120 <= killed_at < PARENTS  # the kills were mid-broadcast
    assert stats.duplicates == 0 and max(copies.values()) == 1  # never twice
    assert report["sent"] + report["uncertain"] == PARENTS
    # `uncertain`: its worker died while the request was on the wire, so it is
    # never sent again (Telegram has no idempotency key). It did arrive unless
    # the kill came in the instant before the stand-in took the request; every
    # other parent has exactly one copy.
    assert set(missing) <= set(uncertain)
    assert stats.rate_limited == 0


def _outcome(url: str, broadcast_id: int) -> tuple[broadcasts.Report, list[int]]:
    """The report, and the chats whose delivery ended `uncertain`."""
    db.configure(url)
    try:
        with session_scope() as session:
            chats = session.execute(
                select(ChannelIdentity.address)
                .join(Profile, Profile.channel_user_id == ChannelIdentity.pseudonym)
                .join(Delivery, Delivery.profile_id == Profile.id)
                .where(
                    Delivery.broadcast_id == broadcast_id,
                    Delivery.status == "uncertain",
                )
            ).scalars()
            uncertain = sorted(int(c) for c in chats)
        return _report(broadcast_id), uncertain
    finally:
        db.configure(None)
