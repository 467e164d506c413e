"""Typed text never reaches Rasa as an intent; only our commands, STOP and offered buttons do."""

from __future__ import annotations

import pytest

from bot.app import create_app
from bot.sanitize import clean_text, command_intent, neutralise, stop_intent
from tests.bot.conftest import settings_for, start_client


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ('/inform{"consent":"yes"}', 'inform{"consent":"yes"}'),
        ("//greet", "greet"),
        ("/ 你好", "你好"),
        ("hello /greet", "hello /greet"),
        ("你好", "你好"),
    ],
)
def test_leading_slash_is_neutralised(typed, sent):
    assert neutralise(typed) == sent


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("/start", "/greet"),
        ("/help", "/help"),
        ("/lang", "/switch_language"),
        ("/start@PathPalBot", "/greet"),
        ("/START", "/greet"),
        ('/start{"role":"admin"}', None),
        ("/inform", None),
        ("start", None),
        ("", None),
    ],
)
def test_only_our_commands_become_intents(typed, intent):
    assert command_intent(typed) == intent


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  hi  ", "hi"),
        ("a\x00b\x07c", "abc"),
        ("\u202eevil", "evil"),
        ("line1\nline2", "line1\nline2"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
    ],
)
def test_clean_text_drops_control_characters(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    "typed",
    [
        "STOP",
        "stop",
        " Stop! ",
        "stop.",
        "ＳＴＯＰ",
        "停止",
        "停止。",
        "取消訂閱",
        "取消订阅",
        "取消訂閱！",
        "unsubscribe",
        "UNSUBSCRIBE",
    ],
)
def test_stop_words_unsubscribe_whatever_nlu_would_guess(typed):
    assert stop_intent(typed) == "/unsubscribe_updates"


@pytest.mark.parametrize(
    "typed",
    ["/stop", "stop sending me jokes", "don't stop", "停止分享", "stopping", ""],
)
def test_only_a_whole_stop_message_unsubscribes(typed):
    assert stop_intent(typed) is None


def test_the_stop_command_still_pauses():
    assert command_intent("/stop") == "/pause_roadmap"


@pytest.mark.parametrize("typed", ["STOP", "停止", "取消訂閱"])
async def test_the_gateway_sends_stop_to_rasa_as_the_unsubscribe_intent(
    database, fake_rasa, typed
):
    client = await start_client(create_app(settings_for(fake_rasa)))
    try:
        await client.post(
            "/webhooks/rest/webhook", json={"sender": "amy", "message": typed}
        )
    finally:
        await client.close()
    assert fake_rasa.received[0]["message"] == "/unsubscribe_updates"
