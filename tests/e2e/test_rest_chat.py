"""End to end: the real action server, Rasa server and gateway, over the REST channel."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import create_engine, select

from cld.models import HelpRequest, as_utc
from locales import render
from tests.e2e.conftest import is_privacy_notice, rest_profile

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_first_contact_gets_the_privacy_notice_once(chat):
    first = chat.say("hello", keep_notice=True)
    assert [m["text"] for m in first[:1]] == [
        render("utter_privacy_notice", "en", days=30).text
    ]
    assert first[1]["text"] == render("utter_greet", "en").text
    assert not any(is_privacy_notice(m) for m in chat.say("hi", keep_notice=True))


def test_english_greeting_shows_the_menu(chat):
    replies = chat.say("hello")
    assert replies[0]["text"] == render("utter_greet", "en").text
    assert [b["payload"] for b in replies[0]["buttons"]] == [
        b.payload for b in render("utter_greet", "en").buttons
    ]


def greeting(lang):
    """What a newcomer gets: the menu, then whether they are a parent."""
    return [render("utter_greet", lang).text, render("utter_ask_role", lang).text]


def test_cantonese_greeting_is_answered_in_cantonese(chat):
    assert chat.texts("你好呀") == greeting("yue")


def test_the_role_is_asked_once_and_remembered(chat, stack):
    chat.say("hi")
    assert chat.texts(payload='/inform_role{"role": "parent"}') == [
        render("utter_role_saved_parent", "en").text
    ]
    assert chat.texts("hello again") == [render("utter_greet", "en").text]
    assert rest_profile(stack, chat.sender).role == "parent"


def test_a_typed_role_is_understood(chat, stack):
    assert chat.texts("我係學生") == [render("utter_role_saved_youth", "yue").text]
    assert rest_profile(stack, chat.sender).role == "youth"


def test_code_mixed_thanks_is_answered_in_cantonese(chat):
    assert chat.texts("ok 唔該晒") == [render("utter_you_are_welcome", "yue").text]


def test_language_choice_sticks_and_is_saved(chat, stack):
    chat.say("hi")
    assert chat.texts(payload="/switch_language") == [
        render("utter_ask_language", "en").text
    ]
    assert chat.texts(payload='/switch_language{"language": "yue"}') == [
        render("utter_language_switched", "yue").text
    ]
    assert chat.texts("thank you") == [render("utter_you_are_welcome", "yue").text]
    assert rest_profile(stack, chat.sender).language_choice == "yue"


def test_typed_intent_with_slots_sets_nothing(chat, stack):
    chat.say("hi")
    replies = chat.texts('/switch_language{"language": "yue"}')
    assert render("utter_language_switched", "yue").text not in replies
    assert chat.texts("thanks") == [render("utter_you_are_welcome", "en").text]


def test_forged_button_payload_is_refused(chat):
    chat.say("hi")
    assert chat.texts(payload='/switch_language{"language": "yue"}') == [
        render("gateway_button_expired", "en").text
    ]


def test_request_for_a_person_is_recorded(chat, stack):
    assert chat.texts("can I talk to a social worker") == [
        render("utter_human_requested", "en").text
    ]
    profile = rest_profile(stack, chat.sender)
    engine = create_engine(stack.env["APP_DB_URL"], future=True)
    with engine.connect() as conn:
        requests = conn.execute(
            select(HelpRequest).where(HelpRequest.profile_id == profile.id)
        ).all()
    engine.dispose()
    assert len(requests) == 1


def test_out_of_scope_is_honest(chat):
    assert chat.texts("what's the weather tomorrow") == [
        render("utter_out_of_scope", "en").text
    ]


def test_telegram_start_command_greets(chat):
    assert chat.texts("/start") == greeting("en")


def test_conversation_survives_a_gateway_round_trip_of_unicode(chat):
    assert chat.texts("早晨 👋") == greeting("yue")


def test_starting_over_asks_first_then_begins_cleanly(chat):
    chat.say("build my roadmap")
    chat.say(payload=render("utter_ask_rm_stage", "en").buttons[3].payload)
    assert chat.texts("I like drawing") == [render("utter_ask_rm_strengths", "en").text]
    assert chat.texts("start over") == [
        render("utter_confirm_restart_roadmap", "en").text
    ]
    assert chat.texts(payload="/affirm") == [
        render("utter_roadmap_started", "en").text,
        render("utter_ask_rm_stage", "en").text,
    ]


def test_a_crisis_message_mid_roadmap_gets_the_help_lines(chat):
    chat.say("build my roadmap")
    sent = datetime.now(timezone.utc)
    assert chat.texts("其實我唔想再生存") == [
        render("utter_crisis_support", "yue").text
    ]
    # The social worker is flagged in the same turn (the issue allows 60 s).
    profile = rest_profile(chat.stack, chat.sender)
    engine = create_engine(chat.stack.env["APP_DB_URL"], future=True)
    with engine.connect() as conn:
        (flag,) = conn.execute(
            select(HelpRequest).where(
                HelpRequest.profile_id == profile.id, HelpRequest.reason == "crisis"
            )
        ).all()
    engine.dispose()
    assert (as_utc(flag.created_at) - sent).total_seconds() < 60
