"""Session start and language choice: what carries over, and what is remembered."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel_of, in_db, profile_of, user_language
from cld import config, privacy, roadmaps, services
from locales import DEFAULT, SUPPORTED, render

# Slots that outlive a session; everything else starts afresh.
CARRIED_SLOTS = ("language", "language_choice", "role")


@functools.cache
def _retention_days() -> int:
    return config.load_privacy().retention_days


def _notice_language(kept: dict[str, Any], metadata: dict[str, Any]) -> str:
    """The person's choice, else their known language, else the language of the
    message that opened the session (the gateway puts it in the metadata)."""
    for candidate in (
        kept["language_choice"],
        kept["language"],
        metadata.get("language"),
    ):
        if candidate in SUPPORTED:
            return str(candidate)
    return DEFAULT


@dataclass(frozen=True)
class _Opening:
    """What a new session starts with."""

    kept: dict[str, Any]  # the carried slots' values, or None
    notice_due: bool  # the collection notice is to be shown (and is noted as shown)
    draft_waiting: bool


def _open_session(
    session: Any, *, channel: str, sender: str, carried: dict[str, Any]
) -> _Opening:
    """Carried slots, else the profile's; the notice and the draft: one transaction."""
    profile = services.ensure_profile(session, channel=channel, channel_user_id=sender)
    remembered = {
        "language": profile.language,
        "language_choice": profile.language_choice,
        "role": profile.role,
    }
    kept: dict[str, Any] = {}
    for name in CARRIED_SLOTS:
        value = carried[name] if carried[name] not in (None, "auto") else None
        kept[name] = value or remembered[name]
    if kept["language"] != profile.language:
        services.save_language(
            session, profile_id=profile.id, language=kept["language"]
        )
    due = privacy.notice_due(session, profile_id=profile.id)
    if due:
        privacy.notice_shown(session, profile_id=profile.id)
    draft = roadmaps.current(session, profile_id=profile.id)
    return _Opening(kept, due, draft is not None and bool(draft.draft))


class ActionSessionStart(Action):
    """Start a session, carrying over language and role, restored from the profile;
    at a person's first session, show the collection notice (PDPO) once.

    Runs at every new session (60 minutes of silence, see domain.yml).
    """

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        carried: dict[str, Any] = {
            name: tracker.get_slot(name) for name in CARRIED_SLOTS
        }
        opening = await in_db(
            _open_session,
            channel=channel_of(tracker),
            sender=tracker.sender_id,
            carried=carried,
        )
        events: list[EventType] = [SessionStarted()]
        events += [
            SlotSet(name, value)
            for name, value in opening.kept.items()
            if value is not None
        ]
        metadata = tracker.get_slot("session_started_metadata")
        if metadata:
            events.append(SlotSet("session_started_metadata", metadata))
        events.append(ActionExecuted("action_listen"))
        if opening.notice_due:
            # Rendered here: Rasa would render a response before the language
            # is known (no slot yet at first contact); the gateway sends it.
            lang = _notice_language(opening.kept, metadata or {})
            notice = render("utter_privacy_notice", lang, days=_retention_days())
            dispatcher.utter_message(text=notice.text)
        if opening.draft_waiting:
            # The form did not outlive the old session; the draft did.
            dispatcher.utter_message(response="utter_roadmap_draft_waiting")
        return events


class ActionSaveLanguage(Action):
    """Remember the language the person chose, in their profile.

    Runs after `switch_language` with a language named (stories/core_rules.yml).
    """

    def name(self) -> str:
        return "action_save_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        await in_db(
            services.save_language,
            profile_id=profile.id,
            language=user_language(tracker),
            choice=tracker.get_slot("language_choice"),
        )
        return []


class ActionGreet(Action):
    """Greet with the menu; a newcomer is also asked if they are a parent, once.

    Runs on intent `greet` (stories/core_rules.yml), Telegram's /start included.
    """

    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_greet")
        role = tracker.get_slot("role") or (await profile_of(tracker)).role
        if role is None:
            dispatcher.utter_message(response="utter_ask_role")
            return []
        return [SlotSet("role", role)]


class ActionSaveRole(Action):
    """Remember that the person is a young person or a parent.

    Runs on intent `inform_role` (stories/core_rules.yml).
    """

    def name(self) -> str:
        return "action_save_role"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        role = tracker.get_slot("role")
        if role not in services.ROLES:
            dispatcher.utter_message(response="utter_ask_role")
            return []
        profile = await profile_of(tracker)
        await in_db(services.set_role, profile_id=profile.id, role=role)
        dispatcher.utter_message(response=f"utter_role_saved_{role}")
        return []
