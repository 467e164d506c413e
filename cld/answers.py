"""Checking a young person's roadmap answers: plain functions, no database.

Each check returns the cleaned value, or raises AnswerError with a reason code that
the action turns into a friendly re-prompt in the person's language.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MAX_ANSWER_CHARS = 500
MAX_YEARS_AHEAD = 5

STAGES = ("s3", "s4", "s5", "s6", "dse_candidate", "post_secondary", "working", "neet")
# What people type for each stage (lower-cased, spaces removed).
_STAGE_WORDS = {
    "s3": ["s3", "f3", "中三", "form3", "secondary3"],
    "s4": ["s4", "f4", "中四", "form4", "secondary4"],
    "s5": ["s5", "f5", "中五", "form5", "secondary5"],
    "s6": ["s6", "f6", "中六", "form6", "secondary6"],
    "dse_candidate": [
        "dse",
        "dsecandidate",
        "考dse",
        "文憑試考生",
        "重考",
        "自修生",
        "repeater",
    ],
    "post_secondary": [
        "postsecondary",
        "university",
        "uni",
        "college",
        "ive",
        "hd",
        "ad",
        "degree",
        "大學",
        "大專",
        "讀緊大學",
        "讀緊ive",
        "副學士",
        "高級文憑",
        "專上",
    ],
    "working": [
        "working",
        "work",
        "job",
        "返工",
        "返緊工",
        "做嘢",
        "工作",
        "打工",
        "做緊嘢",
    ],
    "neet": [
        "neet",
        "notinschool",
        "nothing",
        "free",
        "gapyear",
        "冇返學",
        "冇讀書冇做嘢",
        "待業",
        "冇做嘢",
        "休息緊",
        "gap",
    ],
}
_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_CHINESE_DIGITS = {
    "一": 1,
    "二": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "十一": 11,
    "十二": 12,
}


class AnswerError(ValueError):
    """An answer that cannot be used; `reason` names why (for the re-prompt)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _has_words(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in ("L", "N") for ch in text)


def free_text(text: str | None) -> str:
    """A personal answer: not empty, not only emoji or symbols, at most 500 chars."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        raise AnswerError("empty")
    if not _has_words(cleaned):
        raise AnswerError("no_words")
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise AnswerError("too_long")
    return cleaned


def stage(text: str | None) -> str:
    """The person's current stage, from a button value or what they typed."""
    raw = (text or "").strip().casefold()
    if raw in STAGES:
        return raw
    squashed = re.sub(r"[\s\-_./]", "", raw)
    for code, words in _STAGE_WORDS.items():
        if squashed in words:
            return code
    for code, words in _STAGE_WORDS.items():
        if any(len(w) >= 2 and w in squashed for w in words):
            return code
    raise AnswerError("unknown_stage")


@dataclass(frozen=True)
class Month:
    """A target month."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, value: str) -> "Month":
        """From "YYYY-MM"."""
        year, month = value.split("-")
        return cls(int(year), int(month))


def _read_month(text: str, today: date) -> Month | None:
    t = unicodedata.normalize("NFKC", text).casefold().strip()
    if m := re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", t):
        return Month(int(m[1]), int(m[2]))
    if m := re.fullmatch(r"(\d{1,2})\s*[-/.]\s*(\d{4})", t):
        return Month(int(m[2]), int(m[1]))
    if m := re.fullmatch(r"(\d{1,2})\s*/\s*(\d{2})", t):
        return Month(2000 + int(m[2]), int(m[1]))
    named = re.fullmatch(r"([a-z]+)\.?\s*,?\s*(\d{4})", t)
    if named and named[1] in _MONTH_NAMES:
        return Month(int(named[2]), _MONTH_NAMES[named[1]])
    if (m := re.fullmatch(r"(\d{4})\s+([a-z]+)", t)) and m[2] in _MONTH_NAMES:
        return Month(int(m[1]), _MONTH_NAMES[m[2]])
    if m := re.fullmatch(
        r"(今年|明年|後年)?\s*(\d{1,2}|[一二兩三四五六七八九十]{1,2})\s*月", t
    ):
        offset = {"今年": 0, "明年": 1, "後年": 2}.get(m[1] or "")
        number = int(m[2]) if m[2].isdigit() else _CHINESE_DIGITS.get(m[2], 0)
        if offset is None:  # "9月": the next September
            offset = 0 if number >= today.month else 1
        return Month(today.year + offset, number)
    if (m := re.fullmatch(r"(this|next)\s+([a-z]+)", t)) and m[2] in _MONTH_NAMES:
        number = _MONTH_NAMES[m[2]]
        year = today.year + (1 if m[1] == "next" or number < today.month else 0)
        return Month(year, number)
    if t in ("next month", "下個月"):
        return Month(today.year + today.month // 12, today.month % 12 + 1)
    return None


def target_month(text: str | None, *, today: date) -> Month:
    """A milestone month: this month up to 5 years ahead."""
    month = _read_month(text or "", today)
    if month is None or not 1 <= month.month <= 12:
        raise AnswerError("unreadable_month")
    if (month.year, month.month) < (today.year, today.month):
        raise AnswerError("month_in_past")
    if (month.year, month.month) > (today.year + MAX_YEARS_AHEAD, today.month):
        raise AnswerError("month_too_far")
    return month


PRIORITIES = ("cost", "time", "location", "family")
_PRIORITY_WORDS = {
    "cost": (
        "cost",
        "money",
        "fee",
        "price",
        "afford",
        "cheap",
        "錢",
        "平",
        "學費",
        "費用",
        "貴",
    ),
    "time": (
        "time",
        "year",
        "long",
        "quick",
        "duration",
        "時間",
        "幾耐",
        "年期",
        "幾快",
    ),
    "location": (
        "location",
        "near",
        "far",
        "travel",
        "distance",
        "地點",
        "近",
        "遠",
        "交通",
    ),
    "family": (
        "family",
        "parent",
        "mum",
        "mom",
        "dad",
        "expect",
        "expected",
        "expectation",
        "屋企人",
        "家人",
        "父母",
        "媽",
        "爸",
        "期望",
    ),
}


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    """True if `text` has one of `words`: whole English words, Chinese anywhere."""
    for word in words:
        if word.isascii():
            if re.search(rf"\b{re.escape(word)}(s|es)?\b", text):
                return True
        elif word in text:
            return True
    return False


def priorities(values: list[str] | str | None) -> list[str]:
    """What matters in the choice: known keys found, else the person's own words."""
    items = [values] if isinstance(values, str) else list(values or [])
    found: list[str] = []
    own_words: list[str] = []
    for item in items:
        if item in PRIORITIES:
            found.append(item)
            continue
        text = free_text(item)
        lowered = text.casefold()
        keys = [k for k, words in _PRIORITY_WORDS.items() if _mentions(lowered, words)]
        found.extend(keys)
        if not keys:
            own_words.append(text)
    unique = list(dict.fromkeys(found))
    if not unique and not own_words:
        raise AnswerError("empty")
    return unique + own_words


_DONE_WORDS = {
    "done",
    "that's all",
    "thats all",
    "that is all",
    "no more",
    "finish",
    "finished",
    "enough",
    "nothing else",
    "冇喇",
    "冇啦",
    "夠喇",
    "夠啦",
    "完成",
    "得喇",
    "冇其他",
    "唔使喇",
    "就咁多",
    "done la",
    "ok done",
}


def says_done(text: str | None) -> bool:
    """True when the person says the list is complete ("done", "夠喇")."""
    typed = (text or "").replace("\u2019", "'").replace("\u2018", "'")
    cleaned = " ".join(typed.casefold().split()).strip(" .!。！~")
    return cleaned in _DONE_WORDS


_QUESTION_CUES = re.compile(
    r"[?？]|咩|點樣|點解|幾多|幾時|幾錢|係咪|係唔係|可唔可以|有冇|邊度|邊間|嗎|呢$"
    r"|\b(what|how|when|where|which|why|who|is it|can i|do i|does|should i|tell me)\b",
    re.IGNORECASE,
)


def looks_like_question(text: str | None) -> bool:
    """True for a message that reads as a question rather than an answer."""
    return bool(_QUESTION_CUES.search(text or ""))
