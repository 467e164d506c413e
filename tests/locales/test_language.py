"""Which language each reply is written in."""

from __future__ import annotations

import pytest

from locales.language import detect, reply_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("唔該", "yue"),
        ("我個仔想讀IVE", "yue"),
        ("想問 HD 同 degree 有咩分別", "yue"),
        ("hi 想問下", "yue"),
        ("请问副学士是什么", "yue"),
        ("hi", "en"),
        ("thanks a lot", "en"),
        ("what is the difference between HD and AD", "en"),
        ("m goi sai", "yue"),
        ("dim suen ar", "yue"),
        ("Could you explain how the Working Holiday Scheme quota works", "en"),
    ],
)
def test_detect(text, expected):
    assert detect(text) == expected


@pytest.mark.parametrize(
    "text",
    [  # keyword queries, no function words: langdetect read these as not English
        "canada working holiday age",
        "hkdi entry requirements",
        "admission scheme mainland deadline",
        "vtc central admission dates",
        "SEN student VTC support",
        "uk youth mobility scheme hong kong",
    ],
)
def test_keyword_queries_of_this_field_are_english(text):
    assert detect(text) == "en"


@pytest.mark.parametrize("text", ["", "   ", "3322", "👍", "???", "HD"])
def test_ambiguous_messages_give_no_signal(text):
    assert detect(text) is None


def test_saved_choice_wins_over_the_message():
    assert reply_language("你好", choice="en") == "en"


def test_ambiguous_message_keeps_the_conversation_language():
    assert reply_language("HD", previous="yue") == "yue"


def test_default_is_english():
    assert reply_language("3322") == "en"


def test_unknown_choice_is_ignored():
    assert reply_language("hello", choice="fr", previous="yue") == "en"
