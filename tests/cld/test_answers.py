"""Roadmap answers are checked before they are kept."""

from __future__ import annotations

from datetime import date

import pytest

from cld.answers import (
    AnswerError,
    Month,
    free_text,
    looks_like_question,
    priorities,
    says_done,
    stage,
    target_month,
)

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


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        ("cost and my family", ["cost", "family"]),
        ("money, and how long it takes", ["cost", "time"]),
        ("學費同屋企人期望", ["cost", "family"]),
        ("near home", ["location"]),
        ("交通", ["location"]),
        ("FAMILY", ["family"]),
    ],
)
def test_priorities_finds_the_keys_in_typed_words(value, keys):
    assert priorities(value) == keys


@pytest.mark.parametrize(
    ("value", "keys"),
    [
        (["cost"], ["cost"]),
        (["time", "cost"], ["time", "cost"]),
        (
            ["cost", "location", "family", "time"],
            ["cost", "location", "family", "time"],
        ),
        ("family", ["family"]),
    ],
)
def test_priorities_button_values_pass_through(value, keys):
    assert priorities(value) == keys


def test_priorities_names_each_key_once():
    assert priorities(["cost", "the fees", "money"]) == ["cost"]


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("my friends", ["my friends"]),
        ("  being with   friends ", ["being with friends"]),
        ("興趣", ["興趣"]),
        (["cost", "my friends"], ["cost", "my friends"]),
    ],
)
def test_priorities_keeps_own_words_when_no_key_is_found(value, kept):
    assert priorities(value) == kept


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("🙂🙂", "no_words"),
        (["cost", "👍"], "no_words"),
        ("a" * 501, "too_long"),
    ],
)
def test_priorities_refuses_an_unusable_answer(value, reason):
    with pytest.raises(AnswerError) as raised:
        priorities(value)
    assert raised.value.reason == reason


@pytest.mark.parametrize("value", [None, []])
def test_priorities_refuses_no_answer_at_all(value):
    with pytest.raises(AnswerError, match="empty"):
        priorities(value)


@pytest.mark.parametrize("value", ["I feel unsure", "minimum grades", "快樂最重要"])
def test_priorities_does_not_find_keys_inside_other_words(value):
    assert priorities(value) == [value]


@pytest.mark.parametrize(
    "text",
    [
        "done",
        "Done!",
        "DONE.",
        " done ",
        "夠喇",
        "夠喇！",
        "冇喇",
        "that's all",
        "ok done",
    ],
)
def test_says_done_when_the_list_is_complete(text):
    assert says_done(text) is True


@pytest.mark.parametrize(
    "text",
    ["done with school", "not done", "apply to HKDI", "夠錢讀書", "", None],
)
def test_says_done_not_for_an_answer(text):
    assert says_done(text) is False


def test_says_done_with_a_typographic_apostrophe():
    assert says_done("That\u2019s all") is True


@pytest.mark.parametrize(
    "text",
    [
        "HD 係咩",
        "what is jupas",
        "點樣報IVE？",
        "How much is HD",
        "IVE 幾錢",
        "可唔可以讀 HD",
        "jupas?",
    ],
)
def test_looks_like_question_for_a_question(text):
    assert looks_like_question(text) is True


@pytest.mark.parametrize(
    "text",
    ["I like drawing", "鍾意畫畫", "apply to HKDI", "somehow ok", "", None],
)
def test_looks_like_question_not_for_an_answer(text):
    assert looks_like_question(text) is False
