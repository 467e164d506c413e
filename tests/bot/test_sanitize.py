"""Typed text never reaches Rasa as an intent; only our commands and offered buttons do."""

from __future__ import annotations

import pytest

from bot.sanitize import clean_text, command_intent, neutralise


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
