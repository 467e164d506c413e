"""Fixtures for the parent-update and HKBM page tests: units, staff, and a browser.

Kept apart from tests/dashboard/conftest.py; test modules import what they use.
A `Browser` signs in the way a person does: it reads the CSRF token from the
login page and posts the form, and later forms carry the session's token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from cld import staff, units
from dashboard import config
from dashboard.app import create_app
from pathways_kb.db import session_scope

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
# username: (role, unit, language)
STAFF = {
    "amy": ("worker", "AAA", "en"),
    "sam": ("supervisor", "AAA", "yue"),
    "ben": ("worker", "BBB", "en"),
    "root": ("admin", None, "en"),
}


@dataclass
class Browser:
    """A test client that signs in and posts forms with their CSRF token."""

    client: TestClient
    csrf: str = ""

    async def sign_in(self, username: str) -> None:
        page = await (await self.client.get("/login")).text()
        response = await self.client.post(
            "/login",
            data={"csrf": token_in(page), "username": username, "password": PASSWORD},
            allow_redirects=False,
        )
        assert response.status == 302, await response.text()
        self.csrf = token_in(await (await self.client.get("/updates")).text())

    async def post(self, path: str, data: dict[str, str] | None = None, **kwargs):
        """POST a form with the session's CSRF token (unless `data` has its own)."""
        return await self.client.post(
            path, data={"csrf": self.csrf, **(data or {})}, **kwargs
        )

    async def get(self, path: str, **kwargs):
        return await self.client.get(path, **kwargs)


def token_in(page: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(page)
    assert found, "no form with a CSRF token on this page"
    return found.group(1)


@pytest.fixture
async def browser(database):
    """A browser on the real dashboard, with units AAA, BBB, CCC and STAFF."""
    with session_scope() as session:
        for code in ("AAA", "BBB", "CCC"):
            units.add_unit(session, code=code, name=f"Unit {code}")
        for username, (role, unit, language) in STAFF.items():
            staff.create_account(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                display_name=username.title(),
                unit_code=unit,
                language=language,
            )
    app = create_app(config.load({}))
    async with TestClient(TestServer(app)) as client:
        yield Browser(client)
