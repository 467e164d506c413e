"""Session start carries language and role over; a language choice is remembered."""

from __future__ import annotations

from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.session import (
    ActionGreet,
    ActionSaveLanguage,
    ActionSaveRole,
    ActionSessionStart,
)
from actions.support import ActionRequestHuman
from cld import privacy, roadmaps, services
from cld.models import HelpRequest
from pathways_kb.db import session_scope
from tests.conftest import make_tracker


async def test_session_start_carries_language_and_role(database, dispatcher):
    tracker = make_tracker(
        slots={"language": "yue", "language_choice": "en", "role": "parent"}
    )
    events = await ActionSessionStart().run(dispatcher, tracker, {})
    assert events == [
        SessionStarted(),
        SlotSet("language", "yue"),
        SlotSet("language_choice", "en"),
        SlotSet("role", "parent"),
        ActionExecuted("action_listen"),
    ]


async def test_session_start_restores_from_the_profile_when_slots_are_empty(
    database, dispatcher
):
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="rest", channel_user_id="rest-tester"
        )
        services.save_language(
            session, profile_id=profile.id, language="yue", choice="yue"
        )
    events = await ActionSessionStart().run(dispatcher, make_tracker(), {})
    assert SlotSet("language_choice", "yue") in events
    assert SlotSet("language", "yue") in events


async def test_session_start_creates_the_profile_on_first_contact(database, dispatcher):
    tracker = make_tracker(sender="tg-new", metadata={"channel": "telegram"})
    await ActionSessionStart().run(dispatcher, tracker, {})
    with session_scope() as session:
        assert services.get_profile(
            session, channel="telegram", channel_user_id="tg-new"
        )


async def test_session_start_says_nothing_after_the_first(database, dispatcher):
    await ActionSessionStart().run(CollectingDispatcher(), make_tracker(), {})
    await ActionSessionStart().run(dispatcher, make_tracker(), {})
    assert dispatcher.messages == []


async def test_chosen_language_is_saved_in_the_profile(database, dispatcher):
    tracker = make_tracker(
        text="中文", slots={"language": "yue", "language_choice": "yue"}
    )
    assert await ActionSaveLanguage().run(dispatcher, tracker, {}) == []
    with session_scope() as session:
        saved = services.get_profile(
            session, channel="rest", channel_user_id="rest-tester"
        )
    assert (saved.language, saved.language_choice) == ("yue", "yue")


async def test_request_for_a_person_is_recorded_without_text(database, dispatcher):
    events = [
        {
            "event": "user",
            "text": "my secret",
            "parse_data": {"intent": {"name": "greet"}},
        },
        {
            "event": "user",
            "text": "a person pls",
            "parse_data": {"intent": {"name": "request_human"}},
        },
    ]
    tracker = make_tracker(text="a person pls", intent="request_human", events=events)
    await ActionRequestHuman().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_human_requested"]
    with session_scope() as session:
        profile = services.get_profile(
            session, channel="rest", channel_user_id="rest-tester"
        )
        assert services.open_help_requests(session, profile_id=profile.id) == 1
        context = session.execute(select(HelpRequest.context)).scalar_one()
    assert context == "greet,request_human"


async def test_a_newcomer_is_greeted_and_asked_for_their_role(database, dispatcher):
    events = await ActionGreet().run(dispatcher, make_tracker(), {})
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_greet",
        "utter_ask_role",
    ]
    assert events == []


async def test_a_known_role_is_not_asked_again(database, dispatcher):
    tracker = make_tracker(slots={"role": "youth"}, intent="inform_role")
    await ActionSaveRole().run(dispatcher, tracker, {})
    greeted = CollectingDispatcher()
    events = await ActionGreet().run(greeted, make_tracker(), {})
    assert [m["response"] for m in greeted.messages] == ["utter_greet"]
    assert events == [SlotSet("role", "youth")]
    assert [m["response"] for m in dispatcher.messages] == ["utter_role_saved_youth"]


async def test_a_new_session_mentions_a_waiting_roadmap_draft(database, dispatcher):
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="rest", channel_user_id="rest-tester"
        )
        roadmaps.save_answer(
            session, profile_id=profile.id, section="stage", value="s6"
        )
        privacy.notice_shown(session, profile_id=profile.id)  # an earlier session
    await ActionSessionStart().run(dispatcher, make_tracker(), {})
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_roadmap_draft_waiting"
    ]
