"""Answering pathway questions from the knowledge base."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, in_db, user_language
from cld import hkbm
from cld import services as profile_services
from locales import format_date, render
from pathways_kb import services
from pathways_kb.services import Answer, EntryCard

# A message NLU was unsure about is answered only on a clearly stronger match.
FALLBACK_MIN_SCORE = services.MIN_SCORE * 2


def entry_button(card: EntryCard) -> dict[str, str]:
    """A button that opens one entry (its payload names the entry, never text)."""
    return {
        "title": card.title,
        "payload": "/ask_pathway"
        + json.dumps({"entry_id": card.id}, separators=(",", ":")),
    }


def _notes(card: EntryCard, lang: str, today: date) -> str:
    notes = ""
    if not card.verified:
        notes += render("kb_note_unverified", lang).text
    if card.review_due(today):
        notes += render(
            "kb_note_review_due", lang, as_of=format_date(card.as_of, lang)
        ).text
    return notes


def say_answer(
    dispatcher: CollectingDispatcher, result: Answer, lang: str
) -> list[EventType]:
    """Utter an answer, a clarifying question, or an honest "not yet"."""
    if result.entry is not None:
        card = result.entry
        dispatcher.utter_message(
            response="utter_pathway_answer",
            title=card.title,
            answer=card.answer,
            notes=_notes(card, lang, date.today()),
            source_title=card.source_title,
            source_url=card.source_url,
            as_of=format_date(card.as_of, lang),
            buttons=[entry_button(c) for c in result.related],
        )
        return [SlotSet("last_entry_id", card.id)]
    if result.choices:
        dispatcher.utter_message(
            response="utter_pathway_clarify",
            buttons=[entry_button(c) for c in result.choices],
        )
        return []
    dispatcher.utter_message(response="utter_no_answer_yet")
    return []


def _answer_and_log(
    session: Any,
    *,
    channel: str,
    sender: str,
    lang: str,
    entry_id: str | None = None,
    **question: Any,
) -> Answer:
    """The answer for an entry (a button) or a question, and, when an entry
    answered, a note of which (HKBM evidence, Benchmarks 3 and 9; never the words):
    one transaction."""
    if entry_id is not None:
        result = services.entry_answer(session, entry_id=entry_id, lang=lang)
    else:
        result = services.answer(session, lang=lang, **question)
    if result.entry is not None:
        profile = profile_services.ensure_profile(
            session, channel=channel, channel_user_id=sender
        )
        hkbm.log_question(
            session,
            profile_id=profile.id,
            entry_id=result.entry.id,
            area=result.entry.area,
            lang=lang,
        )
    return result


async def answer_logged(
    tracker: Tracker, lang: str, *, entry_id: str | None = None, **question: Any
) -> Answer:
    """`_answer_and_log` for the person of `tracker`, off the event loop.

    `question` is `services.answer`'s: question, audience and, optionally, min_score.
    """
    return await in_db(
        _answer_and_log,
        channel=channel_of(tracker),
        sender=tracker.sender_id,
        lang=lang,
        entry_id=entry_id,
        **question,
    )


def _entry_id(tracker: Tracker) -> str | None:
    entities: list[dict[str, Any]] = tracker.latest_message.get("entities") or []
    return next(
        (str(e["value"]) for e in entities if e.get("entity") == "entry_id"), None
    )


class ActionAnswerPathwayQuestion(Action):
    """Answer a pathway question from the knowledge base, with its source and date.

    Runs on intent `ask_pathway` (stories/pathways_rules.yml).
    """

    def name(self) -> str:
        return "action_answer_pathway_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = user_language(tracker)
        entry_id = _entry_id(tracker)
        question = tracker.latest_message.get("text") or ""
        if entry_id:
            result = await answer_logged(tracker, lang, entry_id=entry_id)
        elif question.startswith("/"):  # the menu button: no question yet
            dispatcher.utter_message(response="utter_ask_pathway_question")
            return []
        else:
            result = await answer_logged(
                tracker, lang, question=question, audience=tracker.get_slot("role")
            )
        return say_answer(dispatcher, result, lang)


class ActionAnswerOrFallback(Action):
    """When NLU is unsure, answer from the knowledge base on a strong match only.

    Runs on `nlu_fallback` (stories/core_rules.yml); otherwise says what it can do.
    """

    def name(self) -> str:
        return "action_answer_or_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = user_language(tracker)
        question = tracker.latest_message.get("text") or ""
        result = await answer_logged(
            tracker,
            lang,
            question=question,
            audience=tracker.get_slot("role"),
            min_score=FALLBACK_MIN_SCORE,
        )
        if result.entry is None:
            dispatcher.utter_message(response="utter_fallback")
            return []
        return say_answer(dispatcher, result, lang)
