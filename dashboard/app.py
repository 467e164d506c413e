"""The dashboard's web application."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from cld.logs import configure as configure_logs
from dashboard import config
from dashboard.pages import admin, auth, hkbm, updates, youth
from dashboard.web import SECURE_COOKIES, authenticate, guard

STATIC = Path(__file__).parent / "static"
# Each page module adds its routes; listed here so the app shows what it serves.
PAGE_MODULES = [auth, admin, updates, hkbm, youth]
SETTINGS: web.AppKey[config.DashboardSettings] = web.AppKey(
    "settings", config.DashboardSettings
)


async def health(_request: web.Request) -> web.Response:
    """200 while the dashboard answers."""
    return web.json_response({"dashboard": "ok"})


def create_app(settings: config.DashboardSettings) -> web.Application:
    """Build the dashboard application."""
    app = web.Application(
        client_max_size=settings.max_body_bytes, middlewares=[guard, authenticate]
    )
    app[SECURE_COOKIES] = settings.secure_cookies
    app[SETTINGS] = settings
    for module in PAGE_MODULES:
        module.add_routes(app)
    app.router.add_get("/health", health)
    app.router.add_static("/static/", STATIC, append_version=True)
    return app


def main() -> None:
    """Serve the dashboard until interrupted."""
    configure_logs("dashboard")
    try:
        settings = config.load()
    except config.ConfigError as error:
        raise SystemExit(f"dashboard not started: {error}") from None
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None
    )
