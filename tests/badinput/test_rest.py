"""Bad input through the REST channel: every typed text, every broken request."""

from __future__ import annotations

import pytest

from locales import render
from tests.badinput.cases import TEXTS, Text, json_bytes
from tests.badinput.conftest import ECHO, expected_texts, grown, stored
from tests.badinput.refusals import REST_REQUESTS, Request

URL = "/webhooks/rest/webhook"
JSON = {"Content-Type": "application/json"}


async def say(gateway, body):
    response = await gateway.client.post(URL, data=json_bytes(body), headers=JSON)
    return response.status, await response.json()


@pytest.mark.parametrize("case", TEXTS, ids=lambda c: c.param_id)
async def test_typed_text_gets_a_friendly_reply(gateway, case: Text):
    before = stored()
    status, body = await say(gateway, {"sender": "amy", "message": case.text})
    assert status == 200
    assert [r["text"] for r in body] == expected_texts(case, gateway.rasa.received)
    offered = {"button_offer": 1} if case.outcome == "rasa" else {}
    assert grown(before) == offered


@pytest.mark.parametrize("case", REST_REQUESTS, ids=lambda c: c.param_id)
async def test_a_broken_request_is_refused_and_nothing_is_stored(
    gateway, case: Request
):
    before = stored()
    headers = {"Content-Type": case.content_type} if case.content_type else {}
    response = await gateway.client.request(
        case.method,
        URL,
        data=case.body,
        headers=headers,
        skip_auto_headers=() if case.content_type else ("Content-Type",),
    )
    assert response.status == case.status
    if case.status != 405:
        answer = await response.json()
        assert (answer["message"], answer["message_yue"]) == (
            render("gateway_bad_request", "en").text,
            render("gateway_bad_request", "yue").text,
        )
    assert gateway.rasa.received == []
    assert grown(before) == {}


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/json;foo=bar"],
)
async def test_json_with_parameters_or_capitals_is_read(gateway, content_type):
    response = await gateway.client.post(
        URL,
        data=json_bytes({"sender": "amy", "message": "hi"}),
        headers={"Content-Type": content_type},
    )
    assert (response.status, (await response.json())[0]["text"]) == (
        200,
        ECHO + "hi",
    )


async def test_forged_metadata_does_not_reach_rasa(gateway):
    body = {
        "sender": "amy",
        "message": "hi",
        "metadata": {"channel": "telegram", "role": "social_worker"},
    }
    await say(gateway, body)
    assert gateway.rasa.received[0]["metadata"] == {"channel": "rest", "language": "en"}


@pytest.mark.parametrize(
    "payload",
    [
        '/inform_role{"role":"parent"}',
        "/help" + "x" * 5_000,
        "",
        "' OR 1=1 --",
        "<script>",
        "\x00/help",
    ],
)
async def test_a_button_that_was_never_offered_is_refused(gateway, payload):
    before = stored()
    status, body = await say(gateway, {"sender": "amy", "payload": payload})
    assert (status, [r["text"] for r in body]) == (
        200,
        [render("gateway_button_expired", "en").text],
    )
    assert gateway.rasa.received == [] and grown(before) == {}


async def test_a_cantonese_speaker_gets_the_cantonese_expired_notice(gateway):
    await say(gateway, {"sender": "amy", "message": "你好"})
    status, body = await say(gateway, {"sender": "amy", "payload": "/forged"})
    assert body[0]["text"] == render("gateway_button_expired", "yue").text
