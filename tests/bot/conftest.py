"""A stand-in Rasa that records what the gateway sent, and a gateway factory."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.config import GatewaySettings
from bot.rasa_client import WEBHOOK_PATH

RASA_PATH = WEBHOOK_PATH
MENU = [{"text": "menu", "buttons": [{"title": "Help", "payload": "/help"}]}]


class FakeRasa:
    """Answers like Rasa's REST channel and keeps every request body."""

    def __init__(self, replies: list[dict[str, Any]], status: int = 200) -> None:
        self.received: list[dict[str, Any]] = []
        self.replies = replies
        self.status = status
        self.delay_s = 0.0

    def app(self) -> web.Application:
        async def webhook(request: web.Request) -> web.Response:
            self.received.append(await request.json())
            await asyncio.sleep(self.delay_s)
            return web.json_response(self.replies, status=self.status)

        async def root(_request: web.Request) -> web.Response:
            return web.Response(text="Hello from Rasa")

        app = web.Application()
        app.router.add_post(RASA_PATH, webhook)
        app.router.add_get("/", root)
        return app


@pytest.fixture
async def fake_rasa():
    fake = FakeRasa(MENU)
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


def settings_for(fake: FakeRasa, **overrides: Any) -> GatewaySettings:
    """Gateway settings pointing at the stand-in Rasa."""
    base: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "rasa_url": fake.url,
        "rasa_timeout_s": 5,
        "max_body_bytes": 64 * 1024,
        "max_text_chars": 2000,
    }
    base.update(overrides)
    return GatewaySettings(**base)


async def start_client(app: web.Application) -> TestClient:
    """A test client on a real local server for `app`."""
    client = TestClient(TestServer(app))
    await client.start_server()
    return client
