"""Roadmap actions and the form validator: what is said, saved and set."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from rasa_sdk.events import SlotSet
from sqlalchemy import select

from actions import roadmap
from actions.checkins import ActionAskCheckin, ActionRecordCheckin
from actions.forms import roadmap_form
from actions.forms.roadmap_form import (
    ActionAskRmMilestoneText,
    ActionAskRmPathways,
    ValidateRoadmapForm,
)
from actions.roadmap import (
    ActionCompleteRoadmap,
    ActionEditRoadmap,
    ActionRestartRoadmap,
    ActionShareRoadmap,
    ActionShowRoadmap,
    ActionStartRoadmap,
    ActionStopSharing,
    ValidateShareForm,
)
from cld import checkins, roadmaps, services, units
from cld.models import PathwayQuestion
from pathways_kb.db import session_scope
from tests.cld.test_roadmaps import FULL
from tests.conftest import make_tracker

FORM_SLOTS = {f"rm_{k}": v for k, v in FULL.items()}
NOW = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def link_settings(monkeypatch):
    monkeypatch.setenv("ROADMAP_LINK_KEY", "test-key-0123456789abcdef")
    monkeypatch.setenv("PUBLIC_URL", "http://gateway.test")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(roadmap_form, "today_in_hong_kong", lambda: NOW)
    monkeypatch.setattr(roadmap, "today_in_hong_kong", lambda: NOW)


def profile_id(sender="rest-tester"):
    with session_scope() as session:
        return services.ensure_profile(
            session, channel="rest", channel_user_id=sender
        ).id


def draft(pid):
    with session_scope() as session:
        return roadmaps.current(session, profile_id=pid).draft


def finished_roadmap(pid):
    with session_scope() as session:
        for section, value in FULL.items():
            roadmaps.save_answer(session, profile_id=pid, section=section, value=value)
        roadmaps.complete(session, profile_id=pid, turns=[], today=NOW)


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def validate(slot, value, *, text=None, intent="inform", slots=None, **extra):
    tracker = make_tracker(
        text=value if text is None and isinstance(value, str) else (text or ""),
        intent=intent,
        slots={"language": "en", **(slots or {})},
        **extra,
    )
    method = getattr(ValidateRoadmapForm(), f"validate_{slot}")
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    result = await method(value, dispatcher, tracker, {})
    return result, dispatcher


# --- starting --------------------------------------------------------------------


async def test_a_first_roadmap_starts_the_form(database, dispatcher):
    events = await ActionStartRoadmap().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_roadmap_started"]
    assert events[-1] == SlotSet("roadmap_next", "form")
    assert SlotSet("rm_stage", None) in events


async def test_a_draft_is_resumed_with_its_answers(database, dispatcher):
    pid = profile_id()
    with session_scope() as session:
        roadmaps.save_answer(session, profile_id=pid, section="stage", value="s6")
    events = await ActionStartRoadmap().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_roadmap_resumed"]
    assert SlotSet("rm_stage", "s6") in events
    assert SlotSet("rm_interests", None) in events
    assert events[-1] == SlotSet("roadmap_next", "form")


async def test_a_finished_roadmap_offers_choices(database, dispatcher):
    finished_roadmap(profile_id())
    events = await ActionStartRoadmap().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_roadmap_exists"]
    assert dispatcher.messages[0]["version"] == 1
    assert events == [SlotSet("roadmap_next", "offer")]


# --- validating answers ------------------------------------------------------------


async def test_a_stage_button_is_saved_in_the_draft_at_once(database):
    result, dispatcher = await validate("rm_stage", "s6", text='/inform{"choice":"s6"}')
    assert result == {"rm_stage": "s6"}
    assert dispatcher.messages == []
    assert draft(profile_id()) == {"stage": "s6"}


async def test_a_typed_stage_is_understood(database):
    result, _ = await validate("rm_stage", "我讀緊中五")
    assert result == {"rm_stage": "s5"}


@pytest.mark.parametrize(
    ("slot", "value", "reason"),
    [
        ("rm_stage", "asdf", "unknown_stage"),
        ("rm_interests", "🙂🙂🙂", "no_words"),
        ("rm_strengths", "x" * 501, "too_long"),
        ("rm_values", "   ", "empty"),
        ("rm_short_goal", "!!!", "no_words"),
        ("rm_support", "", "empty"),
    ],
)
async def test_a_bad_answer_is_asked_again_and_earlier_answers_stay(
    database, slot, value, reason
):
    pid = profile_id()
    with session_scope() as session:
        roadmaps.save_answer(session, profile_id=pid, section="stage", value="s6")
    result, dispatcher = await validate(slot, value)
    assert result == {slot: None}
    assert responses(dispatcher) == [f"utter_roadmap_invalid_{reason}"]
    assert draft(pid) == {"stage": "s6"}


async def test_a_pathway_question_mid_form_is_answered_and_asked_again(
    kb_loaded, dispatcher
):
    result, said = await validate(
        "rm_interests", "what is a higher diploma?", intent="ask_pathway"
    )
    assert result == {"rm_interests": None}
    assert responses(said) == ["utter_pathway_answer"]
    with session_scope() as session:  # HKBM evidence, as outside the form
        logged = session.execute(select(PathwayQuestion.entry_id)).scalars().all()
    assert logged == ["vtc-higher-diploma"]


async def test_an_answer_that_mentions_a_pathway_is_still_an_answer(kb_loaded):
    result, said = await validate(
        "rm_interests", "I like the higher diploma in design", intent="ask_pathway"
    )
    assert result == {"rm_interests": "I like the higher diploma in design"}
    assert said.messages == []


async def test_another_command_mid_form_is_not_taken_as_an_answer(database):
    result, said = await validate("rm_interests", "/greet", intent="greet")
    assert result == {"rm_interests": None}
    assert said.messages == []


async def test_priorities_from_words(database):
    result, _ = await validate("rm_priorities", ["cost and my family"])
    assert result == {"rm_priorities": ["cost", "family"]}


async def test_a_suggested_pathway_is_kept_by_its_id(database):
    result, _ = await validate(
        "rm_pathways", ["vtc-higher-diploma"], text='/inform{"choice":"x"}'
    )
    assert result == {"rm_pathways": ["vtc-higher-diploma"]}


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("2020-01", "month_in_past"),
        ("2032-01", "month_too_far"),
        ("someday", "unreadable_month"),
    ],
)
async def test_a_bad_milestone_month_is_refused(database, typed, reason):
    result, said = await validate(
        "rm_milestone_month", typed, slots={"rm_milestone_text": "apply to HKDI"}
    )
    assert result == {"rm_milestone_month": None}
    assert responses(said) == [f"utter_roadmap_invalid_{reason}"]


async def test_a_good_month_adds_the_milestone_and_asks_for_the_next(database):
    result, _ = await validate(
        "rm_milestone_month",
        "Mar 2027",
        slots={"rm_milestone_text": "portfolio", "rm_milestones": []},
    )
    assert result == {
        "rm_milestones": [{"text": "portfolio", "month": "2027-03"}],
        "rm_milestone_text": None,
        "rm_milestone_month": None,
    }
    assert draft(profile_id())["milestones"] == [
        {"text": "portfolio", "month": "2027-03"}
    ]


async def test_the_sixth_milestone_ends_the_list(database):
    five = [{"text": f"step {n}", "month": "2027-01"} for n in range(5)]
    result, _ = await validate(
        "rm_milestone_month",
        "2027-06",
        slots={"rm_milestone_text": "last", "rm_milestones": five},
    )
    assert (result["rm_milestone_text"], result["rm_milestone_month"]) == (
        "done",
        "done",
    )
    assert len(result["rm_milestones"]) == 6


async def test_done_with_too_few_milestones_asks_for_more(database):
    result, said = await validate(
        "rm_milestone_text", "done", slots={"rm_milestones": [FULL["milestones"][0]]}
    )
    assert result == {"rm_milestone_text": None}
    assert responses(said) == ["utter_roadmap_invalid_too_few_milestones"]
    assert said.messages[0]["number"] == 2


async def test_done_with_three_milestones_finishes_the_list(database):
    result, _ = await validate(
        "rm_milestone_text", "夠喇", slots={"rm_milestones": FULL["milestones"]}
    )
    assert result == {"rm_milestone_text": "done", "rm_milestone_month": "done"}


# --- asking ------------------------------------------------------------------------


async def test_pathway_suggestions_are_buttons_that_choose_an_entry(
    kb_loaded, dispatcher
):
    tracker = make_tracker(
        slots={"language": "en", "rm_stage": "s6", "rm_interests": "x"}
    )
    await ActionAskRmPathways().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_rm_pathways"
    assert {
        "title": "Higher Diploma (HD) at VTC",
        "payload": '/inform{"choice":"vtc-higher-diploma"}',
    } in message["buttons"]
    assert "https://www.vtc.edu.hk/admission/" in message["suggestions"]


@pytest.mark.parametrize(
    ("count", "response"),
    [
        (0, "utter_ask_rm_milestone_first"),
        (2, "utter_ask_rm_milestone_next"),
        (3, "utter_ask_rm_milestone_more"),
    ],
)
async def test_the_milestone_question_follows_the_count(dispatcher, count, response):
    slots = {"rm_milestones": FULL["milestones"][:count] if count <= 3 else []}
    await ActionAskRmMilestoneText().run(dispatcher, make_tracker(slots=slots), {})
    assert responses(dispatcher) == [response]


# --- finishing, showing, editing ---------------------------------------------------------


async def test_finishing_saves_a_version_shows_it_and_offers_to_share(
    database, dispatcher
):
    pid = profile_id()
    with session_scope() as session:
        for section, value in FULL.items():
            roadmaps.save_answer(session, profile_id=pid, section=section, value=value)
    events = await ActionCompleteRoadmap().run(
        dispatcher, make_tracker(slots={"language": "en", **FORM_SLOTS}), {}
    )
    assert responses(dispatcher) == [
        "utter_roadmap_saved",
        "utter_roadmap_summary",
        "utter_ask_share_roadmap",
    ]
    summary = dispatcher.messages[1]
    assert summary["stage"] == "S6"
    assert summary["page_url"].startswith("http://gateway.test/roadmaps/")
    assert "1. apply to HKDI (Jan 2027)" in summary["milestones"]
    assert SlotSet("rm_stage", None) in events
    with session_scope() as session:
        assert roadmaps.current(session, profile_id=pid).version == 1


async def test_a_lost_draft_asks_for_the_missing_parts_again(database, dispatcher):
    profile_id()
    events = await ActionCompleteRoadmap().run(dispatcher, make_tracker(), {})
    assert SlotSet("rm_stage", None) in events
    assert events[-1].get("name") == "roadmap_form"


async def test_show_without_a_roadmap_offers_to_start(database, dispatcher):
    await ActionShowRoadmap().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_roadmap_none"]


async def test_show_in_cantonese(database, dispatcher):
    finished_roadmap(profile_id())
    await ActionShowRoadmap().run(
        dispatcher, make_tracker(slots={"language": "yue"}), {}
    )
    [summary] = dispatcher.messages
    assert summary["stage"] == "中六"
    assert "2027年1月" in summary["milestones"]
    assert summary["page_url"].endswith("?lang=yue")


async def test_editing_one_part_keeps_the_others(database, dispatcher):
    pid = profile_id()
    finished_roadmap(pid)
    tracker = make_tracker(
        entities=[{"entity": "roadmap_section", "value": "long_goal"}]
    )
    events = await ActionEditRoadmap().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_roadmap_editing"]
    assert SlotSet("rm_long_goal", None) in events
    assert SlotSet("rm_short_goal", FULL["short_goal"]) in events
    assert SlotSet("rm_milestone_text", "done") in events
    assert events[-1] == SlotSet("roadmap_next", "form")
    assert draft(pid)["long_goal"] is None


@pytest.mark.parametrize(
    ("entities", "response"),
    [
        ([{"entity": "roadmap_section", "value": "goals"}], "utter_ask_goal_which"),
        ([], "utter_ask_edit_section"),
    ],
)
async def test_an_unclear_edit_asks_which_part(
    database, dispatcher, entities, response
):
    finished_roadmap(profile_id())
    events = await ActionEditRoadmap().run(
        dispatcher, make_tracker(entities=entities), {}
    )
    assert responses(dispatcher) == [response]
    assert events == [SlotSet("roadmap_next", "offer")]


async def test_restart_clears_the_draft_but_keeps_versions(database, dispatcher):
    pid = profile_id()
    finished_roadmap(pid)
    with session_scope() as session:
        roadmaps.save_answer(session, profile_id=pid, section="stage", value="s5")
    await ActionRestartRoadmap().run(dispatcher, make_tracker(), {})
    with session_scope() as session:
        view = roadmaps.current(session, profile_id=pid)
    assert (view.draft, view.version) == ({}, 1)


# --- sharing -----------------------------------------------------------------------------


@pytest.fixture
def unit(database):
    with session_scope() as session:
        return units.add_unit(session, code="YSC01", name="Sha Tin Youth Centre")


@pytest.mark.parametrize(("typed", "kept"), [("ysc 01", "YSC01"), ("nope", None)])
async def test_the_unit_code_must_exist(unit, dispatcher, typed, kept):
    tracker = make_tracker(text=typed, slots={"share_unit": typed})
    events = await ValidateShareForm().run(dispatcher, tracker, {})
    assert events == [SlotSet("share_unit", kept)]
    assert responses(dispatcher) == ([] if kept else ["utter_roadmap_invalid_unit"])


async def test_sharing_then_withdrawing(unit, dispatcher):
    pid = profile_id()
    finished_roadmap(pid)
    await ActionShareRoadmap().run(
        dispatcher, make_tracker(slots={"share_unit": "YSC01"}), {}
    )
    await ActionStopSharing().run(dispatcher, make_tracker(), {})
    await ActionStopSharing().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == [
        "utter_roadmap_shared",
        "utter_sharing_stopped",
        "utter_sharing_not_active",
    ]
    with session_scope() as session:
        consent = services.current_consent(
            session, profile_id=pid, kind="share_roadmap"
        )
        assert roadmaps.current(session, profile_id=pid).shared_unit is None
    assert consent.granted is False


async def test_nothing_to_share_without_a_finished_roadmap(unit, dispatcher):
    profile_id()
    await ActionShareRoadmap().run(
        dispatcher, make_tracker(slots={"share_unit": "YSC01"}), {}
    )
    assert responses(dispatcher) == ["utter_roadmap_nothing_to_share"]


# --- check-ins ---------------------------------------------------------------------------


async def test_a_check_in_is_asked_and_answered(database, dispatcher):
    pid = profile_id()
    finished_roadmap(pid)
    with session_scope() as session:
        first = checkins.due(session, now=datetime(2026, 12, 28, tzinfo=timezone.utc))[
            0
        ]
        checkins.claim(session, checkin_id=first.id)
    await ActionAskCheckin().run(dispatcher, make_tracker(slots={"language": "en"}), {})
    tracker = make_tracker(entities=[{"entity": "checkin_status", "value": "done"}])
    await ActionRecordCheckin().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_ask_checkin", "utter_checkin_done"]
    assert dispatcher.messages[0]["month"] == "Jan 2027"
    assert dispatcher.messages[1]["milestone"] == "apply to HKDI"


async def test_an_answer_with_no_check_in_waiting(database, dispatcher):
    profile_id()
    tracker = make_tracker(entities=[{"entity": "checkin_status", "value": "done"}])
    await ActionRecordCheckin().run(dispatcher, tracker, {})
    assert responses(dispatcher) == ["utter_checkin_none"]


async def test_typed_intent_syntax_is_not_an_answer(database):
    # The gateway sends typed "/inform{...}" as text without its slash.
    typed = 'inform{"choice":"s6"}'
    result, said = await validate("rm_stage", typed, text=typed)
    assert result == {"rm_stage": None}
    assert said.messages == []


@pytest.mark.parametrize(
    "slot",
    ["rm_stage", "rm_interests", "rm_priorities", "rm_milestone_text", "rm_support"],
)
async def test_an_emptied_slot_is_not_an_answer_to_complain_about(database, slot):
    # A restart or an edit empties the slots; Rasa validates them on activation.
    result, said = await validate(
        slot, None, text="/start_roadmap", intent="start_roadmap"
    )
    assert result == {slot: None}
    assert said.messages == []
