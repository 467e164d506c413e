"""Bad input through the Twilio (WhatsApp) webhook: typed texts and media, requests
that are unsigned, mis-signed or malformed, and repeated MessageSids."""

from __future__ import annotations

import re
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from twilio.request_validator import RequestValidator

from bot.whatsapp import MESSAGE_LIMIT
from locales import render
from tests.badinput.cases import BODY_LIMIT, TEXTS, Text, encodable
from tests.badinput.conftest import (
    AUTH_TOKEN,
    ECHO,
    PUBLIC_URL,
    expected_texts,
    grown,
    stored,
)
from tests.badinput.platforms import TWILIO_MEDIA, TwilioMedia, wa_message
from tests.badinput.refusals import TWILIO_REQUESTS, TwilioRequest

URL = "/webhooks/whatsapp"
FORM = "application/x-www-form-urlencoded"


def signature(
    params: dict[str, str], *, token: str = AUTH_TOKEN, url: str = URL
) -> str:
    return RequestValidator(token).compute_signature(f"{PUBLIC_URL}{url}", params)


async def post_signed(gateway, params: dict[str, str]):
    response = await gateway.client.post(
        URL,
        data=urlencode(params),
        headers={"Content-Type": FORM, "X-Twilio-Signature": signature(params)},
    )
    return response.status, await response.text()


def messages(twiml: str) -> list[str]:
    """The texts of a TwiML answer (parsing it proves the XML is well formed)."""
    return [m.text or "" for m in ElementTree.fromstring(twiml).iter("Message")]


def with_choice(text: str) -> str:
    return text + "\n\n1. Help" if text.startswith(ECHO) else text


typed = [c for c in TEXTS if encodable(c.text)]  # a form cannot carry lone surrogates


def fits(case: Text) -> bool:
    """WhatsApp caps a message at 4,096 characters, so a longer one that is over
    the body limit once form-encoded (10,000 Chinese characters) is a forged
    request, refused with 413 like any other (test_a_refused_request_stores_nothing)."""
    return len(urlencode(wa_message(body=case.text))) <= BODY_LIMIT


def joined(texts: list[str]) -> str:
    """The texts as one, without the whitespace where long ones were split."""
    return re.sub(r"\s", "", "".join(texts))


@pytest.mark.parametrize("case", filter(fits, typed), ids=lambda c: c.param_id)
async def test_typed_text_gets_a_friendly_reply(gateway, case: Text):
    before = stored()
    status, twiml = await post_signed(gateway, wa_message(body=case.text))
    assert status == 200
    expected = [with_choice(t) for t in expected_texts(case, gateway.rasa.received)]
    sent = messages(twiml)
    assert all(len(m) <= MESSAGE_LIMIT for m in sent)
    assert joined(sent) == joined(expected)
    offered = {"button_offer": 1} if case.outcome == "rasa" else {}
    assert grown(before) == {"inbox_message": 1, "channel_identity": 1, **offered}


@pytest.mark.parametrize("case", TWILIO_MEDIA, ids=lambda c: c.id)
async def test_media_and_odd_fields_get_a_notice_or_an_answer(
    gateway, case: TwilioMedia
):
    status, twiml = await post_signed(gateway, case.params)
    assert status == 200
    if case.reply is None:
        [turn] = gateway.rasa.received
        assert messages(twiml) == [with_choice(ECHO + turn["message"])]
    else:
        assert messages(twiml) == [render(case.reply, "en").text]
        assert gateway.rasa.received == []


def _request(case: TwilioRequest) -> tuple[bytes, dict[str, str]]:
    headers = {"Content-Type": case.content_type}
    if case.params is None:
        assert case.raw is not None
        return case.raw, headers
    params = case.params
    signed = {
        "valid": lambda: signature(params),
        "wrong": lambda: "bm90IGEgc2lnbmF0dXJl",
        "empty": lambda: "",
        "other-token": lambda: signature(params, token="another-auth-token"),
        "other-url": lambda: signature(params, url="/webhooks/other"),
        "tampered": lambda: signature({**params, "Body": "something else"}),
    }
    if case.signing != "none":
        headers["X-Twilio-Signature"] = signed[case.signing]()
    return urlencode(params).encode(), headers


@pytest.mark.parametrize("case", TWILIO_REQUESTS, ids=lambda c: c.id)
async def test_a_refused_request_stores_nothing(gateway, case: TwilioRequest):
    before = stored()
    body, headers = _request(case)
    response = await gateway.client.post(URL, data=body, headers=headers)
    assert response.status == case.status
    assert gateway.rasa.received == [] and gateway.twilio_sent == []
    assert grown(before) == {}


async def test_a_repeated_message_sid_is_answered_once(gateway):
    first = await post_signed(gateway, wa_message(sid="SM7", body="hi"))
    again = await post_signed(gateway, wa_message(sid="SM7", body="<b>other</b>"))
    assert messages(first[1]) == [with_choice(ECHO + "hi")]
    assert (again[0], messages(again[1])) == (200, [])
    assert [t["message"] for t in gateway.rasa.received] == ["hi"]


async def test_a_cantonese_speaker_gets_cantonese_notices(gateway):
    await post_signed(gateway, wa_message(sid="SM1", body="你好"))
    _, empty = await post_signed(gateway, wa_message(sid="SM2", body=" "))
    _, photo = await post_signed(gateway, wa_message(sid="SM3", body="", NumMedia="1"))
    _, long = await post_signed(gateway, wa_message(sid="SM4", body="好" * 2_001))
    assert (
        messages(empty)
        == messages(photo)
        == [render("gateway_please_type", "yue").text]
    )
    assert messages(long) == [render("gateway_too_long", "yue", limit=2000).text]
