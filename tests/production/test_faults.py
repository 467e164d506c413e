"""Fault tests of production mode (issue 8): load through two Rasa instances,
killed servers mid-roadmap, and PostgreSQL or Redis stopped for 30 s.

Every scenario checks what the person saw (HTTP status and replies) against
what the tracker store and the app database hold afterwards.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

import aiohttp
import pytest
from sqlalchemy import create_engine, select

from cld.models import Profile
from cld.roadmap_models import Roadmap
from locales import render
from tests.production.conftest import (
    Turn,
    last_upstream_port,
    run,
    say,
    sessions_started,
    user_texts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]

QUESTIONS = [
    "what is a higher diploma",
    "when does jupas application open",
    "associate degree or higher diploma",
    "non jupas how to apply",
    "dse 3322 what does it mean",
    "tell me about the working holiday scheme",
    "高級文憑係咩嚟",
    "聯招幾時截止",
    "想問 HD 同 degree 有咩分別",
    "副學士定高級文憑好",
    "工作假期計劃係咩",
    "毅進",
    "hd vs ad which one better",
    "what is e-app",
]
OUTAGE_S = 30


def script(user: int, turns: int = 10) -> list[str]:
    """A different order of questions for each user, so mixed-up turns show."""
    return random.Random(user).sample(QUESTIONS, turns)


async def _user(session, stack, sender: str, texts: list[str], think_s) -> list[Turn]:
    turns = []
    for text in texts:
        await asyncio.sleep(think_s())
        turns.append(await say(session, stack, sender, text))
    return turns


def test_a_hundred_users_ten_turns_each_lose_nothing(production) -> None:
    users = {f"load-{n}": script(n) for n in range(100)}
    pause = random.Random(8)

    async def scenario() -> dict[str, list[Turn]]:
        # People read and type between messages (2-8 s), as in a real chat.
        async with aiohttp.ClientSession() as session:
            done = await asyncio.gather(
                *(
                    _user(session, production, s, t, lambda: pause.uniform(2, 8))
                    for s, t in users.items()
                )
            )
        return dict(zip(users, done, strict=True))

    started = time.monotonic()
    results = run(scenario())
    elapsed = time.monotonic() - started
    statuses = [t.status for turns in results.values() for t in turns]
    assert all(s < 500 for s in statuses), "HTTP 5xx"
    unanswered = [
        (s, t.text) for s, ts in results.items() for t in ts if not t.answered
    ]
    assert unanswered == [], f"{len(unanswered)} turns without a real answer"
    for sender, texts in users.items():
        # 0 lost, 0 duplicated, 0 out of order, 0 mixed between conversations.
        assert user_texts(production, sender) == texts, sender
        assert sessions_started(production, sender) == 1, sender
    print(f"\n100 users x 10 turns in {elapsed:.0f} s through 2 Rasa instances")


# -- killed servers mid-roadmap ----------------------------------------------


def _draft(production, sender: str) -> dict:
    engine = create_engine(production.env["DATABASE_URL"], future=True)
    try:
        with engine.connect() as conn:
            draft = conn.execute(
                select(Roadmap.draft)
                .join(Profile, Profile.id == Roadmap.profile_id)
                .where(Profile.channel_user_id == f"rest-{sender}")
            ).scalar_one()
    finally:
        engine.dispose()
    return json.loads(draft)


async def _start_roadmap(session, production, sender: str) -> None:
    stage = render("utter_ask_rm_stage", "en").buttons[3].payload  # S6
    first = await say(session, production, sender, "build my roadmap")
    assert render("utter_ask_rm_stage", "en").text in first.replies
    assert (await say(session, production, sender, payload=stage)).answered
    assert (await say(session, production, sender, "I like drawing and games")).answered


def test_a_killed_rasa_instance_loses_no_roadmap_answer(production) -> None:
    sender = "kill-rasa"

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            await _start_roadmap(session, production, sender)
            serving = production.rasa_ports.index(last_upstream_port(production))
            production.kill(f"rasa{serving + 1}")
            # nginx moves the conversation to the other instance, which reads
            # it from the shared tracker store and goes on where it was.
            turn = await say(session, production, sender, "patient and good at art")
            assert turn.replies == [render("utter_ask_rm_values", "en").text]
            assert last_upstream_port(production) != production.rasa_ports[serving]
            production.start_rasa(serving)
            # Back on the restarted instance (sticky by sender), still in step.
            turn = await say(session, production, sender, "helping people")
            assert turn.replies == [render("utter_ask_rm_priorities", "en").text]
            assert last_upstream_port(production) == production.rasa_ports[serving]

    run(scenario())
    assert _draft(production, sender) == {
        "stage": "s6",
        "interests": "I like drawing and games",
        "strengths": "patient and good at art",
        "values": "helping people",
    }
    assert sessions_started(production, sender) == 1


def test_a_killed_action_server_loses_no_roadmap_answer(production) -> None:
    sender = "kill-actions"
    try_again = render("gateway_try_again", "en").text

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            await _start_roadmap(session, production, sender)
            production.kill("actions")
            turn = await say(session, production, sender, "patient and good at art")
            assert turn.status == 200 and turn.replies == [try_again]
            production.start_actions()
            # The refused turn was not saved: the same answer is taken now.
            turn = await say(session, production, sender, "patient and good at art")
            assert turn.replies == [render("utter_ask_rm_values", "en").text]

    run(scenario())
    assert _draft(production, sender) == {
        "stage": "s6",
        "interests": "I like drawing and games",
        "strengths": "patient and good at art",
    }
    texts = user_texts(production, sender)
    assert texts.count("patient and good at art") == 1
    assert sessions_started(production, sender) == 1


# -- storage stopped for 30 s ----------------------------------------------------


async def _traffic(session, production, sender: str, stop: asyncio.Event) -> list[Turn]:
    turns: list[Turn] = []
    n = 0
    while not stop.is_set():
        turns.append(await say(session, production, sender, QUESTIONS[n % 14]))
        n += 1
        await asyncio.sleep(0.5)
    return turns


def _outage(production, stop_storage, start_storage, prefix: str) -> None:
    senders = [f"{prefix}-{n}" for n in range(8)]
    roadmap_sender = f"{prefix}-roadmap"
    timeline: dict[str, float] = {}

    async def scenario() -> tuple[dict[str, list[Turn]], list[Turn]]:
        async with aiohttp.ClientSession() as session:
            await _start_roadmap(session, production, roadmap_sender)
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(_traffic(session, production, s, stop))
                for s in senders
            ]
            await asyncio.sleep(5)
            timeline["down"] = time.monotonic()
            await asyncio.to_thread(stop_storage)
            during = [
                await say(
                    session, production, roadmap_sender, "patient and good at art"
                )
            ]
            await asyncio.sleep(OUTAGE_S)
            await asyncio.to_thread(start_storage)
            timeline["up"] = time.monotonic()
            # The roadmap goes on at the question it had reached.
            after = await say(
                session, production, roadmap_sender, "patient and good at art"
            )
            during.append(after)
            await asyncio.sleep(15)
            stop.set()
            traffic = await asyncio.gather(*tasks)
        return dict(zip(senders, traffic, strict=True)), during

    traffic, roadmap_turns = run(scenario())
    all_turns = [t for turns in traffic.values() for t in turns] + roadmap_turns
    assert all(t.status < 500 for t in all_turns), "HTTP 5xx from the gateway"
    # During the outage the person is asked to try again; never a reset.
    refused = roadmap_turns[0]
    assert refused.status == 200 and refused.replies == [
        render("gateway_try_again", "en").text
    ]
    assert roadmap_turns[1].replies == [render("utter_ask_rm_values", "en").text]
    assert _draft(production, roadmap_sender)["strengths"] == "patient and good at art"
    for sender, turns in traffic.items():
        assert any(not t.answered for t in turns), f"{sender}: no turn failed"
        assert turns[-1].answered, f"{sender}: did not recover"
        answered = [t.text for t in turns if t.answered]
        stored = user_texts(production, sender)
        # Every answered turn is kept, in order; refused turns are not saved.
        assert stored == answered, sender
        assert sessions_started(production, sender) == 1, sender
    assert sessions_started(production, roadmap_sender) == 1


def test_postgresql_stopped_for_30_s_fails_turns_cleanly(production, storage) -> None:
    _outage(production, storage.postgres.stop, storage.postgres.start, "pg-down")


def test_redis_stopped_for_30_s_fails_turns_cleanly(production, storage) -> None:
    _outage(production, storage.redis.stop, storage.redis.start, "redis-down")
