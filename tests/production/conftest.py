"""Production mode for the fault tests: 2 Rasa instances behind nginx, on a
private PostgreSQL and Redis (tests/production/servers.py) that the tests may
stop and start without disturbing anything else on the machine."""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest
from sqlalchemy import create_engine, text

from cld import sealed
from locales import render
from scripts import paths
from scripts.production import NGINX, ProductionStack, Services
from tests.production.servers import PrivatePostgres, PrivateRedis

TRY_AGAIN = {render("gateway_try_again", lang).text for lang in ("en", "yue")}


@dataclass
class Storage:
    """The private servers production mode stores into."""

    postgres: PrivatePostgres
    redis: PrivateRedis


@pytest.fixture(scope="package")
def storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Storage]:
    folder = tmp_path_factory.mktemp("storage")
    postgres = PrivatePostgres()
    redis = PrivateRedis(folder)
    postgres.create()
    redis.start()
    yield Storage(postgres, redis)
    redis.stop()
    postgres.remove()


@pytest.fixture(scope="package")
def production(
    storage: Storage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ProductionStack]:
    if not paths.MODEL.exists():
        pytest.fail("no trained model: run `make install` (the test command does)")
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed: `make test` installs it (apt-get install nginx)")
    stack = ProductionStack(
        rasa_instances=2,
        log_dir=tmp_path_factory.mktemp("production-logs"),
        services=Services(
            postgres=storage.postgres.url,
            redis_host="127.0.0.1",
            redis_port=storage.redis.port,
            redis_db=0,
        ),
    )
    stack.start()
    yield stack
    stack.stop()


@dataclass
class Turn:
    """One message and what came back."""

    text: str | None
    status: int
    replies: list[str] = field(default_factory=list)

    @property
    def answered(self) -> bool:
        """A real answer: 200, something said, and not "please try again"."""
        return (
            self.status == 200
            and bool(self.replies)
            and not TRY_AGAIN.intersection(self.replies)
        )


async def say(
    session: aiohttp.ClientSession,
    stack: ProductionStack,
    sender: str,
    text: str | None = None,
    *,
    payload: str | None = None,
) -> Turn:
    """One REST turn through the gateway, waiting for its reply."""
    body: dict[str, Any] = {"sender": sender}
    body.update({"payload": payload} if payload is not None else {"message": text})
    async with session.post(
        stack.gateway_url(), json=body, timeout=aiohttp.ClientTimeout(total=60)
    ) as response:
        got = await response.json(content_type=None) if response.status == 200 else []
        return Turn(
            text if payload is None else payload,
            response.status,
            [m.get("text", "") for m in got if isinstance(m, dict)],
        )


def run(coroutine: Any) -> Any:
    """Run an async scenario from a plain test."""
    return asyncio.run(coroutine)


def tracker_events(stack: ProductionStack, sender: str) -> list[tuple[str, dict]]:
    """(type_name, data) of the conversation of REST `sender`, oldest first."""
    engine = create_engine(stack.env["TRACKER_DB_URL"], future=True)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"
                ),
                {"s": f"rest-{sender}"},
            ).all()
    finally:
        engine.dispose()
    return [(kind, json.loads(sealed.unseal(data))) for kind, data in rows]


def user_texts(stack: ProductionStack, sender: str) -> list[str]:
    """What the tracker store holds as said by `sender`, in order."""
    return [
        data.get("text") or ""
        for kind, data in tracker_events(stack, sender)
        if kind == "user"
    ]


def sessions_started(stack: ProductionStack, sender: str) -> int:
    """How many times the conversation (re)started: more than 1 is a reset."""
    return sum(
        1 for kind, _ in tracker_events(stack, sender) if kind == "session_started"
    )


UPSTREAM = re.compile(r'"upstream":"([^"]*)"')


def last_upstream_port(stack: ProductionStack) -> int:
    """The Rasa port that served the last request nginx logged."""
    lines = (stack.prefix / "access.log").read_text().splitlines()
    for line in reversed(lines):
        match = UPSTREAM.search(line)
        if match and (ports := re.findall(r":(\d+)", match.group(1))):
            return int(ports[-1])  # after a refused connection, the one that served
    raise AssertionError("nginx logged no request to a Rasa instance")
