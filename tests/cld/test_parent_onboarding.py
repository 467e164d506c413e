"""A parent's sign-up answers are understood in English, Cantonese and the mix."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cld import parent_onboarding, parents, services, units
from cld.answers import AnswerError
from cld.models import ConsentRecord
from cld.parent_onboarding import TopicPick
from pathways_kb.db import session_scope


def reason(check, *args, **kwargs):
    with pytest.raises(AnswerError) as error:
        check(*args, **kwargs)
    return error.value.reason


# --- consent ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("yes", "yes"),
        ("Yes!", "yes"),
        ("ok 呀", "yes"),
        ("sure la", "yes"),
        ("好呀", "yes"),
        ("同意", "yes"),
        ("no", "no"),
        ("No thanks.", "no"),
        ("唔使喇", "no"),
        ("我唔想收", "no"),
        ("遲啲先", "no"),
    ],
)
def test_consent_is_a_clear_yes_or_no(typed, answer):
    assert parent_onboarding.consent(typed) == answer


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("maybe", "unknown_consent"),
        ("what is this", "unknown_consent"),
        ("👍", "no_words"),
        ("   ", "empty"),
        ("y" * 501, "too_long"),
    ],
)
def test_anything_but_a_clear_answer_is_not_consent(typed, why):
    assert reason(parent_onboarding.consent, typed) == why


# --- language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "lang"),
    [
        ("en", "en"),
        ("yue", "yue"),
        ("English (suggested)", "en"),
        ("english please", "en"),
        ("廣東話 (中文)", "yue"),
        ("廣東話（中文）（建議）", "yue"),
        ("中文", "yue"),
        ("Cantonese", "yue"),
        ("英文", "en"),
    ],
)
def test_the_language_is_read_from_a_button_or_its_name(typed, lang):
    assert parent_onboarding.language(typed) == lang


@pytest.mark.parametrize("typed", ["French", "English or 中文"])
def test_an_unknown_or_double_language_is_asked_again(typed):
    assert reason(parent_onboarding.language, typed) == "unknown_language"


@pytest.mark.parametrize(
    ("choice", "detected", "suggested"),
    [("auto", "yue", "yue"), ("en", "yue", "en"), ("auto", None, "en")],
)
def test_the_suggested_language_is_the_choice_else_the_detected_one(
    choice, detected, suggested
):
    assert parent_onboarding.suggested_language(choice, detected) == suggested


# --- child's stage ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stage"),
    [
        ("senior_secondary", "senior_secondary"),
        ("S2", "junior_secondary"),
        ("讀緊中二", "junior_secondary"),
        ("my son is in F.5", "senior_secondary"),
        ("我個仔讀緊 F.5", "senior_secondary"),
        ("she's doing the DSE", "senior_secondary"),
        ("佢讀緊大學", "post_secondary"),
        ("he's at IVE", "post_secondary"),
        ("looking for work", "working"),
        ("返緊工", "working"),
        ("gap year", "other"),
    ],
)
def test_the_childs_stage_is_understood(typed, stage):
    assert parent_onboarding.child_stage(typed) == stage


@pytest.mark.parametrize("typed", ["asdf", "one in S2 and one in S5"])
def test_an_unclear_stage_is_asked_again(typed):
    assert reason(parent_onboarding.child_stage, typed) == "unknown_stage"


# --- topics -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "topics"),
    [
        ("vpet and university", ("vpet", "university")),
        ("大學同職業教育", ("vpet", "university")),
        ("VPET 同 university", ("vpet", "university")),
        ("我想知 jobs 同 parenting", ("employment", "parenting")),
        ("working holidays", ("working_holiday",)),
        ("工作假期", ("working_holiday",)),
        ("搵工同實習", ("employment",)),
        ("親子教育", ("parenting",)),
        ("Jobs and internships", ("employment",)),
        ("職業專才教育（VPET）", ("vpet",)),
        ("I'd like to know about cooking", ()),
    ],
)
def test_topics_are_found_in_what_was_typed(typed, topics):
    assert parent_onboarding.topics_in(typed) == topics


def test_a_tap_adds_a_topic_and_waits_for_more():
    assert parent_onboarding.pick_topics(["university"], chosen=["vpet"]) == TopicPick(
        ("vpet", "university"), finished=False
    )


def test_typed_topics_are_added_to_those_tapped():
    pick = parent_onboarding.pick_topics("jobs and parenting", chosen=["vpet"])
    assert pick == TopicPick(("vpet", "employment", "parenting"), finished=False)


@pytest.mark.parametrize("typed", [["all"], "all of these", "全部都要"])
def test_all_of_these_chooses_every_topic(typed):
    assert parent_onboarding.pick_topics(typed, chosen=[]) == TopicPick(
        parents.TOPICS, finished=True
    )


@pytest.mark.parametrize("typed", [["done"], "done", "夠喇"])
def test_done_finishes_with_the_topics_chosen(typed):
    assert parent_onboarding.pick_topics(typed, chosen=["parenting"]) == TopicPick(
        ("parenting",), finished=True
    )


def test_done_before_any_topic_is_refused():
    assert reason(parent_onboarding.pick_topics, ["done"], chosen=[]) == "no_topics"


def test_an_unknown_topic_is_refused():
    assert reason(parent_onboarding.pick_topics, "cooking", chosen=[]) == (
        "unknown_topic"
    )


# --- unit code --------------------------------------------------------------------


@pytest.fixture
def unit(database):
    with session_scope() as session:
        units.add_unit(session, code="YSC01", name="Sha Tin Youth Centre")


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("skip", "skip"),
        ("唔知呀", "skip"),
        ("no code", "skip"),
        ("ysc 01", "YSC01"),
        ("the code is YSC01", "YSC01"),
    ],
)
def test_a_known_unit_code_or_skip_is_accepted(unit, typed, answer):
    with session_scope() as session:
        assert parent_onboarding.unit_answer(session, value=typed) == answer


def test_an_unknown_unit_code_is_refused(unit):
    with session_scope() as session:
        assert reason(parent_onboarding.unit_answer, session, value="ABC99") == (
            "unknown_unit"
        )


# --- signing up -------------------------------------------------------------------


def test_complete_subscribes_and_makes_the_person_a_parent(unit):
    with session_scope() as session:
        pid = services.ensure_profile(session, channel="rest", channel_user_id="p").id
        view = parent_onboarding.complete(
            session,
            profile_id=pid,
            language="yue",
            child_stage="senior_secondary",
            topics=["university", "vpet"],
            unit="YSC01",
        )
        profile = services.get_profile(session, channel="rest", channel_user_id="p")
        consents = session.execute(select(ConsentRecord.granted)).scalars().all()
    assert (view.active, view.topics, view.unit_code) == (
        True,
        ("vpet", "university"),
        "YSC01",
    )
    assert (profile.role, profile.language_choice) == ("parent", "yue")
    assert consents == [True]


def test_complete_without_a_unit_keeps_none(database):
    with session_scope() as session:
        pid = services.ensure_profile(session, channel="rest", channel_user_id="p").id
        view = parent_onboarding.complete(
            session,
            profile_id=pid,
            language="en",
            child_stage="other",
            topics=["parenting"],
            unit="skip",
        )
    assert view.unit_code is None
