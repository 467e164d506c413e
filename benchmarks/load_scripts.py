"""What the simulated users of the load benchmark say, turn by turn.

Our users mix knowledge-base questions (English, Cantonese, mixed; the evaluation
set of benchmarks/kb_retrieval.py) with filling a roadmap (the answers of
tests/conversations/test_roadmap.yml, months moved to the near future). Baseline
users say what a plain `rasa init` bot understands. Every script is seeded, so
two runs send the same turns.
"""

from __future__ import annotations

import calendar
import random
from dataclasses import dataclass
from datetime import date

from benchmarks.kb_retrieval import load_questions

GROUPS = ("en", "zh", "mixed")
CYCLE = 10  # the long conversation repeats a cycle of this many turns
STAGE_BUTTON = 3  # "S6" / "中六" in utter_ask_rm_stage


@dataclass(frozen=True)
class Step:
    """One turn: typed text, or the offered button at `button` when there is one."""

    text: str
    button: int | None = None


def _month(today: date, ahead: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + ahead
    return index // 12, index % 12 + 1


def roadmap_steps(lang: str, today: date) -> list[Step]:
    """The 17 turns of a full roadmap in `lang` ("en" | "yue"), first to last."""
    (y1, m1), (y2, m2) = _month(today, 2), _month(today, 4)
    if lang == "en":
        answers = [
            "build my roadmap",
            Step("I'm in S6", button=STAGE_BUTTON),
            "I like drawing and games",
            "patient and good at art",
            "helping people and being creative",
            "cost and family",
            "HD in design then a degree",
            "visit the HKDI info day",
            "become a game artist",
            "apply to HKDI",
            f"{y1}-{m1:02d}",
            "finish my portfolio",
            f"{calendar.month_name[m2]} {y2}",
            "get ready for the interview",
            "next month",
            "done",
            "my art teacher and my mum",
        ]
    else:
        answers = [
            "我想整生涯規劃",
            Step("中六", button=STAGE_BUTTON),
            "鍾意打機同畫畫",
            "我好有耐性",
            "幫到人",
            "錢同屋企人意見",
            "想讀設計高級文憑再升學位",
            "去HKDI開放日",
            "做遊戲美術師",
            "交HKDI申請",
            f"{y1}年{m1}月",
            "完成作品集",
            f"{y2}年{m2}月",
            "準備面試",
            "下個月",
            "夠喇",
            "班主任同阿媽",
        ]
    return [a if isinstance(a, Step) else Step(a) for a in answers]


def kb_questions() -> dict[str, list[str]]:
    """Young people's questions from the evaluation set, by language group."""
    found: dict[str, list[str]] = {g: [] for g in GROUPS}
    for question in load_questions():
        if question.audience == "youth" and question.group in found:
            found[question.group].append(question.text)
    return found


def ours_scripts(users: int, turns: int, *, seed: int, today: date) -> list[list[Step]]:
    """`users` scripts of `turns` turns: even users fill a roadmap (English and
    Cantonese in turn) between questions, odd users only ask questions."""
    rng = random.Random(seed)
    questions = kb_questions()
    scripts = []
    for user in range(users):
        groups = GROUPS[user % 3 :] + GROUPS[: user % 3]
        asked = [Step(rng.choice(questions[groups[n % 3]])) for n in range(turns)]
        if user % 2 == 0:
            lang = "en" if user % 4 == 0 else "yue"
            script = asked[:1] + roadmap_steps(lang, today) + asked[1:]
        else:
            script = asked
        scripts.append(script[:turns])
    return scripts


def ours_long(turns: int, *, seed: int, today: date) -> list[Step]:
    """One conversation of `turns` turns: a cycle of 10 questions (4 English, 3
    Cantonese, 3 mixed), so turns 1-10 and the last 10 ask the same, with a full
    roadmap in the middle."""
    rng = random.Random(seed)
    questions = kb_questions()
    cycle = (
        rng.sample(questions["en"], 4)
        + rng.sample(questions["zh"], 3)
        + rng.sample(questions["mixed"], 3)
    )
    script = [Step(cycle[n % CYCLE]) for n in range(turns)]
    roadmap = roadmap_steps("en", today)
    start = turns // 3
    if start >= CYCLE and start + len(roadmap) <= turns - CYCLE:
        script[start : start + len(roadmap)] = roadmap
    return script


BASELINE_SAYS = {
    "greet": ["hi", "hello", "hey", "good morning"],
    "mood_great": ["I'm great", "amazing", "I am feeling very good", "perfect"],
    "mood_unhappy": ["I'm sad", "not good", "I am disappointed", "very sad"],
    "affirm": ["yes", "of course", "indeed"],
    "deny": ["no", "never", "not really"],
    "bot_challenge": ["are you a bot?", "am I talking to a human?"],
    "goodbye": ["bye", "goodbye", "see you later"],
}
BASELINE_DIALOGUES = (
    ("greet", "mood_great"),
    ("greet", "mood_unhappy", "affirm"),
    ("greet", "mood_unhappy", "deny"),
    ("bot_challenge",),
    ("goodbye",),
)
BASELINE_CYCLE = (
    "hi",
    "I'm great",
    "hello",
    "I'm sad",
    "yes",
    "hey",
    "very sad",
    "no",
    "are you a bot?",
    "bye",
)


def baseline_scripts(users: int, turns: int, *, seed: int) -> list[list[Step]]:
    """`users` scripts of `turns` turns of rasa init's dialogues, chosen at random."""
    rng = random.Random(seed)
    scripts = []
    for _user in range(users):
        script: list[Step] = []
        while len(script) < turns:
            for intent in rng.choice(BASELINE_DIALOGUES):
                script.append(Step(rng.choice(BASELINE_SAYS[intent])))
        scripts.append(script[:turns])
    return scripts


def baseline_long(turns: int) -> list[Step]:
    """One conversation of `turns` turns repeating rasa init's 10-turn cycle."""
    return [Step(BASELINE_CYCLE[n % CYCLE]) for n in range(turns)]
