"""Decide which language (English or Cantonese) each reply is written in.

Order of evidence: the user's own saved choice; then the script of the message
(any Han character means a Chinese reader, and we answer in written Cantonese);
then romanised-Cantonese and English word cues; langdetect only for longer
Latin-script text, where it is reliable. Short, ambiguous messages ("ok", "HD",
"3322") keep the language of the conversation so far.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml

Lang = Literal["en", "yue"]
SUPPORTED: tuple[Lang, ...] = ("en", "yue")
DEFAULT: Lang = "en"

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")

CUES_FILE = Path(__file__).with_name("language_cues.yml")
_ROMANISED_THRESHOLD = 2
_LANGDETECT_MIN_CHARS = 20


def has_han(text: str) -> bool:
    """True when the text contains at least one Chinese character."""
    return _HAN.search(text) is not None


def _latin_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _WORD.findall(folded)


@dataclass(frozen=True)
class _Cues:
    phrases: tuple[str, ...]
    romanised_only: frozenset[str]
    romanised_weak: frozenset[str]
    english: frozenset[str]


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    raw = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    return _Cues(
        phrases=tuple(raw["romanised_phrases"]),
        romanised_only=frozenset(raw["romanised_only"].split()),
        romanised_weak=frozenset(raw["romanised_weak"].split()),
        english=frozenset(raw["english"].split()),
    )


def _romanised_score(words: list[str]) -> int:
    cues = _cues()
    joined = " " + " ".join(words) + " "
    score = sum(3 for p in cues.phrases if f" {p} " in joined)
    score += sum(3 for w in words if w in cues.romanised_only)
    score += sum(1 for w in words if w in cues.romanised_weak and w not in cues.english)
    return score


@lru_cache(maxsize=1)
def _langdetect_factory():  # type: ignore[no-untyped-def]
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)  # deterministic: the same text always gets the same answer
    return factory


def _langdetect_is_english(text: str) -> bool | None:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    detector.append(text)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return None
    return bool(best.lang == "en" and best.prob >= 0.8)


def detect(text: str) -> Lang | None:
    """Language of one message, or None when the message gives no clear signal."""
    if not text or not text.strip():
        return None
    if has_han(text):
        return "yue"
    words = _latin_words(text)
    if not words:
        return None  # digits, emoji, punctuation only
    romanised = _romanised_score(words)
    english = sum(1 for w in words if w in _cues().english)
    if romanised >= _ROMANISED_THRESHOLD and romanised > english:
        return "yue"
    if english:
        return "en"
    if len(text) >= _LANGDETECT_MIN_CHARS:
        is_english = _langdetect_is_english(text)
        if is_english:
            return "en"
        if is_english is False and romanised:
            return "yue"
        return "en" if is_english is None else None
    return None


def reply_language(
    text: str,
    *,
    choice: str | None = None,
    previous: str | None = None,
) -> Lang:
    """Reply language for `text`: saved choice > the message > the conversation."""
    if choice in SUPPORTED:
        return choice  # type: ignore[return-value]
    detected = detect(text)
    if detected is not None:
        return detected
    if previous in SUPPORTED:
        return previous  # type: ignore[return-value]
    return DEFAULT


def warm_up() -> None:
    """Load the word cues and langdetect's profiles now, not on a user's turn."""
    _cues()
    _langdetect_factory()
