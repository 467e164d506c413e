"""`GET /roadmaps/{token}`: the printable roadmap page behind a signed link."""

from __future__ import annotations

import asyncio

from aiohttp import web

from cld import config, links
from cld.roadmap_display import roadmap_card
from cld.roadmap_page import not_found_page, render_page
from locales import SUPPORTED
from pathways_kb.db import session_scope

SETTINGS_KEY: web.AppKey[config.LinkSettings] = web.AppKey(
    "link_settings", config.LinkSettings
)
HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
}


def _page(profile_id: int, lang: str) -> str | None:
    with session_scope() as session:
        card = roadmap_card(session, profile_id=profile_id, lang=lang)
    if card is None:
        return None
    return render_page(
        card.content,
        version=card.version,
        updated=card.updated_on,
        lang=lang,
        pathways=card.pathways,
        statuses=card.statuses,
    )


async def roadmap_page(request: web.Request) -> web.Response:
    """The page, or a friendly 404 for a bad, expired or empty link."""
    lang = request.query.get("lang", "en")
    lang = lang if lang in SUPPORTED else "en"
    profile_id = links.read_token(
        request.app[SETTINGS_KEY], request.match_info["token"]
    )
    page = await asyncio.to_thread(_page, profile_id, lang) if profile_id else None
    if page is None:
        return web.Response(
            text=not_found_page(lang),
            status=404,
            content_type="text/html",
            headers=HEADERS,
        )
    return web.Response(text=page, content_type="text/html", headers=HEADERS)


def add_routes(app: web.Application, settings: config.LinkSettings) -> None:
    """Mount the roadmap pages on `app`."""
    app[SETTINGS_KEY] = settings
    app.router.add_get("/roadmaps/{token}", roadmap_page)
