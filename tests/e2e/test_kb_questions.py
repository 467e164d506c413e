"""End to end: evaluation questions asked over the REST channel get the right entry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, select

from benchmarks.kb_retrieval import load_questions
from pathways_kb.models import EntryText

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
# Every 12th question: about 35 across English, Chinese and code-mixed.
SAMPLE = load_questions()[::12]


def _titles(stack) -> dict[tuple[str, str], str]:
    engine = create_engine(stack.env["APP_DB_URL"], future=True)
    with engine.connect() as conn:
        rows = conn.execute(select(EntryText.entry_id, EntryText.lang, EntryText.title))
        titles = {(entry_id, lang): title for entry_id, lang, title in rows}
    engine.dispose()
    return titles


def _answered(reply: dict, titles: dict, lang: str) -> set[str]:
    """The entry a reply answers with, known by the title it starts with."""
    text = reply.get("text", "")
    return {
        entry_id
        for (entry_id, entry_lang), title in titles.items()
        if entry_lang == lang and text.startswith(title + "\n")
    }


def _offered(reply: dict) -> set[str]:
    """Entries a reply offers as buttons (clarifying choices or follow-ups)."""
    prefix = "/ask_pathway"
    return {
        json.loads(b["payload"][len(prefix) :])["entry_id"]
        for b in reply.get("buttons") or []
        if b.get("payload", "").startswith(prefix + "{")
    }


def test_a_sample_of_questions_reaches_the_right_entry(stack, chat):
    """Right when the answer is the expected entry, or a clarifying question offers it."""
    titles = _titles(stack)
    right, wrong = 0, []
    for n, question in enumerate(SAMPLE):
        chat.sender = f"kb-sample-{n}"
        first = chat.say(question.text)[0]
        lang = "en" if question.group == "en" else "yue"
        answered = _answered(first, titles, lang)
        hit = (
            answered & question.answers
            if answered
            else _offered(first) & question.answers
        )
        if hit:
            right += 1
        else:
            wrong.append((question.text, sorted(question.answers), first["text"][:60]))
    assert len(SAMPLE) >= 30
    assert right / len(SAMPLE) >= 0.9, wrong
