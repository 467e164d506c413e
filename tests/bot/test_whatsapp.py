"""WhatsApp webhooks signed the way Twilio signs them (twilio's own validator)."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import pytest
from aiohttp import web
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.config import WhatsAppSettings
from bot.identity import pseudonym
from cld.channel_models import InboxMessage
from locales import render
from pathways_kb.db import session_scope
from tests.bot.conftest import settings_for, start_client

AUTH_TOKEN = "test-auth-token-not-real"
PUBLIC_URL = "https://pathpal.example.org"
KEY = b"test-pseudonym-key-0123456789"
PHONE = "whatsapp:+85291234567"


class FakeTwilioApi:
    """Stands in for Twilio's REST API; keeps what was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    def app(self) -> web.Application:
        async def messages(request: web.Request) -> web.Response:
            self.sent.append(dict(await request.post()))
            return web.json_response({"sid": "SM" + "0" * 32}, status=201)

        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", messages)
        return app


@pytest.fixture
async def twilio_api():
    from aiohttp.test_utils import TestServer

    fake = FakeTwilioApi()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def gateway(database, fake_rasa, twilio_api):
    settings = settings_for(
        fake_rasa,
        public_url=PUBLIC_URL,
        pseudonym_key=KEY,
        whatsapp=WhatsAppSettings(
            account_sid="AC" + "1" * 32,
            auth_token=AUTH_TOKEN,
            sender="whatsapp:+14155238886",
            api_base_url=twilio_api.url,
        ),
    )
    client = await start_client(create_app(settings))
    yield client, fake_rasa, twilio_api
    await client.close()


def signed(
    params: dict[str, str], *, token: str = AUTH_TOKEN, path: str = "/webhooks/whatsapp"
):
    signature = RequestValidator(token).compute_signature(f"{PUBLIC_URL}{path}", params)
    return {
        "data": urlencode(params),
        "headers": {
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    }


def message(sid: str = "SM1", body: str = "hi", **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "From": PHONE,
        "To": "whatsapp:+14155238886",
        "Body": body,
        **extra,
    }


def inbox_count() -> int:
    with session_scope() as session:
        return session.execute(
            select(func.count()).select_from(InboxMessage)
        ).scalar_one()


async def test_signed_message_is_answered_with_numbered_choices(gateway):
    client, rasa, _ = gateway
    response = await client.post("/webhooks/whatsapp", **signed(message()))
    assert response.status == 200
    body = await response.text()
    assert "<Message>menu\n\n1. Help</Message>" in body
    assert rasa.received[0]["sender"] == pseudonym(KEY, "whatsapp", PHONE)
    assert PHONE not in str(rasa.received)


async def test_unsigned_request_is_refused_and_nothing_stored(gateway):
    client, rasa, _ = gateway
    response = await client.post(
        "/webhooks/whatsapp",
        data=urlencode(message()),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 403
    assert (rasa.received, inbox_count()) == ([], 0)


async def test_tampered_request_is_refused(gateway):
    client, rasa, _ = gateway
    request = signed(message(body="hi"))
    request["data"] = urlencode(message(body='/inform{"consent":"yes"}'))
    response = await client.post("/webhooks/whatsapp", **request)
    assert response.status == 403
    assert rasa.received == []


async def test_request_signed_with_another_token_is_refused(gateway):
    client, _, _ = gateway
    response = await client.post(
        "/webhooks/whatsapp", **signed(message(), token="wrong")
    )
    assert response.status == 403


async def test_repeated_message_sid_is_processed_once(gateway):
    client, rasa, _ = gateway
    first = await client.post("/webhooks/whatsapp", **signed(message(sid="SMdup")))
    second = await client.post("/webhooks/whatsapp", **signed(message(sid="SMdup")))
    assert (first.status, second.status) == (200, 200)
    assert "<Message>" not in await second.text()
    assert len(rasa.received) == 1


async def test_a_number_selects_the_offered_choice(gateway):
    client, rasa, _ = gateway
    await client.post("/webhooks/whatsapp", **signed(message(sid="SMa")))
    await client.post("/webhooks/whatsapp", **signed(message(sid="SMb", body="1")))
    assert rasa.received[1]["message"] == "/help"


async def test_a_number_with_no_offer_is_plain_text(gateway):
    client, rasa, _ = gateway
    await client.post("/webhooks/whatsapp", **signed(message(sid="SMn", body="7")))
    assert rasa.received[0]["message"] == "7"


async def test_typed_intent_is_sent_as_text(gateway):
    client, rasa, _ = gateway
    await client.post(
        "/webhooks/whatsapp", **signed(message(body='/inform{"consent":"yes"}'))
    )
    assert rasa.received[0]["message"] == 'inform{"consent":"yes"}'


async def test_media_without_text_asks_to_type(gateway):
    client, rasa, _ = gateway
    params = message(body="", NumMedia="1", MediaUrl0="https://example.org/a.jpg")
    response = await client.post("/webhooks/whatsapp", **signed(params))
    assert render("gateway_please_type", "en").text in await response.text()
    assert rasa.received == []


async def test_long_reply_is_split_below_1600_characters(gateway):
    client, rasa, _ = gateway
    rasa.replies = [{"text": "A sentence that goes on. " * 150}]
    response = await client.post("/webhooks/whatsapp", **signed(message()))
    parts = (await response.text()).split("<Message>")[1:]
    assert len(parts) >= 3
    assert all(len(p.split("</Message>")[0]) <= 1600 for p in parts)


async def test_slow_turn_is_acknowledged_then_sent_through_the_api(gateway):
    client, rasa, twilio_api = gateway
    rasa.delay_s = 2.5
    response = await client.post("/webhooks/whatsapp", **signed(message(sid="SMslow")))
    assert "<Message>" not in await response.text()
    for _ in range(50):
        if twilio_api.sent:
            break
        await asyncio.sleep(0.1)
    assert twilio_api.sent[0]["To"] == PHONE
    assert twilio_api.sent[0]["Body"] == "menu\n\n1. Help"


async def test_wrong_content_type_is_415(gateway):
    client, _, _ = gateway
    response = await client.post(
        "/webhooks/whatsapp", data=b"{}", headers={"Content-Type": "application/json"}
    )
    assert response.status == 415
