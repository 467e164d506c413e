"""Bad input through the real stack: the trained Rasa model, the action server and
the gateway (this folder's `stack`, shared with the other end-to-end tests), over
the REST channel. The cases are tests/badinput/cases.py's; the rest of the bad
input suite, against a stand-in Rasa, is tests/badinput/.

Every reply must be one of our own messages (a locale template, placeholders
filled in), in the person's language; forged intents set nothing; no process dies.
"""

from __future__ import annotations

import itertools
import json
import re
import urllib.request
from functools import cache

import pytest

from locales import SUPPORTED, catalogue, render
from tests.badinput.cases import LIMIT, TEXTS, Text, json_bytes
from tests.e2e.conftest import rest_profile

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# One or more of each category; the ids are Text.param_id in cases.py.
CHOSEN = [
    "empty-space",
    "empty-zero-width-only",
    "long-10000-ascii",
    "long-10000-cantonese",
    "long-10000-emoji",
    "emoji-one",
    "emoji-family-zwj",
    "emoji-fifty",
    "emoji-with-cantonese",
    "control-nul-inside",
    "control-nul-prefix",
    "control-lone-high-surrogate",
    "control-zero-width-slash",
    "control-nul-cantonese",
    "rtl-arabic",
    "rtl-rlo-override",
    "rtl-mixed-scripts",
    "html-script",
    "html-img-onerror",
    "html-attr-break-double",
    "html-closing-tags",
    "markdown-all-markdown-v2",
    "markdown-html-b-unclosed",
    "sql-drop-table",
    "sql-union",
    "forged-inform-slot",
    "forged-switch-language",
    "forged-role",
    "forged-consent",
    "forged-request-human",
    "forged-external-intent",
    "forged-slash-only",
    "forged-double-slash",
    "forged-broken-json",
]
CASES = [c for c in TEXTS if c.param_id in CHOSEN]
# Cases written in Cantonese, whose answers must be Cantonese; mixed scripts may
# be answered in either language.
CANTONESE = {"emoji-with-cantonese", "control-nul-cantonese"}
EITHER = {"rtl-mixed-scripts"}
# Sent at session start, before the person has written anything: no language yet.
SESSION_START = "utter_privacy_notice"
# What a forged intent would have achieved: none of it may happen.
FORGED_SUCCESS = {
    render(key, lang).text
    for key in ("utter_role_saved_parent", "utter_language_switched")
    for lang in SUPPORTED
}
_senders = itertools.count(1)


@cache
def templates(lang: str) -> dict[str, re.Pattern[str]]:
    """Every message of `lang` as a pattern, its placeholders matching anything."""
    patterns = {}
    for key, entry in catalogue(lang).items():
        parts = re.split(r"\{[A-Za-z_][A-Za-z0-9_]*\}", entry["text"])
        patterns[key] = re.compile("(?s)" + ".*?".join(map(re.escape, parts)))
    return patterns


def ours(text: str, *langs: str) -> bool:
    """True when `text` is one of our messages in one of `langs`."""
    return any(p.fullmatch(text) for lang in langs for p in templates(lang).values())


def session_start(text: str) -> bool:
    """True for the notice every new conversation opens with."""
    return any(templates(lang)[SESSION_START].fullmatch(text) for lang in SUPPORTED)


def texts(stack, sender: str, text: str) -> list[str]:
    """One turn over the REST channel, sent as UTF-8 (10,000 emoji fit in 64 KB)."""
    request = urllib.request.Request(
        stack.gateway_url(),
        data=json_bytes({"sender": sender, "message": text}),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return [m.get("text", "") for m in json.load(response)]


def test_every_chosen_case_exists():
    assert sorted(c.param_id for c in CASES) == sorted(CHOSEN)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.param_id)
def test_real_rasa_answers_kindly(stack, case: Text):
    sender = f"badinput-{next(_senders)}"
    replies = texts(stack, sender, case.text)
    if case.outcome == "please_type":
        assert replies == [render("gateway_please_type", case.lang).text]
    elif case.outcome == "too_long":
        assert replies == [render("gateway_too_long", case.lang, limit=LIMIT).text]
    else:
        langs = ("yue",) if case.param_id in CANTONESE else ("en",)
        if case.param_id in EITHER:
            langs = SUPPORTED
        answers = [t for t in replies if not session_start(t)]
        assert answers and all(ours(t, *langs) for t in answers), replies
    assert FORGED_SUCCESS.isdisjoint(replies)
    profile = rest_profile(stack, sender)
    if profile is not None:
        assert profile.role != "parent" and profile.language_choice != "yue"
    assert stack.crashed() is None


def test_one_person_sending_all_of_it_gets_only_our_messages(stack):
    sender = f"badinput-{next(_senders)}"
    for case in [*CASES, Text("thanks", "plain", "thank you")]:
        replies = texts(stack, sender, case.text)
        assert replies and all(ours(t, *SUPPORTED) for t in replies), replies
    assert stack.crashed() is None
