"""Admins manage units and accounts (and see no young person's data)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from cld import staff, units
from dashboard.web import form, render, require, viewer
from pathways_kb.db import session_scope

ERRORS = {
    "a unit code is": "admin_error_unit_code",
    "exists already": "admin_error_exists",
    "a username is": "admin_error_username",
    "a password has": "admin_error_password",
    "need an existing unit": "admin_error_unit_missing",
    "role must be": "admin_error_role",
}


def _error_key(error: ValueError) -> str:
    text = str(error)
    return next((key for cue, key in ERRORS.items() if cue in text), "admin_error")


def _lists() -> tuple[list[units.UnitView], list[staff.AccountView]]:
    with session_scope() as session:
        return units.all_units(session), staff.list_accounts(session)


async def _page(
    request: web.Request, *, status: int = 200, error: str | None = None, **typed: str
) -> web.Response:
    unit_list, accounts = await asyncio.to_thread(_lists)
    return render(
        request,
        "admin.html",
        status=status,
        units=unit_list,
        accounts=accounts,
        error=error,
        notice=request.query.get("done"),
        typed=typed,
    )


@require("admin")
async def admin_page(request: web.Request) -> web.Response:
    """Units and accounts, with forms to add them."""
    return await _page(request)


@require("admin")
async def add_unit(request: web.Request) -> web.Response:
    """Register a unit by code and name."""
    values = await form(request)
    code, name = values.get("code", "")[:32], values.get("name", "")[:200]

    def add() -> None:
        with session_scope() as session:
            units.add_unit(session, code=code, name=name)

    try:
        await asyncio.to_thread(add)
    except ValueError as error:
        return await _page(
            request, status=400, error=_error_key(error), code=code, name=name
        )
    raise web.HTTPSeeOther("/admin?done=unit")


@require("admin")
async def add_account(request: web.Request) -> web.Response:
    """Add a social worker or supervisor of a unit (admins: the CLI only)."""
    values = await form(request)
    typed = {
        "username": values.get("username", "")[:64],
        "display_name": values.get("display_name", "")[:100],
        "role": values.get("role", ""),
        "unit": values.get("unit", "")[:32],
        "language": values.get("language", "en"),
    }

    def add() -> None:
        if typed["role"] not in ("worker", "supervisor"):
            raise ValueError("role must be worker or supervisor")
        with session_scope() as session:
            staff.create_account(
                session,
                username=typed["username"],
                password=values.get("password", "")[:1024],
                role=typed["role"],
                display_name=typed["display_name"],
                unit_code=typed["unit"],
                language=typed["language"],
            )

    try:
        await asyncio.to_thread(add)
    except ValueError as error:
        return await _page(request, status=400, error=_error_key(error), **typed)
    raise web.HTTPSeeOther("/admin?done=account")


@require("admin")
async def deactivate(request: web.Request) -> web.Response:
    """Close an account: its sessions end, its history stays."""
    username = request.match_info["username"]
    if username == viewer(request).account.username:  # type: ignore[union-attr]
        return await _page(request, status=400, error="admin_error_self")

    def close() -> bool:
        with session_scope() as session:
            return staff.deactivate(session, username=username)

    if not await asyncio.to_thread(close):
        return await _page(request, status=404, error="admin_error_no_account")
    raise web.HTTPSeeOther("/admin?done=closed")


def add_routes(app: web.Application) -> None:
    """Mount the admin pages."""
    app.router.add_get("/admin", admin_page)
    app.router.add_post("/admin/units", add_unit)
    app.router.add_post("/admin/accounts", add_account)
    app.router.add_post("/admin/accounts/{username}/deactivate", deactivate)
