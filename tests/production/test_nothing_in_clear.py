"""Issue 8's privacy done-when on the real production stack (2 Rasa instances,
the action server, PostgreSQL, Redis, nginx): a phrase, a phone number, an
email and an HKID typed through the gateway sit in clear nowhere: not in the app
database, the tracker store, Redis, or any process's log."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import aiohttp
import pytest
import redis
from sqlalchemy import MetaData, create_engine, select, text

from cld import sealed
from tests.production.conftest import run, say

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.postgres]

PHRASE = "my secret wish is a noodle shop in Sham Shui Po"
PHONE, HKID, EMAIL = "9418 2736", "Y572913(6)", "kit.wong.test@example.org"
IN_CLEAR = (PHRASE, "noodle shop", PHONE, "94182736", HKID, "572913", EMAIL)
MESSAGES = [
    "hi",
    f"what is a higher diploma? {PHONE} {EMAIL}",
    "build my roadmap",
    "S5",
    PHRASE,  # the roadmap's interests, in the person's words
    f"call me on {PHONE}",  # strengths
    f"我嘅身份證係 {HKID}，電郵 {EMAIL}",  # values
]


def _clear_in(found: str) -> list[str]:
    return [secret for secret in IN_CLEAR if secret in found]


@pytest.fixture(scope="module")
def conversation(production):
    sender = f"clear-{uuid.uuid4().hex[:8]}"

    async def talk():
        async with aiohttp.ClientSession() as session:
            return [await say(session, production, sender, m) for m in MESSAGES]

    turns = run(talk())
    return sender, turns


def _dump(url: str) -> str:
    engine = create_engine(url, future=True)
    tables = MetaData()
    tables.reflect(engine)
    try:
        with engine.connect() as connection:
            return "\n".join(
                repr(row)
                for table in tables.sorted_tables
                for row in connection.execute(select(table))
            )
    finally:
        engine.dispose()


def test_every_message_was_answered_with_identifiers_masked(conversation) -> None:
    _sender, turns = conversation
    assert [t.status for t in turns] == [200] * len(MESSAGES)
    assert all(t.answered for t in turns)
    assert _clear_in("\n".join(r for t in turns for r in t.replies)) == []


def test_nothing_in_clear_in_the_app_database(production, conversation) -> None:
    sender, _turns = conversation
    url = production.env["DATABASE_URL"]
    dump = _dump(url)
    assert f"rest-{sender}" in dump  # the person's profile is there
    assert _clear_in(dump) == []
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        drafts = connection.execute(text("SELECT draft FROM roadmap")).scalars()
        opened = "\n".join(sealed.unseal(d) for d in drafts)
    engine.dispose()
    assert PHRASE in opened  # the roadmap answer is kept, sealed at rest
    assert _clear_in(opened) == [PHRASE, "noodle shop"]  # identifiers masked


def test_nothing_in_clear_in_the_tracker_store(production, conversation) -> None:
    sender, _turns = conversation
    url = production.env["TRACKER_DB_URL"]
    assert _clear_in(_dump(url)) == []
    engine = create_engine(url, future=True)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT type_name, data FROM events WHERE sender_id = :s"),
            {"s": f"rest-{sender}"},
        ).all()
    engine.dispose()
    said = [
        json.loads(sealed.unseal(data)).get("text") or ""
        for kind, data in rows
        if kind == "user"
    ]
    assert PHRASE in said  # kept, sealed at rest
    assert _clear_in("\n".join(said)) == [PHRASE, "noodle shop"]  # the rest masked


def test_nothing_in_clear_in_redis(storage, conversation) -> None:
    seen = []
    for db in range(16):
        server = redis.Redis(port=storage.redis.port, db=db)
        for key in server.scan_iter(count=1000):
            seen.append(key.decode("utf-8", "replace"))
            kind = server.type(key)
            if kind == b"string":
                seen.append((server.get(key) or b"").decode("utf-8", "replace"))
            elif kind == b"list":
                seen += [
                    v.decode("utf-8", "replace") for v in server.lrange(key, 0, -1)
                ]
        server.close()
    assert _clear_in("\n".join(seen)) == []


def test_nothing_in_clear_in_any_log(production, conversation) -> None:
    logs = [*Path(production.log_dir).glob("*.log"), *production.prefix.glob("*.log")]
    assert {p.name for p in logs} >= {"gateway.log", "actions.log", "access.log"}
    for log in logs:
        assert _clear_in(log.read_text(encoding="utf-8", errors="replace")) == [], log
