"""Broadcast fan-out: 10,000 parents through the real engine on PostgreSQL.

Usage: python -m benchmarks.broadcast_fanout [--parents 10000]
Needs the local PostgreSQL (a scratch database is made and dropped). A local
Bot API stand-in (its own process) enforces Telegram's 30 messages/s and counts
what arrives. Prints:
  1. limited: total time against the 30/s floor (parents / 30 s), lost,
     duplicated, refused for going over the limit, most messages in any 1 s;
  2. unlimited (the stand-in's limit lifted): the engine's own throughput,
     against bare python-telegram-bot sends with no database, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Iterator

from sqlalchemy import create_engine, insert, text
from telegram import Bot

from bot.broadcast.telegram_sender import TelegramSender
from bot.broadcast.worker import BroadcastWorker
from cld import broadcasts, parents
from cld.channel_models import ChannelIdentity
from cld.models import ConsentRecord, Profile
from cld.parent_models import ParentSubscription, SubscriptionTopic
from locales import update_templates
from pathways_kb import db
from pathways_kb.db import session_scope

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TOKEN = "777000:benchmark"
TEMPLATE = "jupas_applications_open"
FIRST_CHAT = 1_000_000


@contextmanager
def scratch_database() -> Iterator[str]:
    """A migrated PostgreSQL database for this run, dropped afterwards."""
    name = f"pathpal_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    try:
        db.migrate(url)
        db.configure(url)
        yield url
    finally:
        db.configure(None)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_parents(count: int) -> None:
    """`count` subscribed parents on Telegram, half in each language."""
    now = datetime.now(timezone.utc)
    with session_scope() as session:
        session.execute(
            insert(Profile),
            [
                {
                    "channel": "telegram",
                    "channel_user_id": f"bench{n}",
                    "role": "parent",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        ids = dict(
            session.execute(text("SELECT channel_user_id, id FROM profile")).all()
        )
        session.execute(
            insert(ChannelIdentity),
            [
                {
                    "pseudonym": f"bench{n}",
                    "channel": "telegram",
                    "address": str(FIRST_CHAT + n),
                    "created_at": now,
                }
                for n in range(count)
            ],
        )
        session.execute(
            insert(ConsentRecord),
            [
                {
                    "profile_id": ids[f"bench{n}"],
                    "kind": parents.CONSENT_KIND,
                    "granted": True,
                    "wording_version": parents.WORDING_VERSION,
                    "recorded_at": now,
                }
                for n in range(count)
            ],
        )
        session.execute(
            insert(ParentSubscription),
            [
                {
                    "profile_id": ids[f"bench{n}"],
                    "status": "active",
                    "language": ("en", "yue")[n % 2],
                    "child_stage": "senior_secondary",
                    "subscribed_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        subscriptions = session.execute(
            text("SELECT id FROM parent_subscription")
        ).scalars()
        session.execute(
            insert(SubscriptionTopic),
            [{"subscription_id": s, "topic": "university"} for s in subscriptions],
        )


class StandInProcess:
    """The Bot API stand-in in a process of its own (so it never slows the engine)."""

    def __init__(self, *limits: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.standins.telegram_bot_api", "--port", "0"]
            + ["--token", TOKEN, *limits],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError("the stand-in did not start")
        self.url = f"http://127.0.0.1:{line[1]}"

    def stats(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.url}/_stats", timeout=30) as response:
            return json.load(response)

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/_reset", data=b"{}")
        urllib.request.urlopen(request, timeout=30).close()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def new_broadcast() -> int:
    params = dict(update_templates.get_template(TEMPLATE).examples)
    with session_scope() as session:
        return broadcasts.create(
            session,
            template_id=TEMPLATE,
            params=params,
            audience=parents.Audience(),
            created_by="benchmark",
        )


async def run_engine(
    base_url: str, *, per_s: float, concurrency: int, broadcast_id: int
) -> float:
    """Send the broadcast through one worker; returns the seconds it took."""
    sender = TelegramSender(
        TOKEN,
        base_url=base_url,
        overall_per_s=per_s,
        per_chat_s=1.0,
        concurrency=concurrency,
    )
    worker = BroadcastWorker({"telegram": sender}, concurrency=concurrency, poll_s=0.2)
    stop = asyncio.Event()
    started = time.monotonic()
    task = asyncio.create_task(worker.run(stop))
    while True:
        await asyncio.sleep(0.25)
        report = await asyncio.to_thread(_report, broadcast_id)
        if report.open == 0 or task.done():
            break
    took = time.monotonic() - started
    stop.set()
    await task
    return took


def _report(broadcast_id: int) -> broadcasts.Report:
    with session_scope() as session:
        return broadcasts.report(session, broadcast_id=broadcast_id)


async def bare_sends(base_url: str, *, count: int, concurrency: int) -> float:
    """Messages/s of python-telegram-bot alone: no database, no limiter."""
    bot = Bot(TOKEN, base_url=base_url)
    await bot.initialize()
    queue = list(range(count))

    async def consume() -> None:
        while queue:
            n = queue.pop()
            await bot.send_message(chat_id=FIRST_CHAT + n, text=f"baseline {n}")

    started = time.monotonic()
    await asyncio.gather(*(consume() for _ in range(concurrency)))
    took = time.monotonic() - started
    await bot.shutdown()
    return count / took


def check(stats: dict[str, object], count: int) -> tuple[int, int]:
    """(lost, duplicated) counted on the receiving side."""
    per_chat = {int(k): v for k, v in dict(stats["per_chat"]).items()}  # type: ignore[arg-type]
    lost = sum(1 for n in range(count) if per_chat.get(FIRST_CHAT + n, 0) == 0)
    duplicated = sum(1 for v in per_chat.values() if int(v) > 1)
    return lost, duplicated


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parents", type=int, default=10_000)
    parser.add_argument("--per-s", type=float, default=29.0, help="engine's pace")
    args = parser.parse_args()
    count = args.parents
    with scratch_database():
        started = time.monotonic()
        seed_parents(count)
        print(f"seeded {count:,} parents in {time.monotonic() - started:.1f} s")

        limited = StandInProcess("--rate", "30", "--per-chat", "1")
        try:
            took = asyncio.run(
                run_engine(
                    f"{limited.url}/bot",
                    per_s=args.per_s,
                    concurrency=8,
                    broadcast_id=new_broadcast(),
                )
            )
            stats = limited.stats()
        finally:
            limited.stop()
        floor = count / 30
        lost, duplicated = check(stats, count)
        print("1. stand-in enforcing 30 messages/s")
        print(f"   total time        {took:8.1f} s")
        print(f"   30/s floor        {floor:8.1f} s   ratio {took / floor:.3f}")
        print(
            f"   lost {lost}, duplicated {duplicated}, refused for rate "
            f"{stats['rate_limited']}, most in any 1 s {stats['max_in_any_window']}"
        )

        open_ = StandInProcess("--rate", "none", "--per-chat", "none")
        try:
            bare = asyncio.run(
                bare_sends(f"{open_.url}/bot", count=min(count, 5000), concurrency=32)
            )
            open_.reset()
            took = asyncio.run(
                run_engine(
                    f"{open_.url}/bot",
                    per_s=100_000,
                    concurrency=32,
                    broadcast_id=new_broadcast(),
                )
            )
            stats = open_.stats()
        finally:
            open_.stop()
        lost, duplicated = check(stats, count)
        engine = count / took
        print("2. limit lifted")
        print(f"   engine            {engine:8.1f} messages/s ({took:.1f} s)")
        print(f"   bare PTB sends    {bare:8.1f} messages/s (no database)")
        print(
            f"   ratio engine/bare {engine / bare:.3f}; lost {lost}, "
            f"duplicated {duplicated}"
        )


if __name__ == "__main__":
    main()
