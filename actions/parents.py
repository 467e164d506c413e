"""Parent updates: start the sign-up, subscribe on consent, stop on request.

The questions are asked by `parent_updates_form`; its answers are checked in
actions/forms/parent_form.py.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import in_db, profile_of, user_language
from cld import parent_onboarding, parents
from locales import render

# Answers the form collects, in the order it asks; TOPICS_CHOSEN holds the taps.
FORM_SLOTS = ("pu_consent", "pu_language", "pu_child_stage", "pu_topics", "pu_unit")
TOPICS_CHOSEN = "pu_topics_chosen"


def cleared() -> list[EventType]:
    """Slot events that empty the parent form, so every sign-up starts afresh."""
    return [SlotSet(name, None) for name in (*FORM_SLOTS, TOPICS_CHOSEN)]


def topic_list(topics: list[str] | tuple[str, ...], lang: str) -> str:
    """Topics as the parent reads them ("VPET, University")."""
    separator = render("parent_list_separator", lang).text
    return separator.join(render(f"parent_topic_{t}", lang).text for t in topics)


class ActionStartParentUpdates(Action):
    """Begin the sign-up for parent updates, with every earlier answer cleared.

    Runs on intent `subscribe_updates` (stories/parents_rules.yml); the form
    follows and asks for consent again, even from a parent already subscribed.
    """

    def name(self) -> str:
        return "action_start_parent_updates"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        view = await in_db(parents.subscription_of, profile_id=profile.id)
        if view is not None and view.active:
            dispatcher.utter_message(response="utter_parent_updates_again")
        else:
            dispatcher.utter_message(response="utter_parent_updates_intro")
        return cleared()


class ActionSubscribeParent(Action):
    """Subscribe a parent who said yes and confirm; one who said no is thanked.

    Runs when `parent_updates_form` completes (stories/parents_rules.yml). After a
    sign-up the reply language is the one chosen and the person is a parent.
    """

    def name(self) -> str:
        return "action_subscribe_parent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("pu_consent") != parent_onboarding.YES:
            dispatcher.utter_message(response="utter_parent_consent_declined")
            return cleared()
        chosen = str(tracker.get_slot("pu_language"))
        profile = await profile_of(tracker)
        view = await in_db(
            parent_onboarding.complete,
            profile_id=profile.id,
            language=chosen,
            child_stage=tracker.get_slot("pu_child_stage"),
            topics=tracker.get_slot("pu_topics") or [],
            unit=tracker.get_slot("pu_unit"),
        )
        lang = user_language(tracker)
        dispatcher.utter_message(
            response="utter_parent_subscribed",
            language=render(f"parent_language_{view.language}", lang).text,
            child_stage=render(f"parent_stage_{view.child_stage}", lang).text,
            topics=topic_list(view.topics, lang),
            unit=view.unit_code or render("parent_unit_none", lang).text,
        )
        return [
            *cleared(),
            SlotSet("language_choice", view.language),
            SlotSet("role", "parent"),
        ]


class ActionUnsubscribeParent(Action):
    """Stop parent updates at once ("STOP", "停止", "取消訂閱"), or say none were on.

    Runs on intent `unsubscribe_updates` (stories/parents_rules.yml), after any
    form in progress was set aside with its answers kept.
    """

    def name(self) -> str:
        return "action_unsubscribe_parent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        profile = await profile_of(tracker)
        stopped = await in_db(parents.unsubscribe, profile_id=profile.id)
        if stopped:
            dispatcher.utter_message(response="utter_parent_unsubscribed")
        else:
            dispatcher.utter_message(response="utter_parent_not_subscribed")
        return []
