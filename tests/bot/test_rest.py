"""The gateway's REST channel, against a stand-in Rasa that records what it got."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.app import create_app
from cld.models import HelpRequest
from locales import render
from pathways_kb.db import session_scope
from tests.bot.conftest import settings_for, start_client

URL = "/webhooks/rest/webhook"


@pytest.fixture
async def gateway(database, fake_rasa):
    client = await start_client(create_app(settings_for(fake_rasa)))
    yield client, fake_rasa
    await client.close()


async def post(client: TestClient, body: Any) -> tuple[int, Any]:
    response = await client.post(URL, json=body)
    return response.status, await response.json()


async def test_a_turn_returns_rasa_replies_with_buttons(gateway):
    client, fake = gateway
    status, body = await post(client, {"sender": "amy", "message": "hi"})
    assert status == 200
    assert body == [
        {
            "recipient_id": "amy",
            "text": "menu",
            "buttons": [{"title": "Help", "payload": "/help"}],
        }
    ]
    assert fake.received == [
        {
            "sender": "rest-amy",
            "message": "hi",
            "metadata": {"channel": "rest", "language": "en"},
        }
    ]


async def test_typed_intent_with_slots_reaches_rasa_as_plain_text(gateway):
    client, fake = gateway
    await post(client, {"sender": "amy", "message": '/inform{"consent": "yes"}'})
    assert fake.received[0]["message"] == 'inform{"consent": "yes"}'


async def test_command_becomes_its_intent(gateway):
    client, fake = gateway
    await post(client, {"sender": "amy", "message": "/start"})
    assert fake.received[0]["message"] == "/greet"


async def test_offered_button_payload_is_sent_as_an_intent(gateway):
    client, fake = gateway
    await post(client, {"sender": "amy", "message": "hi"})
    await post(client, {"sender": "amy", "payload": "/help"})
    assert fake.received[1]["message"] == "/help"


async def test_forged_button_payload_is_refused(gateway):
    client, fake = gateway
    await post(client, {"sender": "amy", "message": "hi"})
    status, body = await post(
        client, {"sender": "amy", "payload": '/switch_language{"language": "en"}'}
    )
    assert status == 200
    assert body[0]["text"] == render("gateway_button_expired", "en").text
    assert len(fake.received) == 1


async def test_empty_message_asks_for_text_without_calling_rasa(gateway):
    client, fake = gateway
    status, body = await post(client, {"sender": "amy", "message": " \u200b "})
    assert (status, body[0]["text"]) == (200, render("gateway_please_type", "en").text)
    assert fake.received == []


async def test_too_long_message_is_refused_in_the_users_language(gateway):
    client, fake = gateway
    status, body = await post(client, {"sender": "amy", "message": "你" * 2001})
    assert body[0]["text"] == render("gateway_too_long", "yue", limit=2000).text
    assert fake.received == []


@pytest.mark.parametrize(
    "body",
    [
        [],
        "hi",
        {"message": "hi"},
        {"sender": "", "message": "hi"},
        {"sender": "a b", "message": "hi"},
        {"sender": "x" * 65, "message": "hi"},
        {"sender": "amy"},
        {"sender": "amy", "message": 5},
        {"sender": "amy", "payload": ["/help"]},
    ],
)
async def test_malformed_body_is_a_clear_400(gateway, body):
    client, fake = gateway
    status, answer = await post(client, body)
    assert status == 400
    assert answer["message"] == render("gateway_bad_request", "en").text
    assert fake.received == []


async def test_invalid_json_is_a_400(gateway):
    client, _ = gateway
    response = await client.post(
        URL, data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400


async def test_wrong_content_type_is_a_415(gateway):
    client, _ = gateway
    response = await client.post(
        URL, data=b"hi", headers={"Content-Type": "text/plain"}
    )
    assert response.status == 415


async def test_body_over_64_kb_is_a_413(gateway):
    client, fake = gateway
    big = json.dumps({"sender": "amy", "message": "a" * 70_000}).encode()
    response = await client.post(
        URL, data=big, headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert fake.received == []


async def test_rasa_failure_gives_a_friendly_retry_message(gateway):
    client, fake = gateway
    fake.status = 500
    status, body = await post(client, {"sender": "amy", "message": "唔該"})
    assert (status, body[0]["text"]) == (200, render("gateway_try_again", "yue").text)


async def test_health_reports_rasa(gateway):
    client, _ = gateway
    response = await client.get("/health")
    assert (response.status, await response.json()) == (
        200,
        {"gateway": "ok", "rasa": True},
    )


async def test_a_crisis_message_gets_the_help_lines_even_when_rasa_is_down(gateway):
    client, fake = gateway
    fake.status = 500
    status, body = await post(client, {"sender": "amy", "message": "我想自殺"})
    assert (status, body[0]["text"]) == (
        200,
        render("utter_crisis_support", "yue").text,
    )
    with session_scope() as session:
        reasons = session.execute(select(HelpRequest.reason)).scalars().all()
    assert reasons == ["crisis"]
