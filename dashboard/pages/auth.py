"""Signing in and out."""

from __future__ import annotations

import asyncio

from aiohttp import web

from cld import staff
from dashboard.web import (
    SESSION_COOKIE,
    form,
    render,
    set_session_cookie,
    viewer,
)
from pathways_kb.db import session_scope


def _sign_in(username: str, password: str) -> staff.SignedIn | None:
    with session_scope() as session:
        return staff.sign_in(session, username=username, password=password)


async def login_page(request: web.Request) -> web.Response:
    """The sign-in form (signed-in people go to their start page)."""
    if viewer(request).account is not None:
        raise web.HTTPFound("/")
    return render(request, "login.html", failed=False, username="")


async def login(request: web.Request) -> web.Response:
    """Check the password; the same message for any refusal (lockout included)."""
    values = await form(request)
    username = values.get("username", "")[:64]
    signed = await asyncio.to_thread(
        _sign_in, username, values.get("password", "")[:1024]
    )
    if signed is None:
        return render(request, "login.html", status=401, failed=True, username=username)
    response = web.HTTPFound("/")
    set_session_cookie(request, response, signed.token)
    raise response


async def logout(request: web.Request) -> web.Response:
    """End this session."""
    token = request.cookies.get(SESSION_COOKIE, "")

    def end() -> None:
        with session_scope() as session:
            staff.sign_out(session, token=token)

    await asyncio.to_thread(end)
    response = web.HTTPFound("/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def home(request: web.Request) -> web.Response:
    """Start page: admins manage accounts, workers see their young people."""
    account = viewer(request).account
    if account is None:
        raise web.HTTPFound("/login")
    raise web.HTTPFound("/admin" if account.is_admin else "/youth")


def add_routes(app: web.Application) -> None:
    """Mount sign-in, sign-out and the start page."""
    app.router.add_get("/login", login_page)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    app.router.add_get("/", home)
