"""The gateway's web application: channels, health check, and error safety net."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from typing import Awaitable, Callable

from aiohttp import web

from bot import config, rest, roadmap_pages, telegram, whatsapp
from bot.broadcast.senders import build_worker
from bot.broadcast.whatsapp_sender import load_content_sids
from bot.checkins import CheckInScheduler, Deliver, LateDeliver
from bot.rasa_client import RasaClient
from bot.retention import RetentionPurger
from bot.store import GatewayStore
from bot.telegram import TelegramChannel
from bot.turns import TurnHandler
from bot.whatsapp import WhatsAppChannel
from cld.config import load_privacy
from cld.logs import configure as configure_logs
from locales.language import warm_up

logger = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
RASA_KEY: web.AppKey[RasaClient] = web.AppKey("rasa", RasaClient)


@web.middleware
async def never_500(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn any unexpected error into a 503 with a trace id (logged, no content)."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception:
        trace = uuid.uuid4().hex[:12]
        logger.exception("unhandled error, trace %s", trace)
        return web.json_response(
            {"error": "temporarily unavailable", "trace": trace}, status=503
        )


async def health(request: web.Request) -> web.Response:
    """200 when the gateway and Rasa answer, 503 otherwise."""
    rasa_ok = await request.app[RASA_KEY].healthy()
    return web.json_response(
        {"gateway": "ok", "rasa": rasa_ok}, status=200 if rasa_ok else 503
    )


def create_app(settings: config.GatewaySettings) -> web.Application:
    """Build the gateway application."""
    app = web.Application(
        client_max_size=settings.max_body_bytes, middlewares=[never_500]
    )
    rasa = RasaClient(
        settings.rasa_url,
        timeout_s=settings.rasa_timeout_s,
        channel_token=settings.rasa_channel_token,
    )
    app[RASA_KEY] = rasa
    store = GatewayStore()
    turns = TurnHandler(rasa, store, max_text_chars=settings.max_text_chars)
    rest.add_routes(app, turns)
    deliver: dict[str, Deliver] = {}
    late: dict[str, LateDeliver] = {}
    if settings.telegram and settings.pseudonym_key:
        channel = TelegramChannel(
            settings.telegram, turns, store, pseudonym_key=settings.pseudonym_key
        )
        telegram.add_routes(app, channel, settings.public_url)
        deliver["telegram"] = channel.send
    if settings.whatsapp and settings.pseudonym_key and settings.public_url:
        wa_channel = WhatsAppChannel(
            settings.whatsapp,
            turns,
            store,
            public_url=settings.public_url,
            pseudonym_key=settings.pseudonym_key,
            content_sids=_content_sids(settings),
        )
        whatsapp.add_routes(app, wa_channel)
        deliver["whatsapp"] = wa_channel.deliver
        late["whatsapp"] = wa_channel.deliver_checkin
    scheduler = CheckInScheduler(
        rasa,
        turns,
        deliver,
        rasa_token=settings.rasa_token,
        every_s=settings.checkin_every_s,
        late=late,
    )
    if settings.links is not None:
        roadmap_pages.add_routes(app, settings.links)
    if settings.broadcast is not None and settings.broadcast.in_gateway:
        _run_broadcast_worker(app, settings)
    app.router.add_get("/health", health)

    async def close_rasa(_app: web.Application) -> None:
        await rasa.close()

    async def load_language_data(_app: web.Application) -> None:
        warm_up()

    async def start_scheduler(_app: web.Application) -> None:
        if deliver:  # only channels that can reach people unprompted
            scheduler.start()

    async def stop_scheduler(_app: web.Application) -> None:
        await scheduler.stop()

    purger = RetentionPurger(load_privacy())  # TRANSCRIPT_RETENTION_DAYS

    async def start_purger(_app: web.Application) -> None:
        purger.start()

    async def stop_purger(_app: web.Application) -> None:
        await purger.stop()

    app.on_startup.append(load_language_data)
    app.on_startup.append(start_scheduler)
    app.on_cleanup.append(stop_scheduler)
    app.on_startup.append(start_purger)
    app.on_cleanup.append(stop_purger)
    app.on_cleanup.append(close_rasa)
    return app


def _content_sids(settings: config.GatewaySettings) -> dict[str, dict[str, str]]:
    """Approved WhatsApp templates (WHATSAPP_CONTENT_SIDS), if configured."""
    path = settings.broadcast.whatsapp_content_sids if settings.broadcast else None
    return load_content_sids(Path(path)) if path else {}


def _run_broadcast_worker(
    app: web.Application, settings: config.GatewaySettings
) -> None:
    """Send scheduled parent updates from the gateway while it runs."""
    worker = build_worker(settings)
    if worker is None:
        return
    stop = asyncio.Event()
    running: list[asyncio.Task[None]] = []

    async def start(_app: web.Application) -> None:
        running.append(asyncio.get_running_loop().create_task(worker.run(stop)))

    async def finish(_app: web.Application) -> None:
        stop.set()
        if running:
            await asyncio.wait(running, timeout=15)

    app.on_startup.append(start)
    app.on_cleanup.append(finish)


def main() -> None:
    """Serve the gateway until interrupted."""
    configure_logs("gateway")
    try:
        settings = config.load()
    except config.ConfigError as error:
        raise SystemExit(f"gateway not started: {error}") from None
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None
    )


if __name__ == "__main__":
    main()
