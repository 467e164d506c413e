"""Validating roadmap answers one by one, and the questions that depend on them.

Each good answer is saved in the draft at once (nothing is lost if the chat
stops); a bad one gets a friendly re-prompt and the earlier answers stay. A
pathway question asked mid-form is answered, then the same question is asked
again.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Awaitable, Callable
from zoneinfo import ZoneInfo

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import entity_values, in_db, profile_of, user_language
from actions.pathways import answer_logged, entry_button, say_answer
from actions.roadmap_slots import DONE, MILESTONE_MONTH, MILESTONE_TEXT
from cld import answers, roadmaps, suggestions
from locales import render

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
INTENT_SYNTAX = re.compile(r"/?\w+\s*\{.*\}\s*", re.DOTALL)
SlotValue = Any
Check = Callable[[Any], Any]
Validator = Callable[..., Awaitable[dict[str, Any]]]


def today_in_hong_kong() -> datetime:
    """Now, on Hong Kong's calendar (milestone months are the person's months)."""
    return datetime.now(HONG_KONG)


async def answered_a_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, value: SlotValue
) -> bool:
    """Deal with a message that is not an answer; True if it was one.

    A pathway question is answered (and logged as HKBM evidence); a button or
    command meant for something else is passed over. Either way the form asks its
    question again.
    """
    text = tracker.latest_message.get("text") or ""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    lang = user_language(tracker)
    entry_ids = entity_values(tracker, "entry_id")
    if intent == "ask_pathway" and entry_ids:  # a knowledge-base button
        result = await answer_logged(tracker, lang, entry_id=entry_ids[0])
    elif text.startswith("/") or INTENT_SYNTAX.fullmatch(text):
        # A command, or intent syntax typed as text (the gateway drops its "/"):
        # not an answer unless it arrived as this question's button value.
        return value == text or value == [text]
    elif intent == "ask_pathway" and answers.looks_like_question(text):
        result = await answer_logged(
            tracker, lang, question=text, audience=tracker.get_slot("role")
        )
        if result.entry is None and not result.choices:
            return False
    else:
        return False
    say_answer(dispatcher, result, lang)
    return True


def _plain(slot: str, section: str, check: Check, doc: str) -> Validator:
    """A `validate_<slot>` method: check the answer with `check`, save it."""

    async def validate(
        self: "ValidateRoadmapForm",
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        return await self._checked(slot, section, check, value, dispatcher, tracker)

    validate.__name__ = f"validate_{slot}"
    validate.__doc__ = doc
    return validate


class ValidateRoadmapForm(FormValidationAction):
    """Check and save each roadmap answer.

    Runs on every turn of `roadmap_form` (domain.yml, stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "validate_roadmap_form"

    async def _save(self, tracker: Tracker, section: str, value: Any) -> None:
        profile = await profile_of(tracker)
        await in_db(
            roadmaps.save_answer, profile_id=profile.id, section=section, value=value
        )

    async def _checked(
        self,
        slot: str,
        section: str,
        check: Any,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        if value is None:  # emptied by a restart or an edit: nothing to check
            return {slot: None}
        if await answered_a_question(dispatcher, tracker, value):
            return {slot: None}
        try:
            cleaned = check(value)
        except answers.AnswerError as error:
            dispatcher.utter_message(response=f"utter_roadmap_invalid_{error.reason}")
            return {slot: None}
        await self._save(tracker, section, cleaned)
        return {slot: cleaned}

    # Slots whose answer is checked by one function and saved as it is.
    validate_rm_stage = _plain(
        "rm_stage",
        "stage",
        answers.stage,
        "Where the person is now: a button value or what they typed.",
    )
    validate_rm_interests = _plain(
        "rm_interests", "interests", answers.free_text, "Interests, in their own words."
    )
    validate_rm_strengths = _plain(
        "rm_strengths", "strengths", answers.free_text, "Strengths, in their own words."
    )
    validate_rm_values = _plain(
        "rm_values", "values", answers.free_text, "Values, in their own words."
    )
    validate_rm_priorities = _plain(
        "rm_priorities",
        "priorities",
        answers.priorities,
        "What counts in the choice: buttons or typed words.",
    )
    validate_rm_short_goal = _plain(
        "rm_short_goal",
        "short_goal",
        answers.free_text,
        "The goal for the next 3 months.",
    )
    validate_rm_long_goal = _plain(
        "rm_long_goal",
        "long_goal",
        answers.free_text,
        "The goal for the next 1 to 3 years.",
    )
    validate_rm_support = _plain(
        "rm_support", "support", answers.free_text, "The support the person needs."
    )

    async def validate_rm_pathways(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Pathways: a suggested entry's id, or the person's own words."""

        def check(raw: Any) -> list[str]:
            items = [raw] if isinstance(raw, str) else list(raw or [])
            chosen = [str(i) for i in items if str(i) in suggestions.ALL_SUGGESTED]
            typed = [answers.free_text(i) for i in items if str(i) not in chosen]
            if not chosen and not typed:
                raise answers.AnswerError("empty")
            return chosen + typed

        return await self._checked(
            "rm_pathways", "pathways", check, value, dispatcher, tracker
        )

    async def validate_rm_milestone_text(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """A milestone's words, or "done" once there are enough."""
        if value is None:
            return {MILESTONE_TEXT: None}
        if await answered_a_question(dispatcher, tracker, value):
            return {MILESTONE_TEXT: None}
        milestones = list(tracker.get_slot("rm_milestones") or [])
        if value == DONE or answers.says_done(value):
            if len(milestones) >= roadmaps.MIN_MILESTONES:
                return {MILESTONE_TEXT: DONE, MILESTONE_MONTH: DONE}
            dispatcher.utter_message(
                response="utter_roadmap_invalid_too_few_milestones",
                number=len(milestones) + 1,
            )
            return {MILESTONE_TEXT: None}
        try:
            return {MILESTONE_TEXT: answers.free_text(value)}
        except answers.AnswerError as error:
            dispatcher.utter_message(response=f"utter_roadmap_invalid_{error.reason}")
            return {MILESTONE_TEXT: None}

    async def validate_rm_milestone_month(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The milestone's month; a good one adds the milestone to the list."""
        if tracker.get_slot(MILESTONE_TEXT) == DONE:
            return {MILESTONE_MONTH: DONE}  # the list was finished before
        if value is None:
            return {MILESTONE_MONTH: None}
        if await answered_a_question(dispatcher, tracker, value):
            return {MILESTONE_MONTH: None}
        try:
            month = answers.target_month(value, today=today_in_hong_kong().date())
        except answers.AnswerError as error:
            dispatcher.utter_message(response=f"utter_roadmap_invalid_{error.reason}")
            return {MILESTONE_MONTH: None}
        milestones = list(tracker.get_slot("rm_milestones") or [])
        milestones.append(
            {"text": tracker.get_slot(MILESTONE_TEXT), "month": str(month)}
        )
        await self._save(tracker, "milestones", milestones)
        full = len(milestones) >= roadmaps.MAX_MILESTONES
        return {
            "rm_milestones": milestones,
            MILESTONE_TEXT: DONE if full else None,
            MILESTONE_MONTH: DONE if full else None,
        }


class ActionAskRmPathways(Action):
    """Ask for target pathways, suggesting entries that fit the stage and interests.

    Asked by `roadmap_form` for slot `rm_pathways`.
    """

    def name(self) -> str:
        return "action_ask_rm_pathways"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = user_language(tracker)
        cards = await in_db(
            suggestions.suggest_pathways,
            stage=tracker.get_slot("rm_stage"),
            interests=tracker.get_slot("rm_interests") or "",
            lang=lang,
        )
        lines = "\n".join(
            render(
                "roadmap_suggestion_line", lang, title=c.title, source_url=c.source_url
            ).text
            for c in cards
        )
        buttons = [
            {**entry_button(c), "payload": suggestions.choice_payload(c.id)}
            for c in cards
        ]
        dispatcher.utter_message(
            response="utter_ask_rm_pathways", suggestions=lines, buttons=buttons
        )
        return []


class ActionAskRmMilestoneText(Action):
    """Ask for the next milestone, offering "Done" once there are three.

    Asked by `roadmap_form` for slot `rm_milestone_text`.
    """

    def name(self) -> str:
        return "action_ask_rm_milestone_text"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        count = len(tracker.get_slot("rm_milestones") or [])
        if count == 0:
            dispatcher.utter_message(response="utter_ask_rm_milestone_first")
        elif count < roadmaps.MIN_MILESTONES:
            dispatcher.utter_message(
                response="utter_ask_rm_milestone_next", number=count + 1
            )
        else:
            dispatcher.utter_message(
                response="utter_ask_rm_milestone_more", count=count, number=count + 1
            )
        return []


class ActionAskRmMilestoneMonth(Action):
    """Ask by which month the milestone just named should be reached.

    Asked by `roadmap_form` for slot `rm_milestone_month`.
    """

    def name(self) -> str:
        return "action_ask_rm_milestone_month"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(
            response="utter_ask_rm_milestone_month",
            milestone=tracker.get_slot(MILESTONE_TEXT) or "",
        )
        return []
