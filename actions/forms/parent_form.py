"""Checking a parent's sign-up answers one by one, and the questions that vary.

A bad answer gets a friendly re-prompt and the earlier answers stay. A pathway
question asked mid-form is answered, then the same question is asked again. A
"no" to consent ends the form at once, with nothing saved.
"""

from __future__ import annotations

from typing import Any, Callable

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import in_db, user_language
from actions.forms.roadmap_form import SlotValue, answered_a_question
from actions.parents import TOPICS_CHOSEN, topic_list
from cld import parent_onboarding
from cld.answers import AnswerError


class ValidateParentUpdatesForm(FormValidationAction):
    """Check each answer of the parent sign-up.

    Runs on every turn of `parent_updates_form` (domain.yml, stories/parents_rules.yml).
    """

    def name(self) -> str:
        return "validate_parent_updates_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Only consent is needed from a parent who said no: the form ends there."""
        if tracker.get_slot("pu_consent") == parent_onboarding.NO:
            return ["pu_consent"]
        return domain_slots

    async def _checked(
        self,
        slot: str,
        check: Callable[[Any], Any],
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        if value is None:  # emptied at the start of the form: nothing to check
            return {slot: None}
        if await answered_a_question(dispatcher, tracker, value):
            return {slot: None}
        try:
            return {slot: check(value)}
        except AnswerError as error:
            dispatcher.utter_message(response=f"utter_parent_invalid_{error.reason}")
            return {slot: None}

    async def validate_pu_consent(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """An explicit yes or no to getting updates."""
        return await self._checked(
            "pu_consent", parent_onboarding.consent, value, dispatcher, tracker
        )

    async def validate_pu_language(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The language for updates; the rest of the chat follows it from here."""
        checked = await self._checked(
            "pu_language", parent_onboarding.language, value, dispatcher, tracker
        )
        if checked["pu_language"] is None:
            return checked
        return {**checked, "language_choice": checked["pu_language"]}

    async def validate_pu_child_stage(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Where the child is now: a button value or what the parent typed."""
        return await self._checked(
            "pu_child_stage", parent_onboarding.child_stage, value, dispatcher, tracker
        )

    async def validate_pu_topics(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Each tap or typed answer adds topics; "Done" or "All of these" finishes."""
        chosen = list(tracker.get_slot(TOPICS_CHOSEN) or [])

        def check(raw: Any) -> parent_onboarding.TopicPick:
            return parent_onboarding.pick_topics(raw, chosen=chosen)

        checked = await self._checked("pu_topics", check, value, dispatcher, tracker)
        pick = checked["pu_topics"]
        if pick is None:
            return checked
        return {
            "pu_topics": list(pick.chosen) if pick.finished else None,
            TOPICS_CHOSEN: list(pick.chosen),
        }

    async def validate_pu_unit(
        self,
        value: SlotValue,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """A known unit code from the child's school or centre, or "Skip"."""
        if value is None:
            return {"pu_unit": None}
        if await answered_a_question(dispatcher, tracker, value):
            return {"pu_unit": None}
        try:
            code = await in_db(parent_onboarding.unit_answer, value=value)
        except AnswerError as error:
            dispatcher.utter_message(response=f"utter_parent_invalid_{error.reason}")
            return {"pu_unit": None}
        return {"pu_unit": code}


class ActionAskPuLanguage(Action):
    """Ask which language updates come in, the suggested one first.

    Asked by `parent_updates_form` for slot `pu_language`.
    """

    def name(self) -> str:
        return "action_ask_pu_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        suggested = parent_onboarding.suggested_language(
            tracker.get_slot("language_choice"), tracker.get_slot("language")
        )
        dispatcher.utter_message(response=f"utter_ask_pu_language_{suggested}")
        return []


class ActionAskPuTopics(Action):
    """Ask for topics, showing those tapped so far and offering "Done" once any are.

    Asked by `parent_updates_form` for slot `pu_topics`.
    """

    def name(self) -> str:
        return "action_ask_pu_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        chosen = list(tracker.get_slot(TOPICS_CHOSEN) or [])
        if not chosen:
            dispatcher.utter_message(response="utter_ask_pu_topics")
            return []
        dispatcher.utter_message(
            response="utter_ask_pu_topics_more",
            chosen=topic_list(chosen, user_language(tracker)),
        )
        return []
