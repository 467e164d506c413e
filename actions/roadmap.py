"""Career roadmaps: start or resume, edit a part, restart, finish, show, share.

The questions themselves are asked by `roadmap_form`; its answers are checked in
actions/forms/roadmap_form.py.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import entity_value, in_db, profile_of, user_language
from actions.forms.roadmap_form import today_in_hong_kong
from actions.roadmap_slots import SLOT_OF, cleared, slots_from
from cld import config, links, roadmaps, units
from cld.roadmap_display import RoadmapCard, roadmap_card
from locales import format_date
from locales.roadmap_text import section_values

EDITABLE = set(SLOT_OF)
NEXT = "roadmap_next"  # "form": the form runs next; "offer": the person chooses


def summarise(dispatcher: CollectingDispatcher, card: RoadmapCard, lang: str) -> None:
    """Utter the roadmap summary with a link to its printable page."""
    shown = section_values(
        card.content,
        lang,
        pathway_titles={k: v.title for k, v in card.pathways.items()},
        statuses=card.statuses,
    )
    page_url = links.roadmap_url(config.load(), profile_id=card.profile_id, lang=lang)
    dispatcher.utter_message(
        response="utter_roadmap_summary",
        version=card.version,
        updated=format_date(card.updated_on, lang),
        page_url=page_url,
        **shown,
    )


def form_turns(tracker: Tracker) -> list[str]:
    """Ids of the person's messages since the roadmap form last started."""
    turns: list[str] = []
    for event in tracker.events:
        if event.get("event") == "active_loop" and event.get("name") == "roadmap_form":
            turns = []
        elif event.get("event") == "user" and event.get("message_id"):
            turns.append(str(event["message_id"]))
    return turns


class ActionStartRoadmap(Action):
    """Start a roadmap, resume a draft, or offer choices when one is finished.

    Runs on intent `start_roadmap` (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_start_roadmap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        view = await in_db(roadmaps.current, profile_id=profile.id)
        if view is not None and view.draft:
            dispatcher.utter_message(response="utter_roadmap_resumed")
            return [*slots_from(view.draft), SlotSet(NEXT, "form")]
        if view is not None and view.version > 0:
            dispatcher.utter_message(
                response="utter_roadmap_exists", version=view.version
            )
            return [SlotSet(NEXT, "offer")]
        dispatcher.utter_message(response="utter_roadmap_started")
        return [*cleared(), SlotSet(NEXT, "form")]


class ActionEditRoadmap(Action):
    """Reopen one part of a finished roadmap; the rest stays as it is.

    Runs on intent `edit_roadmap` (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_edit_roadmap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        view = await in_db(roadmaps.current, profile_id=profile.id)
        if view is None or (view.version == 0 and not view.draft):
            dispatcher.utter_message(response="utter_roadmap_none")
            return [SlotSet(NEXT, "offer")]
        section = entity_value(tracker, "roadmap_section")
        if section == "goals":
            dispatcher.utter_message(response="utter_ask_goal_which")
            return [SlotSet(NEXT, "offer")]
        if section not in EDITABLE:
            dispatcher.utter_message(response="utter_ask_edit_section")
            return [SlotSet(NEXT, "offer")]
        draft = await in_db(roadmaps.start_edit, profile_id=profile.id)
        await in_db(
            roadmaps.save_answer, profile_id=profile.id, section=section, value=None
        )
        draft[section] = None
        dispatcher.utter_message(response="utter_roadmap_editing")
        return [*slots_from(draft), SlotSet(NEXT, "form")]


class ActionRestartRoadmap(Action):
    """Clear the draft and begin again (after the person confirmed).

    Runs after `utter_confirm_restart_roadmap` and `affirm` (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_restart_roadmap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        await in_db(roadmaps.discard_draft, profile_id=profile.id)
        dispatcher.utter_message(response="utter_roadmap_started")
        return [*cleared(), SlotSet(NEXT, "form")]


class ActionCompleteRoadmap(Action):
    """Save the finished form as a new version, show it and offer to share it.

    Runs when `roadmap_form` completes (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_complete_roadmap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = user_language(tracker)
        profile = await profile_of(tracker)
        try:
            version = await in_db(
                roadmaps.complete,
                profile_id=profile.id,
                turns=form_turns(tracker),
                today=today_in_hong_kong(),
            )
        except roadmaps.RoadmapIncomplete as missing:
            # The draft lost a part the slots still had (another device, a reset):
            # ask for exactly those parts again.
            return [
                *[SlotSet(SLOT_OF[s], None) for s in missing.missing],
                FollowupAction("roadmap_form"),
            ]
        card = await in_db(roadmap_card, profile_id=profile.id, lang=lang)
        dispatcher.utter_message(response="utter_roadmap_saved", version=version.number)
        if card is not None:
            summarise(dispatcher, card, lang)
        if card is None or card.shared_unit is None:
            dispatcher.utter_message(response="utter_ask_share_roadmap")
        return [*cleared(), SlotSet("rm_milestones", None)]


class ActionShowRoadmap(Action):
    """Show the latest roadmap, with a link to its printable page.

    Runs on intent `show_roadmap` (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_show_roadmap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        lang = user_language(tracker)
        profile = await profile_of(tracker)
        card = await in_db(roadmap_card, profile_id=profile.id, lang=lang)
        if card is None:
            dispatcher.utter_message(response="utter_roadmap_none")
            return []
        summarise(dispatcher, card, lang)
        return []


class ActionShareRoadmap(Action):
    """Share the finished roadmap with the unit whose code the person typed.

    Runs when `share_form` completes (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_share_roadmap"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        view = await in_db(roadmaps.current, profile_id=profile.id)
        unit = await in_db(units.find_unit, code=tracker.get_slot("share_unit") or "")
        if view is None or view.version == 0:
            dispatcher.utter_message(response="utter_roadmap_nothing_to_share")
        elif unit is not None:
            await in_db(
                roadmaps.share,
                profile_id=profile.id,
                unit_code=unit.code,
                wording_version=roadmaps.SHARE_WORDING_VERSION,
            )
            dispatcher.utter_message(
                response="utter_roadmap_shared", unit_name=unit.name
            )
        return [SlotSet("share_unit", None)]


class ActionStopSharing(Action):
    """Withdraw consent: no social worker sees the roadmap any more.

    Runs on intent `stop_sharing` (stories/roadmap_rules.yml).
    """

    def name(self) -> str:
        return "action_stop_sharing"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        view = await in_db(roadmaps.current, profile_id=profile.id)
        if view is None or view.shared_unit is None:
            dispatcher.utter_message(response="utter_sharing_not_active")
            return []
        await in_db(
            roadmaps.share,
            profile_id=profile.id,
            unit_code=None,
            wording_version=roadmaps.SHARE_WORDING_VERSION,
        )
        dispatcher.utter_message(response="utter_sharing_stopped")
        return []


def _unit_code(value: Any) -> str:
    return units.normalise_code(str(value or ""))


class ValidateShareForm(Action):
    """Accept a unit code only if that unit exists.

    Runs on every turn of `share_form` (domain.yml).
    """

    def name(self) -> str:
        return "validate_share_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        value: Any = tracker.get_slot("share_unit")
        if value is None:
            return []
        unit = await in_db(units.find_unit, code=_unit_code(value))
        if unit is None:
            dispatcher.utter_message(response="utter_roadmap_invalid_unit")
            return [SlotSet("share_unit", None)]
        return [SlotSet("share_unit", unit.code)]
