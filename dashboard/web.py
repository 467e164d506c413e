"""What every dashboard page shares: sign-in, CSRF, language, templates, errors.

Requests pass `guard` (security headers, a friendly error page instead of any
500) and `authenticate` (the session cookie, and a CSRF check on every POST).
Pages are plain handlers that call `render`; `require` names the roles a page
is for, and anything a person may not see answers the same 404 as a page that
does not exist.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

import jinja2
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from cld import staff
from cld.staff import AccountView
from dashboard import i18n
from locales import SUPPORTED
from pathways_kb.db import session_scope

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "pp_session"
LOGIN_CSRF_COOKIE = "pp_login_csrf"  # before sign-in: a double-submit token
LANG_COOKIE = "pp_lang"
TEMPLATES = Path(__file__).parent / "templates"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
OPEN_PATHS = ("/login", "/static/", "/health")


@dataclass(frozen=True)
class Viewer:
    """Who is asking, in which language, with which CSRF token."""

    account: AccountView | None
    csrf: str
    lang: str

    def t(self, key: str, **params: Any) -> str:
        """A dashboard string in the viewer's language."""
        return i18n.translate(self.lang, key, **params)


SECURE_COOKIES: web.AppKey[bool] = web.AppKey("secure_cookies", bool)
_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def viewer(request: web.Request) -> Viewer:
    """The viewer `authenticate` attached to this request."""
    return request["viewer"]  # type: ignore[no-any-return]


def signed_in(request: web.Request) -> AccountView:
    """The signed-in account (pages behind `require` always have one)."""
    account = viewer(request).account
    if account is None:
        raise web.HTTPFound("/login")
    return account


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    """A page from dashboard/templates, in the viewer's language."""
    seen = viewer(request)
    html = _environment.get_template(template).render(
        t=seen.t,
        lang=seen.lang,
        html_lang=i18n.HTML_LANG.get(seen.lang, "en"),
        account=seen.account,
        csrf=seen.csrf,
        path=request.path,
        **context,
    )
    return web.Response(text=html, content_type="text/html", status=status)


def not_found(request: web.Request) -> web.Response:
    """The one answer for "no such thing" and "not yours to see"."""
    return render(request, "error.html", status=404, message_key="error_not_found")


def require(*roles: str) -> Callable[[Handler], Handler]:
    """Only these roles may open the page; others get 404 (nothing is revealed)."""

    def wrap(handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.StreamResponse:
            account = viewer(request).account
            if account is None:
                raise web.HTTPFound("/login")
            if account.role not in roles:
                return not_found(request)
            return await handler(request)

        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded

    return wrap


def _language(request: web.Request, account: AccountView | None) -> str:
    asked = request.query.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in SUPPORTED:
        return str(asked)
    if account is not None:
        return account.language
    accept = request.headers.get("Accept-Language", "")
    return "yue" if accept.lower().startswith(("zh", "yue")) else "en"


def _lookup(token: str) -> tuple[AccountView, str] | None:
    with session_scope() as session:
        return staff.session_account(session, token=token)


async def form(request: web.Request) -> Mapping[str, str]:
    """The posted form (checked for CSRF already), values as text."""
    return request["form"]  # type: ignore[no-any-return]


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; a friendly page instead of a 500."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        response = error
        if error.status == 404 and "viewer" in request:
            response = not_found(request)
        elif error.status == 413 and "viewer" in request:
            response = render(
                request, "error.html", status=413, message_key="error_too_large"
            )
    except Exception:
        trace = uuid.uuid4().hex[:12]
        logger.exception("dashboard error, trace %s", trace)
        if "viewer" not in request:
            request["viewer"] = Viewer(None, "", _language(request, None))
        response = render(
            request,
            "error.html",
            status=503,
            message_key="error_unavailable",
            trace=trace,
        )
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Attach the viewer; refuse a POST whose CSRF token does not match (403)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    found = await _in_thread(_lookup, token) if token else None
    account, csrf = found if found else (None, "")
    if account is None:
        csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    request["viewer"] = Viewer(account, csrf, _language(request, account))
    if request.method == "POST":
        try:
            posted = await request.post()
        except (ValueError, UnicodeDecodeError, HttpProcessingError):
            return render(
                request, "error.html", status=400, message_key="error_bad_form"
            )
        values = {k: v for k, v in posted.items() if isinstance(v, str)}
        if not staff.csrf_matches(csrf, values.get("csrf")):
            logger.warning("refused a form post without a valid CSRF token")
            return render(request, "error.html", status=403, message_key="error_csrf")
        request["form"] = values
    elif account is None and not request.path.startswith(OPEN_PATHS):
        raise web.HTTPFound("/login")
    response = await handler(request)
    if request.query.get("lang") in SUPPORTED:
        response.set_cookie(
            LANG_COOKIE, request.query["lang"], samesite="Strict", path="/"
        )
    if account is None and LOGIN_CSRF_COOKIE not in request.cookies:
        response.set_cookie(
            LOGIN_CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="Strict",
            secure=request.app[SECURE_COOKIES],
            path="/",
        )
    return response


async def _in_thread(work: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(work, *args)


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, token: str
) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=request.app[SECURE_COOKIES],
        path="/",
        max_age=int(staff.SESSION_LIFETIME.total_seconds()),
    )
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/")
