"""Fixtures for the dashboard pages: the real app, people signed in like a browser,
units, accounts, young people with shared roadmaps, and a Rasa tracker store.

- `dashboard(username)` (a fixture) gives a `Staff` client of the real
  `create_app`, signed in through the login form with its CSRF token; each call
  is a separate browser with its own cookies.
- `make_unit`, `make_account`, `make_youth` build the people; `make_youth`
  completes roadmap versions and shares them with a unit.
- `amy` is unit AAA's social worker, signed in.
- `tracker_db` is a tracker store file the app reads; `write_conversation`
  stores events in it through Rasa's own `SQLTrackerStore`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from sqlalchemy import func, select

from cld import caseload, roadmaps, services, staff, units
from cld.staff_models import AuditEvent
from dashboard import config
from dashboard.app import create_app
from pathways_kb.db import session_scope
from tests.cld.test_roadmaps import FULL

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap argon2 parameters: the tests sign in often, and the real ones are slow
    on purpose."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


def token_in(page: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(page)
    assert found, "no CSRF field on the page"
    return found.group(1)


@dataclass
class Staff:
    """A signed-in browser: its forms carry the session's CSRF token."""

    client: TestClient
    username: str
    csrf: str = ""

    async def sign_in(self) -> None:
        """Sign in the way a person does: the login page, then its form."""
        page = await (await self.client.get("/login")).text()
        response = await self.client.post(
            "/login",
            data={
                "csrf": token_in(page),
                "username": self.username,
                "password": PASSWORD,
            },
            allow_redirects=False,
        )
        assert response.status == 302, await response.text()
        self.csrf = token_in(await (await self.client.get("/youth")).text())

    async def get(self, path: str, **kwargs: Any):
        return await self.client.get(path, **kwargs)

    async def text(self, path: str) -> str:
        """The body of a GET that must answer 200."""
        response = await self.client.get(path)
        body = await response.text()
        assert response.status == 200, body
        return body

    async def post(self, path: str, data: Any = None, **kwargs: Any):
        """POST a form with the session's CSRF token (unless `data` is raw)."""
        if data is None or isinstance(data, dict):
            data = {"csrf": self.csrf, **(data or {})}
        return await self.client.post(path, data=data, **kwargs)


def make_unit(code: str) -> None:
    with session_scope() as session:
        units.add_unit(session, code=code, name=f"Unit {code}")


def make_account(
    username: str, role: str, unit: str | None, *, language: str = "en"
) -> staff.AccountView:
    with session_scope() as session:
        return staff.create_account(
            session,
            username=username,
            password=PASSWORD,
            role=role,
            display_name=username.title(),
            unit_code=unit,
            language=language,
        )


@dataclass(frozen=True)
class Youth:
    """A young person made for a test."""

    profile_id: int
    alias: str
    sender_id: str


def make_youth(
    name: str,
    *,
    share: str | None = "AAA",
    versions: int = 1,
    channel: str = "telegram",
    language: str = "en",
    content: dict[str, Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> Youth:
    """A young person with `versions` completed roadmaps (or a draft if 0),
    shared with the unit `share`; later versions apply `changes` in turn."""
    base = {**FULL, **(content or {})}
    later = changes or []
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel=channel, channel_user_id=name, language=language
        )
        if versions == 0:
            roadmaps.save_answer(
                session, profile_id=profile.id, section="stage", value="s6"
            )
        for number in range(versions):
            answers = base if number == 0 else {**base, **later[number - 1]}
            base = answers
            for section, value in answers.items():
                roadmaps.save_answer(
                    session, profile_id=profile.id, section=section, value=value
                )
            roadmaps.complete(session, profile_id=profile.id, turns=[], today=NOW)
        if share:
            roadmaps.share(
                session, profile_id=profile.id, unit_code=share, wording_version="v1"
            )
        return Youth(profile.id, caseload.alias_of(profile.id), name)


@pytest.fixture
def people(database):
    """Units AAA and BBB; amy (worker) and sam (supervisor) of AAA, ben (worker)
    of BBB, root (admin)."""
    make_unit("AAA")
    make_unit("BBB")
    return {
        "amy": make_account("amy", "worker", "AAA"),
        "sam": make_account("sam", "supervisor", "AAA", language="yue"),
        "ben": make_account("ben", "worker", "BBB"),
        "root": make_account("root", "admin", None),
    }


@pytest.fixture
def tracker_db(tmp_path) -> Path:
    """Where the app under test looks for Rasa's tracker store."""
    return tmp_path / "tracker.db"


@pytest.fixture
async def dashboard(people, tracker_db):
    """`await dashboard("amy")`: a fresh browser signed in as that account."""
    opened: list[TestClient] = []
    settings = config.load({"TRACKER_DB_URL": f"sqlite:///{tracker_db}"})

    async def open_as(username: str) -> Staff:
        client = TestClient(TestServer(create_app(settings)))
        await client.start_server()
        opened.append(client)
        signed = Staff(client, username)
        await signed.sign_in()
        return signed

    yield open_as
    for client in opened:
        await client.close()


@pytest.fixture
async def amy(dashboard) -> Staff:
    """Amy, a social worker of unit AAA, signed in."""
    return await dashboard("amy")


def count(model, **where) -> int:
    """Rows of `model` with these column values."""
    with session_scope() as session:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return session.execute(stmt).scalar_one()


def actions(profile_id: int) -> list[str]:
    """The audit actions recorded about one young person, oldest first."""
    with session_scope() as session:
        return list(
            session.execute(
                select(AuditEvent.action)
                .where(AuditEvent.profile_id == profile_id)
                .order_by(AuditEvent.id)
            ).scalars()
        )


async def write_conversation(path: Path, sender_id: str, events: list[Any]) -> None:
    """Store `events` for `sender_id` the way Rasa does (its SQLTrackerStore)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.trackers import DialogueStateTracker

    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    try:
        tracker = DialogueStateTracker.from_events(sender_id, events)
        await store.save(tracker)
    finally:
        store.engine.dispose()
