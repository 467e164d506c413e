"""Safety: a message with a crisis cue gets the help lines and a social worker."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import in_db, profile_of, user_language
from actions.support import recent_intents
from cld import services


class ActionCrisisSupport(Action):
    """Reply with Hong Kong help lines and flag the person for a social worker.

    Runs on intent `crisis` (stories/safety_rules.yml), after any form is stopped.
    """

    def name(self) -> str:
        return "action_crisis_support"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_crisis_support")
        profile = await profile_of(tracker, language=user_language(tracker))
        await in_db(
            services.request_human,
            profile_id=profile.id,
            reason="crisis",
            context=recent_intents(tracker),
        )
        return []
