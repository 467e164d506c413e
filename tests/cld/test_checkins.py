"""Check-ins: which are due, claiming one to send, and recording the answer."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from cld import checkins, roadmaps, services
from cld.checkins import CheckInView, DueCheckIn
from cld.roadmap_models import CheckIn
from pathways_kb.db import session_scope
from tests.cld.test_roadmaps import FULL

TODAY = datetime(2026, 11, 24, tzinfo=timezone.utc)
# FULL's milestones fall in Jan, Mar and May 2027: due on the 1st at 10:00 UTC.
WEEK_BEFORE_JANUARY = datetime(2026, 12, 25, 10, tzinfo=timezone.utc)


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def complete_roadmap(
    *, user="tg-1", channel="telegram", language=None, choice=None, content=FULL
):
    """A person with a completed roadmap; returns their profile id."""
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel=channel, channel_user_id=user, language=language
        )
        if choice:
            services.save_language(session, profile_id=profile.id, choice=choice)
        for section, value in content.items():
            roadmaps.save_answer(
                session, profile_id=profile.id, section=section, value=value
            )
        roadmaps.complete(session, profile_id=profile.id, turns=[], today=TODAY)
    return profile.id


def add_version(profile_id, milestones):
    with session_scope() as session:
        roadmaps.start_edit(session, profile_id=profile_id)
        roadmaps.save_answer(
            session, profile_id=profile_id, section="milestones", value=milestones
        )
        roadmaps.complete(session, profile_id=profile_id, turns=[], today=TODAY)


def checkin_rows():
    """(id, version, milestone, status) of every check-in, in schedule order."""
    with session_scope() as session:
        rows = session.execute(
            select(
                CheckIn.id, CheckIn.version, CheckIn.milestone, CheckIn.status
            ).order_by(CheckIn.version, CheckIn.milestone)
        ).all()
    return [tuple(r) for r in rows]


def first_checkin_id():
    return checkin_rows()[0][0]


def due(now=WEEK_BEFORE_JANUARY):
    with session_scope() as session:
        return checkins.due(session, now=now)


def claim(checkin_id):
    with session_scope() as session:
        return checkins.claim(session, checkin_id=checkin_id)


def release(checkin_id):
    with session_scope() as session:
        checkins.release(session, checkin_id=checkin_id)


def pending(profile_id, checkin_id=None):
    with session_scope() as session:
        return checkins.pending(session, profile_id=profile_id, checkin_id=checkin_id)


def record(profile_id, answer, checkin_id=None):
    with session_scope() as session:
        return checkins.record(
            session, profile_id=profile_id, answer=answer, checkin_id=checkin_id
        )


@pytest.fixture
def profile_id(database):
    return complete_roadmap()


def test_due_gives_who_to_ask_where_and_about_what(profile_id):
    assert due() == [
        DueCheckIn(
            id=first_checkin_id(),
            sender_id="tg-1",
            channel="telegram",
            language="en",
            milestone="apply to HKDI",
            month="2027-01",
        )
    ]


@pytest.mark.parametrize(
    ("now", "months"),
    [
        (utc(2026, 11, 24), []),
        (utc(2026, 12, 25, 9, 59), []),
        (utc(2026, 12, 25, 10), ["2027-01"]),
        (utc(2027, 2, 22, 10), ["2027-01", "2027-03"]),
        (utc(2027, 6, 1), ["2027-01", "2027-03", "2027-05"]),
    ],
)
def test_due_lists_check_ins_whose_month_starts_within_a_week(profile_id, now, months):
    assert [d.month for d in due(now)] == months


@pytest.mark.parametrize(
    ("language", "choice", "expected"),
    [
        (None, None, "en"),
        ("yue", None, "yue"),
        ("yue", "en", "en"),
        ("en", "yue", "yue"),
    ],
)
def test_due_speaks_the_persons_chosen_else_detected_language(
    database, language, choice, expected
):
    complete_roadmap(language=language, choice=choice)
    assert [d.language for d in due()] == [expected]


def test_due_respects_the_limit(profile_id):
    with session_scope() as session:
        listed = checkins.due(session, now=utc(2027, 6, 1), limit=2)
    assert [d.month for d in listed] == ["2027-01", "2027-03"]


def test_due_lists_everyone_whose_check_in_is_due(database):
    complete_roadmap(user="tg-1", channel="telegram")
    complete_roadmap(user="wa-1", channel="whatsapp")
    assert sorted((d.channel, d.sender_id) for d in due()) == [
        ("telegram", "tg-1"),
        ("whatsapp", "wa-1"),
    ]


def test_claim_marks_the_check_in_sent(profile_id):
    claim(first_checkin_id())
    assert [status for *_, status in checkin_rows()] == [
        "sent",
        "scheduled",
        "scheduled",
    ]


def test_a_second_claim_is_refused(profile_id):
    checkin_id = first_checkin_id()
    assert [claim(checkin_id), claim(checkin_id)] == [True, False]


def test_a_claimed_check_in_is_no_longer_due(profile_id):
    claim(first_checkin_id())
    assert due() == []


def test_claiming_an_unknown_check_in_is_refused(profile_id):
    assert claim(999_999) is False


def test_release_puts_a_claimed_check_in_back_to_be_claimed_again(profile_id):
    checkin_id = first_checkin_id()
    claim(checkin_id)
    release(checkin_id)
    assert ([d.id for d in due()], claim(checkin_id)) == ([checkin_id], True)


def test_release_leaves_an_answered_check_in_answered(profile_id):
    checkin_id = first_checkin_id()
    claim(checkin_id)
    record(profile_id, "done")
    release(checkin_id)
    assert (pending(profile_id, checkin_id).status, due()) == ("answered", [])


def test_pending_is_none_before_anything_was_asked(profile_id):
    assert pending(profile_id) is None


def test_pending_is_the_check_in_that_was_sent(profile_id):
    checkin_id = first_checkin_id()
    claim(checkin_id)
    assert pending(profile_id) == CheckInView(
        id=checkin_id,
        milestone="apply to HKDI",
        month="2027-01",
        status="sent",
        answer=None,
    )


def test_pending_without_an_id_is_the_latest_sent(profile_id):
    ids = [row[0] for row in checkin_rows()]
    claim(ids[0])
    claim(ids[1])
    assert pending(profile_id).milestone == "portfolio"


def test_pending_by_id_gives_that_check_in(profile_id):
    checkin_id = checkin_rows()[2][0]
    assert pending(profile_id, checkin_id) == CheckInView(
        id=checkin_id,
        milestone="interview",
        month="2027-05",
        status="scheduled",
        answer=None,
    )


def test_pending_never_shows_another_persons_check_in(profile_id):
    other = complete_roadmap(user="tg-2")
    checkin_id = first_checkin_id()
    claim(checkin_id)
    assert pending(other, checkin_id) is None


@pytest.mark.parametrize("answer", checkins.STATUSES)
def test_record_keeps_the_answer_to_a_sent_check_in(profile_id, answer):
    checkin_id = first_checkin_id()
    claim(checkin_id)
    assert record(profile_id, answer) == CheckInView(
        id=checkin_id,
        milestone="apply to HKDI",
        month="2027-01",
        status="answered",
        answer=answer,
    )


def test_record_by_id_can_change_an_answer(profile_id):
    checkin_id = first_checkin_id()
    claim(checkin_id)
    record(profile_id, "in_progress")
    assert record(profile_id, "done", checkin_id).answer == "done"


def test_record_before_the_check_in_was_sent_keeps_nothing(profile_id):
    checkin_id = first_checkin_id()
    assert (
        record(profile_id, "done", checkin_id),
        pending(profile_id, checkin_id),
    ) == (
        None,
        CheckInView(checkin_id, "apply to HKDI", "2027-01", "scheduled", None),
    )


def test_record_with_nothing_sent_is_none(profile_id):
    assert record(profile_id, "done") is None


def test_record_for_another_persons_check_in_is_none(profile_id):
    other = complete_roadmap(user="tg-2")
    checkin_id = first_checkin_id()
    claim(checkin_id)
    assert record(other, "done", checkin_id) is None


@pytest.mark.parametrize("answer", ["", "yes", "DONE", "answered"])
def test_record_refuses_an_unknown_answer(profile_id, answer):
    claim(first_checkin_id())
    with pytest.raises(ValueError, match="unknown check-in answer"):
        record(profile_id, answer)


NEW_MILESTONES = [
    {"text": "open day", "month": "2027-02"},
    {"text": "apply", "month": "2027-04"},
    {"text": "start", "month": "2027-09"},
]


def test_a_new_version_replaces_the_old_versions_scheduled_check_ins(profile_id):
    add_version(profile_id, NEW_MILESTONES)
    assert [(version, status) for _, version, _, status in checkin_rows()] == [
        (1, "replaced"),
        (1, "replaced"),
        (1, "replaced"),
        (2, "scheduled"),
        (2, "scheduled"),
        (2, "scheduled"),
    ]


def test_replaced_check_ins_are_never_due(profile_id):
    add_version(profile_id, NEW_MILESTONES)
    assert [d.milestone for d in due(utc(2027, 12, 1))] == [
        "open day",
        "apply",
        "start",
    ]


def test_a_replaced_check_in_cannot_be_claimed(profile_id):
    old_id = first_checkin_id()
    add_version(profile_id, NEW_MILESTONES)
    assert claim(old_id) is False


def test_a_new_version_keeps_answers_already_given(profile_id):
    checkin_id = first_checkin_id()
    claim(checkin_id)
    record(profile_id, "done")
    add_version(profile_id, NEW_MILESTONES)
    assert [status for _, version, _, status in checkin_rows() if version == 1] == [
        "answered",
        "replaced",
        "replaced",
    ]
