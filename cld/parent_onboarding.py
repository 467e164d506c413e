"""Understanding a parent's answers when they sign up for updates, and signing up.

Each check takes a button value or what the parent typed (English, Cantonese or
the mix) and returns the value `cld.parents` expects, or raises `AnswerError`
with a reason code that the form turns into a friendly re-prompt.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cld import parents, services, units
from cld.answers import AnswerError, free_text, says_done
from cld.parents import CHILD_STAGES, TOPICS, SubscriptionView

YES, NO = "yes", "no"
ALL, DONE, SKIP = "all", "done", "skip"

_PUNCTUATION = " .,!?~;:'\"()[]（）。，！？～、；：「」…"
# Sentence-final particles people add ("好呀", "sure la"); English ones after a space.
_PARTICLES = ("呀", "啊", "喇", "啦", "囉", "喎", " la", " lah", " ar", " a")
_YES_WORDS = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "ok",
    "okay",
    "sure",
    "agree",
    "i agree",
    "yes please",
    "yes i agree",
    "sign me up",
    "go ahead",
    "好",
    "好的",
    "好吖",
    "同意",
    "我同意",
    "可以",
    "得",
    "要",
    "係",
    "ok 好",
    "好 ok",
    "yes 好",
}
_NO_WORDS = {
    "no",
    "n",
    "nope",
    "no thanks",
    "no thank you",
    "not now",
    "maybe later",
    "later",
    "don't",
    "dont",
    "不用",
    "不要",
    "不了",
    "唔要",
    "唔好",
    "唔使",
    "唔洗",
    "唔需要",
    "唔同意",
    "不同意",
    "遲啲先",
    "算",
    "暫時唔使",
    "唔想",
}
# Any of these in a longer answer is a clear "no".
_NO_CUES = ("唔要", "唔想", "唔同意", "不同意", "don't want", "dont want", "no thanks")

_LANGUAGE_WORDS = {
    "en": ("en", "english", "eng", "英文", "英語"),
    "yue": (
        "yue",
        "cantonese",
        "canto",
        "chinese",
        "廣東話",
        "广东话",
        "中文",
        "粵語",
        "粤语",
        "繁體",
        "廣東",
    ),
}
_STAGE_WORDS = {
    "junior_secondary": (
        "junior secondary",
        "junior form",
        "lower form",
        "s1",
        "s2",
        "s3",
        "初中",
        "中一",
        "中二",
        "中三",
    ),
    "senior_secondary": (
        "senior secondary",
        "senior form",
        "s4",
        "s5",
        "s6",
        "dse",
        "高中",
        "中四",
        "中五",
        "中六",
        "文憑試",
    ),
    "post_secondary": (
        "post secondary",
        "post-secondary",
        "postsecondary",
        "university",
        "uni",
        "college",
        "degree",
        "higher diploma",
        "associate degree",
        "ive",
        "hkdi",
        "大學",
        "大專",
        "專上",
        "副學士",
        "高級文憑",
        "學位",
    ),
    "working": (
        "working",
        "work",
        "job",
        "jobs",
        "job hunting",
        "looking for work",
        "looking for a job",
        "unemployed",
        "返工",
        "返緊工",
        "做嘢",
        "做緊嘢",
        "工作",
        "搵工",
        "搵緊工",
        "打工",
        "待業",
        "出嚟做",
        "出咗嚟做",
    ),
    "other": (
        "other",
        "something else",
        "none of these",
        "gap year",
        "taking a break",
        "其他",
        "其它",
        "休息緊",
    ),
}
_TOPIC_WORDS = {
    "vpet": (
        "vpet",
        "vocational",
        "vocational education",
        "professional education",
        "vtc",
        "ive",
        "hkdi",
        "職業教育",
        "職業專才教育",
        "職專",
        "專業教育",
        "職訓",
        "職業訓練",
    ),
    "university": (
        "university",
        "uni",
        "degree",
        "jupas",
        "bachelor",
        "大學",
        "學位",
        "聯招",
        "升大",
    ),
    "working_holiday": (
        "working holiday",
        "working-holiday",
        "whs",
        "工作假期",
        "工假",
        "打工度假",
    ),
    "employment": (
        "employment",
        "job",
        "work",
        "career",
        "internship",
        "yetp",
        "就業",
        "搵工",
        "工作",
        "職位",
        "實習",
        "展翅",
        "返工",
        "事業",
    ),
    "parenting": (
        "parenting",
        "parent-child",
        "family",
        "親子",
        "家庭",
        "管教",
        "教養",
        "育兒",
        "溝通",
    ),
}
_ALL_WORDS = {"all": ("all", "everything", "全部", "所有", "晒")}
_SKIP_WORDS = {
    "skip",
    "no",
    "none",
    "no code",
    "n/a",
    "na",
    "don't know",
    "dont know",
    "not sure",
    "i don't have one",
    "i dont have one",
    "don't have one",
    "跳過",
    "略過",
    "冇",
    "無",
    "冇編號",
    "唔知",
    "唔記得",
    "唔使",
    "冇呀",
    "skip 咗佢",
}
# "F.5", "form 5", "secondary 5" are all "s5" (\b would fail next to Chinese).
_FORM_NUMBER = re.compile(
    r"(?<![a-z0-9])(?:s|f|form|sec|secondary)\s*[.\-]?\s*([1-6])(?![0-9])"
)


def _normal(text: str) -> str:
    """Lower-cased, full-width folded, single-spaced, without edge punctuation."""
    typed = unicodedata.normalize("NFKC", text).replace("\u2019", "'")
    return " ".join(typed.casefold().split()).strip(_PUNCTUATION)


def _without_particle(text: str) -> str:
    for particle in _PARTICLES:
        trimmed = text.removesuffix(particle).strip(_PUNCTUATION)
        if trimmed != text and trimmed:
            return trimmed
    return text


def _find(text: str, table: dict[str, tuple[str, ...]]) -> list[str]:
    """Keys of `table` whose words appear in `text`, longest words first.

    English words match whole (an "s" or "es" may follow); Chinese anywhere. A
    matched word is blanked out, so "工作假期" is not also "工作".
    """
    remaining = _FORM_NUMBER.sub(lambda m: f"s{m[1]}", _normal(text))
    words = sorted(
        ((w, key) for key, ws in table.items() for w in ws), key=lambda p: -len(p[0])
    )
    found: list[str] = []
    for word, key in words:
        pattern = (
            rf"(?<![a-z0-9]){re.escape(word)}(?:s|es)?(?![a-z0-9])"
            if word.isascii()
            else re.escape(word)
        )
        if re.search(pattern, remaining):
            remaining = re.sub(pattern, " ", remaining)
            if key not in found:
                found.append(key)
    return found


def _one_item(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = next((v for v in value if v), "")
    return str(value or "")


def consent(value: Any) -> str:
    """YES or NO: a button value, or a clear yes or no in either language."""
    raw = _one_item(value)
    if raw in (YES, NO):
        return raw
    text = _normal(free_text(raw))
    for candidate in (text, _without_particle(text)):
        if candidate in _YES_WORDS:
            return YES
        if candidate in _NO_WORDS:
            return NO
    if any(cue in text for cue in _NO_CUES):
        return NO
    raise AnswerError("unknown_consent")


def language(value: Any) -> str:
    """ "en" or "yue": a button value, or the language named ("English", "中文")."""
    raw = _one_item(value)
    if raw in parents.LANGUAGES:
        return raw
    found = _find(free_text(raw), _LANGUAGE_WORDS)
    if len(found) != 1:
        raise AnswerError("unknown_language")
    return found[0]


def suggested_language(choice: str | None, detected: str | None) -> str:
    """The language to offer first: the person's own choice, else what they write."""
    for lang in (choice, detected):
        if lang in parents.LANGUAGES:
            return str(lang)
    return parents.LANGUAGES[0]


def child_stage(value: Any) -> str:
    """One of CHILD_STAGES: a button value, or a stage described ("S5", "讀緊大學")."""
    raw = _one_item(value)
    if raw in CHILD_STAGES:
        return raw
    found = _find(free_text(raw), _STAGE_WORDS)
    if len(found) != 1:
        raise AnswerError("unknown_stage")
    return found[0]


def topics_in(text: str) -> tuple[str, ...]:
    """The topics a message names ("vpet and university", "大學同職業教育")."""
    found = set(_find(text, _TOPIC_WORDS))
    return tuple(t for t in TOPICS if t in found)


@dataclass(frozen=True)
class TopicPick:
    """Topics chosen so far, and whether the parent has finished choosing."""

    chosen: tuple[str, ...]
    finished: bool


def pick_topics(value: Any, *, chosen: list[str] | tuple[str, ...]) -> TopicPick:
    """Add what the parent tapped or typed to the topics chosen before.

    "All of these" chooses every topic; "Done" finishes once there is one.
    """
    items = [value] if isinstance(value, str) else [str(v) for v in value or []]
    so_far = set(chosen) & set(TOPICS)
    if not items:
        raise AnswerError("empty")
    for item in items:
        if item == ALL:
            return TopicPick(TOPICS, finished=True)
        if item in TOPICS:
            so_far.add(item)
            continue
        if item == DONE or says_done(item):
            if not so_far:
                raise AnswerError("no_topics")
            return TopicPick(tuple(t for t in TOPICS if t in so_far), finished=True)
        text = free_text(item)
        named = topics_in(text)
        if not named and _find(text, _ALL_WORDS):
            return TopicPick(TOPICS, finished=True)
        if not named:
            raise AnswerError("unknown_topic")
        so_far.update(named)
    ordered = tuple(t for t in TOPICS if t in so_far)
    return TopicPick(ordered, finished=len(ordered) == len(TOPICS))


def unit_answer(session: Session, *, value: Any) -> str:
    """A known unit's code, or SKIP when the parent has none or skips."""
    raw = _one_item(value)
    if raw == SKIP:
        return SKIP
    text = free_text(raw)
    normal = _normal(text)
    if normal in _SKIP_WORDS or _without_particle(normal) in _SKIP_WORDS:
        return SKIP
    candidates = [text] + [w for w in re.split(r"[\s,，。:：]+", text) if w]
    for candidate in candidates:
        unit = units.find_unit(session, code=candidate)
        if unit is not None:
            return unit.code
    raise AnswerError("unknown_unit")


def complete(
    session: Session,
    *,
    profile_id: int,
    language: str,
    child_stage: str,
    topics: list[str] | tuple[str, ...],
    unit: str | None,
) -> SubscriptionView:
    """Subscribe the parent with their consent, in their language, parent-first.

    Also remembers that they are a parent (so answers put parents' entries first)
    and that they chose this language for their replies.
    """
    view = parents.subscribe(
        session,
        profile_id=profile_id,
        language=language,
        child_stage=child_stage,
        topics=tuple(topics),
        unit_code=None if unit in (None, SKIP) else unit,
    )
    services.set_role(session, profile_id=profile_id, role="parent")
    services.save_language(
        session, profile_id=profile_id, language=language, choice=language
    )
    return view
