"""Parent updates: the sign-up form's checks, subscribing, and STOP."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

import locales
from actions.forms.parent_form import (
    ActionAskPuLanguage,
    ActionAskPuTopics,
    ValidateParentUpdatesForm,
)
from actions.parents import (
    ActionStartParentUpdates,
    ActionSubscribeParent,
    ActionUnsubscribeParent,
)
from cld import parents, services, units
from cld.models import ConsentRecord
from pathways_kb.db import session_scope
from tests.conftest import make_tracker

FORM = ("pu_consent", "pu_language", "pu_child_stage", "pu_topics", "pu_unit")
ANSWERS = {
    "pu_consent": "yes",
    "pu_language": "yue",
    "pu_child_stage": "senior_secondary",
    "pu_topics": ["university", "vpet"],
    "pu_unit": "YSC01",
}


@pytest.fixture
def unit(database):
    with session_scope() as session:
        units.add_unit(session, code="YSC01", name="Sha Tin Youth Centre")


def profile_id(sender="rest-tester"):
    with session_scope() as session:
        return services.ensure_profile(
            session, channel="rest", channel_user_id=sender
        ).id


def subscription(pid):
    with session_scope() as session:
        return parents.subscription_of(session, profile_id=pid)


def consents(pid):
    with session_scope() as session:
        stmt = (
            select(ConsentRecord.granted)
            .where(
                ConsentRecord.profile_id == pid,
                ConsentRecord.kind == parents.CONSENT_KIND,
            )
            .order_by(ConsentRecord.id)
        )
        return session.execute(stmt).scalars().all()


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def validate(slot, value, *, text=None, intent="inform", slots=None):
    tracker = make_tracker(
        text=value if text is None and isinstance(value, str) else (text or ""),
        intent=intent,
        slots={"language": "en", **(slots or {})},
    )
    method = getattr(ValidateParentUpdatesForm(), f"validate_{slot}")
    dispatcher = CollectingDispatcher()
    result = await method(value, dispatcher, tracker, {})
    return result, dispatcher


async def subscribe(dispatcher, slots=None):
    tracker = make_tracker(slots={"language": "en", **ANSWERS, **(slots or {})})
    return await ActionSubscribeParent().run(dispatcher, tracker, {})


async def stop(dispatcher):
    return await ActionUnsubscribeParent().run(dispatcher, make_tracker(), {})


# --- starting ---------------------------------------------------------------------


async def test_starting_clears_every_earlier_answer(database, dispatcher):
    events = await ActionStartParentUpdates().run(
        dispatcher, make_tracker(slots=ANSWERS), {}
    )
    assert responses(dispatcher) == ["utter_parent_updates_intro"]
    assert events == [SlotSet(s, None) for s in (*FORM, "pu_topics_chosen")]


async def test_a_subscribed_parent_is_told_consent_is_asked_again(unit, dispatcher):
    await subscribe(CollectingDispatcher())
    await ActionStartParentUpdates().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_parent_updates_again"]


# --- consent ----------------------------------------------------------------------


async def test_a_yes_button_is_consent(database):
    result, said = await validate("pu_consent", "yes", text='/inform{"choice":"yes"}')
    assert result == {"pu_consent": "yes"}
    assert said.messages == []


async def test_no_ends_the_form_at_once(database, dispatcher):
    tracker = make_tracker(slots={"pu_consent": "no"})
    required = await ValidateParentUpdatesForm().required_slots(
        list(FORM), dispatcher, tracker, {}
    )
    assert required == ["pu_consent"]


async def test_consent_no_saves_nothing(database, dispatcher):
    result, _ = await validate("pu_consent", "唔使喇")
    events = await ActionSubscribeParent().run(
        dispatcher, make_tracker(slots={"language": "yue", **result}), {}
    )
    assert result == {"pu_consent": "no"}
    assert responses(dispatcher) == ["utter_parent_consent_declined"]
    assert SlotSet("pu_consent", None) in events
    pid = profile_id()
    assert subscription(pid) is None
    assert consents(pid) == []


# --- the other answers ------------------------------------------------------------


async def test_the_language_chosen_becomes_the_reply_language(database):
    result, _ = await validate("pu_language", "yue", text='/inform{"choice":"yue"}')
    assert result == {"pu_language": "yue", "language_choice": "yue"}


async def test_a_typed_stage_is_understood(database):
    result, _ = await validate("pu_child_stage", "my son is in S5")
    assert result == {"pu_child_stage": "senior_secondary"}


async def test_a_topic_tap_is_added_and_the_question_asked_again(database):
    result, said = await validate(
        "pu_topics", ["university"], slots={"pu_topics_chosen": ["vpet"]}
    )
    assert result == {"pu_topics": None, "pu_topics_chosen": ["vpet", "university"]}
    assert said.messages == []


async def test_typed_topics_are_understood(database):
    result, _ = await validate("pu_topics", "大學同職業教育")
    assert result == {"pu_topics": None, "pu_topics_chosen": ["vpet", "university"]}


async def test_done_finishes_the_topics(database):
    result, _ = await validate(
        "pu_topics", ["done"], slots={"pu_topics_chosen": ["parenting"]}
    )
    assert result == {"pu_topics": ["parenting"], "pu_topics_chosen": ["parenting"]}


async def test_all_of_these_finishes_with_every_topic(database):
    result, _ = await validate("pu_topics", ["all"])
    assert result["pu_topics"] == list(parents.TOPICS)


@pytest.mark.parametrize(("typed", "code"), [("ysc01", "YSC01"), ("skip", "skip")])
async def test_a_known_unit_code_or_skip_is_accepted(unit, typed, code):
    result, said = await validate("pu_unit", typed)
    assert result == {"pu_unit": code}
    assert said.messages == []


# --- bad answers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "value", "reason"),
    [
        ("pu_consent", "maybe", "unknown_consent"),
        ("pu_consent", "🙂🙂", "no_words"),
        ("pu_language", "French", "unknown_language"),
        ("pu_language", "", "empty"),
        ("pu_child_stage", "x" * 501, "too_long"),
        ("pu_child_stage", "asdf", "unknown_stage"),
        ("pu_topics", "cooking", "unknown_topic"),
        ("pu_topics", ["done"], "no_topics"),
        ("pu_topics", "👍", "no_words"),
        ("pu_unit", "ZZZ999", "unknown_unit"),
        ("pu_unit", "!!!", "no_words"),
    ],
)
async def test_a_bad_answer_is_asked_again_and_earlier_answers_stay(
    unit, slot, value, reason
):
    earlier = {"pu_consent": "yes", "pu_language": "en", "pu_topics_chosen": []}
    result, said = await validate(slot, value, slots=earlier)
    assert result == {slot: None}
    assert responses(said) == [f"utter_parent_invalid_{reason}"]


async def test_a_bad_topic_keeps_the_topics_tapped_before(database):
    result, _ = await validate(
        "pu_topics", "cooking", slots={"pu_topics_chosen": ["vpet"]}
    )
    assert "pu_topics_chosen" not in result


@pytest.mark.parametrize(
    "reason",
    [
        "empty",
        "no_words",
        "too_long",
        "unknown_consent",
        "unknown_language",
        "unknown_stage",
        "unknown_topic",
        "no_topics",
        "unknown_unit",
    ],
)
def test_every_re_prompt_has_a_message(reason):
    assert f"utter_parent_invalid_{reason}" in locales.catalogue("en")


async def test_a_pathway_question_mid_form_is_answered_and_asked_again(kb_loaded):
    result, said = await validate(
        "pu_child_stage", "what is a higher diploma?", intent="ask_pathway"
    )
    assert result == {"pu_child_stage": None}
    assert responses(said) == ["utter_pathway_answer"]


async def test_another_command_mid_form_is_not_an_answer(database):
    result, said = await validate("pu_consent", "/greet", intent="greet")
    assert result == {"pu_consent": None}
    assert said.messages == []


# --- asking -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slots", "response"),
    [
        ({"language": "yue"}, "utter_ask_pu_language_yue"),
        ({"language": "en"}, "utter_ask_pu_language_en"),
        ({"language": "yue", "language_choice": "en"}, "utter_ask_pu_language_en"),
    ],
)
async def test_the_suggested_language_is_offered_first(dispatcher, slots, response):
    await ActionAskPuLanguage().run(dispatcher, make_tracker(slots=slots), {})
    assert responses(dispatcher) == [response]


def test_the_suggested_language_button_comes_first():
    buttons = locales.render("utter_ask_pu_language_yue", "en").buttons
    assert [b.payload for b in buttons] == [
        '/inform{"choice": "yue"}',
        '/inform{"choice": "en"}',
    ]
    assert "(suggested)" in buttons[0].title


async def test_the_topic_question_shows_the_topics_chosen_so_far(dispatcher):
    tracker = make_tracker(
        slots={"language": "en", "pu_topics_chosen": ["vpet", "university"]}
    )
    await ActionAskPuTopics().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_pu_topics_more"
    assert message["chosen"] == "VPET (vocational education), University"


async def test_the_first_topic_question_has_no_done_button(dispatcher):
    await ActionAskPuTopics().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_ask_pu_topics"]
    payloads = [b.payload for b in locales.render("utter_ask_pu_topics", "en").buttons]
    assert '/inform{"choice": "done"}' not in payloads


# --- subscribing ------------------------------------------------------------------


async def test_a_full_subscription_is_stored_with_its_topics(unit, dispatcher):
    events = await subscribe(dispatcher)
    pid = profile_id()
    view = subscription(pid)
    assert (view.status, view.language, view.child_stage, view.unit_code) == (
        "active",
        "yue",
        "senior_secondary",
        "YSC01",
    )
    assert view.topics == ("vpet", "university")
    assert consents(pid) == [True]
    assert responses(dispatcher) == ["utter_parent_subscribed"]
    assert SlotSet("language_choice", "yue") in events
    assert SlotSet("role", "parent") in events


async def test_the_confirmation_summarises_the_choices(unit, dispatcher):
    await subscribe(dispatcher, slots={"language_choice": "en", "pu_unit": "skip"})
    [message] = dispatcher.messages
    assert (
        message["language"],
        message["child_stage"],
        message["topics"],
        message["unit"],
    ) == (
        "廣東話 (中文)",
        "S4–S6 / DSE",
        "VPET (vocational education), University",
        "none",
    )


async def test_a_new_subscriber_gets_parent_first_answers(unit, dispatcher):
    await subscribe(dispatcher)
    with session_scope() as session:
        profile = services.get_profile(
            session, channel="rest", channel_user_id="rest-tester"
        )
    assert (profile.role, profile.language_choice) == ("parent", "yue")


# --- stopping ---------------------------------------------------------------------


async def test_stop_when_subscribed_ends_the_updates_at_once(unit, dispatcher):
    await subscribe(CollectingDispatcher())
    assert await stop(dispatcher) == []
    pid = profile_id()
    assert responses(dispatcher) == ["utter_parent_unsubscribed"]
    assert subscription(pid).status == "unsubscribed"
    assert consents(pid) == [True, False]


async def test_stop_when_not_subscribed_says_so(database, dispatcher):
    assert await stop(dispatcher) == []
    assert responses(dispatcher) == ["utter_parent_not_subscribed"]


async def test_stop_twice_says_nothing_is_on_the_second_time(unit, dispatcher):
    await subscribe(CollectingDispatcher())
    await stop(CollectingDispatcher())
    await stop(dispatcher)
    assert responses(dispatcher) == ["utter_parent_not_subscribed"]


async def test_re_subscribing_records_a_second_consent(unit, dispatcher):
    await subscribe(CollectingDispatcher())
    await stop(CollectingDispatcher())
    await ActionStartParentUpdates().run(dispatcher, make_tracker(), {})
    await subscribe(CollectingDispatcher(), slots={"pu_topics": ["parenting"]})
    pid = profile_id()
    assert responses(dispatcher) == ["utter_parent_updates_intro"]
    assert consents(pid) == [True, False, True]
    view = subscription(pid)
    assert (view.status, view.topics) == ("active", ("parenting",))
