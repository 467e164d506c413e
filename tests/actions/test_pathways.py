"""The pathway answer action: answer, clarify, or admit it has no answer yet."""

from __future__ import annotations

from datetime import date

from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions.pathways import ActionAnswerOrFallback, ActionAnswerPathwayQuestion
from cld.models import PathwayQuestion
from locales import render
from pathways_kb.db import session_scope
from tests.conftest import make_tracker


async def test_action_answers_with_source_date_and_follow_ups(kb_loaded, dispatcher):
    tracker = make_tracker(text="what is a higher diploma", slots={"language": "en"})
    events = await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_pathway_answer"
    assert message["source_url"] == "https://www.vtc.edu.hk/admission/"
    assert message["as_of"] == "14 Jul 2025"
    assert message["buttons"] == [
        {
            "title": "Diploma of Applied Education (DAE)",
            "payload": '/ask_pathway{"entry_id":"dae-diploma-of-applied-education"}',
        }
    ]
    assert events == [SlotSet("last_entry_id", "vtc-higher-diploma")]


async def test_action_answers_in_cantonese_with_a_chinese_date(kb_loaded, dispatcher):
    tracker = make_tracker(text="高級文憑係咩", slots={"language": "yue"})
    await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["title"] == "VTC 高級文憑（HD）"
    assert dispatcher.messages[0]["as_of"] == "2025年7月14日"


async def test_unverified_entry_says_so(kb_loaded, dispatcher):
    tracker = make_tracker(text="DAE", slots={"language": "en"})
    await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    assert render("kb_note_unverified", "en").text in dispatcher.messages[0]["notes"]


async def test_entry_past_review_date_says_it_may_have_changed(kb_loaded, dispatcher):
    tracker = make_tracker(text="japan working holiday", slots={"language": "en"})
    await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    note = render("kb_note_review_due", "en", as_of="14 Jul 2025").text
    assert date.today() > date(2025, 12, 31)
    assert dispatcher.messages[0]["notes"] == note


async def test_button_opens_the_entry_it_names(kb_loaded, dispatcher):
    tracker = make_tracker(
        text='/ask_pathway{"entry_id":"whs-japan"}',
        entities=[{"entity": "entry_id", "value": "whs-japan"}],
        slots={"language": "yue"},
    )
    events = await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    assert events == [SlotSet("last_entry_id", "whs-japan")]


async def test_menu_button_invites_a_question(kb_loaded, dispatcher):
    tracker = make_tracker(text="/ask_pathway")
    assert await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {}) == []
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_ask_pathway_question"
    ]


async def test_ambiguous_question_offers_choices(kb_loaded, dispatcher):
    tracker = make_tracker(text="HD or DAE", slots={"language": "en"})
    await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_pathway_clarify"
    assert len(message["buttons"]) == 2


async def test_action_admits_when_it_has_no_answer(kb_loaded, dispatcher):
    tracker = make_tracker(
        text="how do I become an astronaut", slots={"language": "en"}
    )
    events = await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_no_answer_yet"]
    assert events == []


async def test_fallback_answers_only_a_strong_match(kb_loaded, dispatcher):
    tracker = make_tracker(text="日本工作假期 日本工假", slots={"language": "yue"})
    await ActionAnswerOrFallback().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_pathway_answer"


async def test_fallback_without_a_match_says_what_it_can_do(kb_loaded, dispatcher):
    tracker = make_tracker(text="asdf qwerty", slots={"language": "en"})
    await ActionAnswerOrFallback().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_fallback"]


async def test_an_answer_is_logged_by_entry_and_area_never_by_its_words(
    kb_loaded, dispatcher
):
    tracker = make_tracker(text="what is a higher diploma", slots={"language": "en"})
    await ActionAnswerPathwayQuestion().run(dispatcher, tracker, {})
    await ActionAnswerPathwayQuestion().run(
        dispatcher, make_tracker(text="asdf qwerty", slots={"language": "en"}), {}
    )
    with session_scope() as session:
        logged = session.execute(
            select(PathwayQuestion.entry_id, PathwayQuestion.area, PathwayQuestion.lang)
        ).all()
    assert logged == [("vtc-higher-diploma", "vpet", "en")]
