"""Roadmap answers are checked before they are kept."""

from __future__ import annotations

from datetime import date

import pytest

from cld.answers import AnswerError, Month, free_text, stage, target_month

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("🙂🙂🙂", "no_words"),
        ("!!!", "no_words"),
        ("a" * 501, "too_long"),
    ],
)
def test_unusable_free_text_says_why(text, reason):
    with pytest.raises(AnswerError) as raised:
        free_text(text)
    assert raised.value.reason == reason


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("  drawing  and music ", "drawing and music"),
        ("畫畫 🎨", "畫畫 🎨"),
        ("a" * 500, "a" * 500),
    ],
)
def test_usable_free_text_is_kept_tidy(text, kept):
    assert free_text(text) == kept


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("s6", "s6"),
        ("S3", "s3"),
        ("F.5", "s5"),
        ("中四", "s4"),
        ("我讀緊中六", "s6"),
        ("post_secondary", "post_secondary"),
        ("讀緊IVE", "post_secondary"),
        ("I'm working", "working"),
        ("返緊工", "working"),
        ("考緊DSE", "dse_candidate"),
        ("冇返學", "neet"),
    ],
)
def test_stage_is_understood(text, code):
    assert stage(text) == code


@pytest.mark.parametrize("text", ["", "banana", "🙂"])
def test_unknown_stage_is_refused(text):
    with pytest.raises(AnswerError, match="unknown_stage"):
        stage(text)


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2027-03", Month(2027, 3)),
        ("3/2027", Month(2027, 3)),
        ("03/27", Month(2027, 3)),
        ("March 2027", Month(2027, 3)),
        ("mar 2027", Month(2027, 3)),
        ("2027年3月", Month(2027, 3)),
        ("明年3月", Month(2027, 3)),
        ("3月", Month(2027, 3)),
        ("十二月", Month(2026, 12)),
        ("next march", Month(2027, 3)),
        ("next month", Month(2026, 12)),
        ("下個月", Month(2026, 12)),
        ("2026-11", Month(2026, 11)),
        ("2031-11", Month(2031, 11)),
    ],
)
def test_target_month_is_read(text, month):
    assert target_month(text, today=TODAY) == month


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2026-10", "month_in_past"),
        ("2020-01", "month_in_past"),
        ("2031-12", "month_too_far"),
        ("2040-01", "month_too_far"),
        ("soon", "unreadable_month"),
        ("2027-13", "unreadable_month"),
        ("", "unreadable_month"),
    ],
)
def test_bad_target_month_says_why(text, reason):
    with pytest.raises(AnswerError) as raised:
        target_month(text, today=TODAY)
    assert raised.value.reason == reason
