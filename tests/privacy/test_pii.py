"""Masking of HKID numbers, phone numbers and emails in what people type."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cld import pii

LOCALES = Path(__file__).resolve().parents[2] / "locales"


@pytest.mark.parametrize(
    ("typed", "masked"),
    [
        # HKID numbers: one or two letters, six digits, a check digit or A
        ("my id is A123456(7)", "my id is [HKID]"),
        ("A1234567", "[HKID]"),
        ("AB123456(A)", "[HKID]"),
        ("ab123456a", "[HKID]"),
        ("a123456(7)", "[HKID]"),
        ("A123456 (7)", "[HKID]"),
        ("A 123456(7)", "[HKID]"),
        ("Z683475(3) is mine", "[HKID] is mine"),
        ("我身份證係Y1234567", "我身份證係[HKID]"),
        ("身份證A123456（7）", "身份證[HKID]"),
        ("XY 987654 ( 3 )", "[HKID]"),
        ("HKID: C668668(0).", "HKID: [HKID]."),
        # Hong Kong phone numbers: eight digits starting 2-9
        ("call me 9123 4567", "call me [phone]"),
        ("91234567", "[phone]"),
        ("6123-4567", "[phone]"),
        ("+852 6123-4567", "[phone]"),
        ("+85291234567", "[phone]"),
        ("852 9123 4567", "[phone]"),
        ("00852 5123 4567", "[phone]"),
        ("(852) 2123 4567", "[phone]"),
        ("（852）3123 4567", "[phone]"),
        ("+852-9123-4567", "[phone]"),
        ("電話：91234567", "電話：[phone]"),
        ("我個電話係 5123 4567 呀", "我個電話係 [phone] 呀"),
        ("home 2123-4567, mobile 9876 5432", "home [phone], mobile [phone]"),
        ("whatsapp me on 81234567!", "whatsapp me on [phone]!"),
        ("4123 4567", "[phone]"),
        # Emails
        ("amy.wong@example.com", "[email]"),
        ("email me at amy.wong+jobs@mail.example.hk ok", "email me at [email] ok"),
        ("我嘅email係 chan_tai_man99@gmail.com", "我嘅email係 [email]"),
        ("AMY@EXAMPLE.ORG.HK.", "[email]."),
        # Several at once
        (
            "Amy, A123456(7), 9123 4567, amy@example.com",
            "Amy, [HKID], [phone], [email]",
        ),
    ],
)
def test_identifiers_are_masked(typed, masked):
    assert pii.mask(typed) == masked


@pytest.mark.parametrize(
    "typed",
    [
        "I got 5** in maths in DSE 2025",
        "the 2024-2025 school year",
        "from 2023 2024 to now",
        "fees are HK$42,100 a year",
        "HK$12345678",
        "tuition $91234567 total",
        "is JS1234 a good programme?",
        "JS6456 or JS1002",
        "12345678",
        "1234 5678",
        "call 999 now",
        "18111 is the mental health hotline",
        "Samaritan Befrienders: 2389 2222",
        "The Samaritans +852 2896 0000",
        "2382 0000",
        "Enquiry hotline: 2112 9932",
        "SMS 9101 2012",
        "about 30 minutes at 10:30",
        "my score is 27, my GPA 3.5",
        "2025年7月14日放榜",
        "9123456",  # seven digits
        "912345678",  # nine digits
        "1234-5678",
        "a sum of 9,123,456.78",
        "amy at example dot com",
        "@pathpal_bot",
        "unit YSC01",
        "S6 / form 6",
        "A12345",  # too short for an HKID
        "I love 2 things",
    ],
)
def test_ordinary_text_is_left_alone(typed):
    assert pii.mask(typed) == typed


def test_has_identifier():
    assert pii.has_identifier("ring 9123 4567")
    assert not pii.has_identifier("ring the hotline 18111")


def _phone_shaped(text: str) -> list[str]:
    found = re.findall(r"(?<!\d)[2-9]\d{3}[ -]?\d{4}(?!\d)", text)
    return [re.sub(r"\D", "", number) for number in found]


@pytest.mark.parametrize("lang", ["en", "yue"])
def test_every_number_the_bot_sends_is_public(lang):
    raw = (LOCALES / f"{lang}.yml").read_text(encoding="utf-8")
    messages = yaml.safe_load(raw)
    texts = [v if isinstance(v, str) else v.get("text", "") for v in messages.values()]
    numbers = {n for text in texts for n in _phone_shaped(text)}
    assert numbers and numbers <= pii.PUBLIC_NUMBERS
