"""Reaching a person: requests for a social worker."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import in_db, profile_of, user_language
from cld import services

RECENT_INTENTS = 5


def recent_intents(tracker: Tracker) -> str:
    """The last few intent names: context for the social worker, without any text."""
    names = [
        e["parse_data"]["intent"].get("name", "")
        for e in tracker.events
        if e.get("event") == "user" and e.get("parse_data", {}).get("intent")
    ]
    return ",".join(names[-RECENT_INTENTS:])


class ActionRequestHuman(Action):
    """Open a request for a social worker and tell the person what happens next.

    Runs on intent `request_human` (stories/core_rules.yml).
    """

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker, language=user_language(tracker))
        await in_db(
            services.request_human,
            profile_id=profile.id,
            reason="asked",
            context=recent_intents(tracker),
        )
        dispatcher.utter_message(response="utter_human_requested")
        return []
