"""Milestone check-ins: asking how a milestone is going, and recording the answer."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import entity_value, in_db, profile_of, user_language
from cld import checkins
from locales.roadmap_text import format_month


class ActionAskCheckin(Action):
    """Ask how a milestone is going, when the scheduler says it is due.

    Executed by the gateway's check-in scheduler (bot/checkins.py) through Rasa's
    `/conversations/<sender>/execute` endpoint, after it claimed the check-in.
    """

    def name(self) -> str:
        return "action_ask_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        raw_id = entity_value(tracker, "checkin_id")
        checkin_id = int(raw_id) if str(raw_id or "").isdigit() else None
        view = await in_db(
            checkins.pending, profile_id=profile.id, checkin_id=checkin_id
        )
        if view is not None:
            dispatcher.utter_message(
                response="utter_ask_checkin",
                milestone=view.milestone,
                month=format_month(view.month, user_language(tracker)),
            )
        return []


class ActionRecordCheckin(Action):
    """Record the answer to a check-in: done, in progress, or changed.

    Runs on intent `answer_checkin` (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_record_checkin"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        status = str(entity_value(tracker, "checkin_status") or "")
        profile = await profile_of(tracker)
        view = None
        if status in checkins.STATUSES:
            view = await in_db(checkins.record, profile_id=profile.id, answer=status)
        if view is None:
            dispatcher.utter_message(response="utter_checkin_none")
            return []
        dispatcher.utter_message(
            response=f"utter_checkin_{status}", milestone=view.milestone
        )
        return []
