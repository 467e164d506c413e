"""Bad input through the Telegram webhook: typed texts, odd update kinds, broken
requests, wrong secrets and repeated update ids."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from cld.channel_models import InboxMessage
from locales import render
from pathways_kb.db import session_scope
from tests.badinput.cases import TEXTS, Text, json_bytes
from tests.badinput.conftest import SECRET, expected_texts, grown, stored
from tests.badinput.platforms import TELEGRAM_KINDS, TELEGRAM_USER, Update, tg_text
from tests.badinput.refusals import TELEGRAM_REQUESTS, Request

URL = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEADERS = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}


async def deliver(gateway, update) -> int:
    response = await gateway.client.post(URL, data=json_bytes(update), headers=HEADERS)
    assert await response.json() == {"ok": True}
    await gateway.settle()
    return response.status


def statuses() -> list[str]:
    with session_scope() as session:
        return list(session.execute(select(InboxMessage.status)).scalars())


@pytest.mark.parametrize("case", TEXTS, ids=lambda c: c.param_id)
async def test_typed_text_gets_a_friendly_reply(gateway, case: Text):
    before = stored()
    assert await deliver(gateway, tg_text(1, case.text)) == 200
    sent = [m["visible"] for m in gateway.bot.sent]
    assert sent == expected_texts(case, gateway.rasa.received)
    assert {m["chat_id"] for m in gateway.bot.sent} == {TELEGRAM_USER}
    offered = {"button_offer": 1} if case.outcome == "rasa" else {}
    assert grown(before) == {"inbox_message": 1, "channel_identity": 1, **offered}
    assert statuses() == ["done"]


@pytest.mark.parametrize("case", TELEGRAM_KINDS, ids=lambda c: c.id)
async def test_an_update_that_is_not_text_gets_a_notice_or_nothing(
    gateway, case: Update
):
    assert await deliver(gateway, case.update) == 200
    expected = [] if case.reply is None else [render(case.reply, case.lang).text]
    assert [m["visible"] for m in gateway.bot.sent] == expected
    assert gateway.rasa.received == []
    assert statuses() == ["done"]


@pytest.mark.parametrize("case", TELEGRAM_REQUESTS, ids=lambda c: c.param_id)
async def test_a_broken_request_is_refused_and_nothing_is_stored(
    gateway, case: Request
):
    before = stored()
    headers = {**HEADERS, **case.headers}
    if case.content_type is None:
        del headers["Content-Type"]
    else:
        headers["Content-Type"] = case.content_type
    headers = {k: v for k, v in headers.items() if v is not None}
    response = await gateway.client.request(
        case.method,
        URL,
        data=case.body,
        headers=headers,
        skip_auto_headers=() if case.content_type else ("Content-Type",),
    )
    assert response.status == case.status
    await gateway.settle()
    assert (gateway.bot.sent, gateway.rasa.received) == ([], [])
    assert grown(before) == {}


async def test_a_repeated_update_id_is_answered_once(gateway):
    for _ in range(3):
        await deliver(gateway, tg_text(7, "hi"))
    assert (len(gateway.bot.sent), len(gateway.rasa.received)) == (1, 1)


async def test_a_reused_update_id_with_other_text_is_skipped(gateway):
    await deliver(gateway, tg_text(7, "hi"))
    await deliver(gateway, tg_text(7, "<script>other</script>"))
    assert [t["message"] for t in gateway.rasa.received] == ["hi"]


async def test_the_same_update_at_once_is_answered_once(gateway):
    await asyncio.gather(
        *(
            gateway.client.post(URL, data=json_bytes(tg_text(9, "hi")), headers=HEADERS)
            for _ in range(5)
        )
    )
    await gateway.settle()
    assert (len(gateway.bot.sent), stored()["inbox_message"]) == (1, 1)


async def test_a_cantonese_speaker_gets_cantonese_notices(gateway):
    await deliver(gateway, tg_text(1, "你好"))
    await deliver(gateway, tg_text(2, ""))
    await deliver(gateway, tg_text(3, "好" * 2_001))
    assert [m["visible"] for m in gateway.bot.sent[1:]] == [
        render("gateway_please_type", "yue").text,
        render("gateway_too_long", "yue", limit=2000).text,
    ]
