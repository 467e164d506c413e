"""Roadmap drafts are kept answer by answer; completing one adds a version."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from cld import roadmaps, services
from cld.roadmap_models import CheckIn
from pathways_kb.db import session_scope

NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)
FULL = {
    "stage": "s6",
    "interests": "drawing, games",
    "strengths": "patient",
    "values": "helping people",
    "priorities": ["cost", "time"],
    "pathways": ["vtc-higher-diploma"],
    "short_goal": "visit the HKDI info day",
    "long_goal": "work as a game artist",
    "milestones": [
        {"text": "apply to HKDI", "month": "2027-01"},
        {"text": "portfolio", "month": "2027-03"},
        {"text": "interview", "month": "2027-05"},
    ],
    "support": "my art teacher",
}


@pytest.fixture
def profile_id(database):
    with session_scope() as session:
        return services.ensure_profile(session, channel="rest", channel_user_id="y1").id


def fill(profile_id, answers):
    with session_scope() as session:
        for section, value in answers.items():
            roadmaps.save_answer(
                session, profile_id=profile_id, section=section, value=value
            )


def test_each_answer_is_kept_in_the_draft(profile_id):
    fill(profile_id, {"stage": "s6", "interests": "drawing"})
    with session_scope() as session:
        view = roadmaps.current(session, profile_id=profile_id)
    assert view.draft == {"stage": "s6", "interests": "drawing"}
    assert view.version == 0


def test_completing_a_full_draft_makes_version_one_and_check_ins(profile_id):
    fill(profile_id, FULL)
    with session_scope() as session:
        version = roadmaps.complete(
            session, profile_id=profile_id, turns=["t1"], today=NOW
        )
    assert version.number == 1
    assert version.changed == roadmaps.SECTIONS
    with session_scope() as session:
        view = roadmaps.current(session, profile_id=profile_id)
        due = (
            session.execute(select(CheckIn.due_on).order_by(CheckIn.milestone))
            .scalars()
            .all()
        )
    assert (view.version, view.content, view.draft) == (1, FULL, {})
    assert [d.month for d in due] == [1, 3, 5]


def test_incomplete_draft_names_what_is_missing(profile_id):
    fill(profile_id, {"stage": "s6"})
    with (
        pytest.raises(roadmaps.RoadmapIncomplete) as raised,
        session_scope() as session,
    ):
        roadmaps.complete(session, profile_id=profile_id, turns=[], today=NOW)
    assert "interests" in raised.value.missing


def test_too_few_milestones_cannot_complete(profile_id):
    fill(profile_id, {**FULL, "milestones": FULL["milestones"][:2]})
    with (
        pytest.raises(roadmaps.RoadmapIncomplete, match="milestones"),
        session_scope() as session,
    ):
        roadmaps.complete(session, profile_id=profile_id, turns=[], today=NOW)


def test_an_edit_is_a_new_version_and_history_shows_what_changed(profile_id):
    fill(profile_id, FULL)
    with session_scope() as session:
        roadmaps.complete(session, profile_id=profile_id, turns=[], today=NOW)
    with session_scope() as session:
        draft = roadmaps.start_edit(session, profile_id=profile_id)
        assert draft == FULL
        roadmaps.save_answer(
            session, profile_id=profile_id, section="long_goal", value="teacher"
        )
    with session_scope() as session:
        roadmaps.complete(session, profile_id=profile_id, turns=[], today=NOW)
    with session_scope() as session:
        versions = roadmaps.history(session, profile_id=profile_id)
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].changed == ("long_goal",)
    assert versions[0].content["long_goal"] == "work as a game artist"


def test_sharing_and_withdrawing_are_recorded_as_consent(profile_id):
    with session_scope() as session:
        roadmaps.share(
            session, profile_id=profile_id, unit_code="U001", wording_version="v1"
        )
        roadmaps.share(
            session, profile_id=profile_id, unit_code=None, wording_version="v1"
        )
    with session_scope() as session:
        consent = services.current_consent(
            session, profile_id=profile_id, kind="share_roadmap"
        )
        view = roadmaps.current(session, profile_id=profile_id)
    assert consent.granted is False
    assert view.shared_unit is None


def test_unknown_section_is_refused(profile_id):
    with pytest.raises(ValueError, match="unknown section"), session_scope() as session:
        roadmaps.save_answer(
            session, profile_id=profile_id, section="salary", value="1"
        )
