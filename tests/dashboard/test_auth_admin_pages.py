"""Signing in and out, CSRF, security headers, and the admin pages."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from cld import staff, units
from cld.staff_models import StaffAccount
from dashboard import config
from dashboard.app import create_app
from pathways_kb.db import session_scope

PASSWORD = "correct horse battery"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
async def client(database):
    with session_scope() as session:
        units.add_unit(session, code="AAA", name="Unit A")
        staff.create_account(
            session, username="amy", password=PASSWORD, role="worker", unit_code="AAA"
        )
        staff.create_account(session, username="root", password=PASSWORD, role="admin")
    app = create_app(config.load({}))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def csrf_of(client, path="/login"):
    page = await (await client.get(path)).text()
    return CSRF.search(page).group(1)


async def sign_in(client, username, password=PASSWORD):
    token = await csrf_of(client)
    return await client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password},
        allow_redirects=False,
    )


async def test_pages_need_a_sign_in(client):
    response = await client.get("/admin", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (302, "/login")


async def test_signing_in_sets_a_strict_httponly_cookie(client):
    response = await sign_in(client, "amy")
    assert (response.status, response.headers["Location"]) == (302, "/")
    cookie = response.cookies["pp_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"


async def test_a_wrong_password_gets_the_same_friendly_refusal(client):
    response = await sign_in(client, "amy", "wrong password!!")
    assert response.status == 401
    assert "did not match, or the account is locked" in await response.text()


async def test_a_login_post_without_its_csrf_token_is_refused(client):
    response = await client.post(
        "/login", data={"username": "amy", "password": PASSWORD}
    )
    assert response.status == 403
    assert "This form has expired" in await response.text()


async def test_every_answer_carries_security_headers(client):
    response = await client.get("/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_login_page_speaks_cantonese_when_asked(client):
    page = await (await client.get("/login?lang=yue")).text()
    assert '<html lang="zh-Hant-HK">' in page and "登入" in page


async def test_signing_out_ends_the_session(client):
    await sign_in(client, "amy")
    token = await csrf_of(client, "/admin")  # a 404 page still carries the form
    await client.post("/logout", data={"csrf": token}, allow_redirects=False)
    response = await client.get("/youth", allow_redirects=False)
    assert response.status == 302


async def test_an_admin_adds_a_unit_and_an_account(client):
    await sign_in(client, "root")
    token = await csrf_of(client, "/admin")
    response = await client.post(
        "/admin/units", data={"csrf": token, "code": "bbb 1", "name": "Unit B"}
    )
    assert "The unit was added." in await response.text()
    response = await client.post(
        "/admin/accounts",
        data={
            "csrf": token,
            "username": "ben",
            "display_name": "Ben",
            "role": "supervisor",
            "unit": "BBB1",
            "language": "yue",
            "password": PASSWORD,
        },
    )
    assert "The account was added." in await response.text()
    with session_scope() as session:
        row = session.execute(
            select(StaffAccount).where(StaffAccount.username == "ben")
        ).scalar_one()
    assert (row.role, row.language) == ("supervisor", "yue")


async def test_a_bad_account_keeps_what_was_typed_and_says_why(client):
    await sign_in(client, "root")
    token = await csrf_of(client, "/admin")
    response = await client.post(
        "/admin/accounts",
        data={
            "csrf": token,
            "username": "carol",
            "role": "worker",
            "unit": "AAA",
            "password": "short",
        },
    )
    page = await response.text()
    assert response.status == 400
    assert "at least 12 characters" in page and 'value="carol"' in page


async def test_closing_an_account_ends_its_sessions(client):
    await sign_in(client, "root")
    token = await csrf_of(client, "/admin")
    await client.post("/admin/accounts/amy/deactivate", data={"csrf": token})
    with session_scope() as session:
        assert staff.sign_in(session, username="amy", password=PASSWORD) is None


async def test_a_worker_cannot_open_the_admin_pages(client):
    await sign_in(client, "amy")
    response = await client.get("/admin")
    assert response.status == 404


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", b"\xff\xfe\x00garbage=%%%"),
        ("multipart/form-data; boundary=x", b"--x\r\nbroken"),
        ("application/json", b"{not json"),
        ("text/plain", b"\x00\x01\x02"),
    ],
)
async def test_malformed_posts_never_get_a_500(client, content_type, body):
    response = await client.post(
        "/login", data=body, headers={"Content-Type": content_type}
    )
    assert response.status < 500


async def test_a_huge_post_is_refused_politely(client):
    response = await client.post("/login", data={"x": "a" * 400_000})
    assert response.status == 413
