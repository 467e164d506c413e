"""Notes, reviews and feedback on a young person: each checks need-to-know."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from cld import roadmaps, services, staff, units, youth_review
from cld.broadcast_models import Delivery
from cld.staff_models import RoadmapReview, YouthNote
from pathways_kb.db import session_scope
from tests.cld.test_roadmaps import FULL

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """Cheap argon2 parameters (the real ones are slow on purpose)."""
    monkeypatch.setattr(
        staff, "_hasher", PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
    )


@pytest.fixture
def accounts(database):
    with session_scope() as session:
        for code in ("AAA", "BBB"):
            units.add_unit(session, code=code, name=code)
        return {
            name: staff.create_account(
                session,
                username=name,
                password=PASSWORD,
                role=role,
                display_name=name.title(),
                unit_code=unit,
            )
            for name, role, unit in (
                ("amy", "worker", "AAA"),
                ("ben", "worker", "BBB"),
                ("root", "admin", None),
            )
        }


@pytest.fixture
def youth(accounts):
    """A young person on Telegram with one completed version, shared with AAA."""
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="telegram", channel_user_id="tg-1", language="yue"
        )
        for section, value in FULL.items():
            roadmaps.save_answer(
                session, profile_id=profile.id, section=section, value=value
            )
        roadmaps.complete(session, profile_id=profile.id, turns=[], today=NOW)
        roadmaps.share(
            session, profile_id=profile.id, unit_code="AAA", wording_version="v1"
        )
        return profile.id


def call(name, **kwargs):
    with session_scope() as session:
        return getattr(youth_review, name)(session, **kwargs)


def rows(model):
    with session_scope() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_a_note_is_kept_stripped_with_its_author(accounts, youth):
    call("add_note", profile_id=youth, account=accounts["amy"], text="  met at school ")
    (note,) = call("notes", profile_id=youth, account=accounts["amy"])
    assert (note.text, note.author) == ("met at school", "Amy")


def test_notes_come_newest_first(accounts, youth):
    for text in ("first", "second"):
        call("add_note", profile_id=youth, account=accounts["amy"], text=text)
    notes = call("notes", profile_id=youth, account=accounts["amy"])
    assert [n.text for n in notes] == ["second", "first"]


@pytest.mark.parametrize("text", ["", "   \n ", "x" * 2001, "a\x00b"])
def test_a_bad_note_is_refused(accounts, youth, text):
    with pytest.raises(ValueError):
        call("add_note", profile_id=youth, account=accounts["amy"], text=text)
    assert rows(YouthNote) == 0


def test_a_note_of_2000_characters_is_kept(accounts, youth):
    call("add_note", profile_id=youth, account=accounts["amy"], text="字" * 2000)
    assert rows(YouthNote) == 1


def test_a_review_of_the_current_version_is_recorded(accounts, youth):
    call("mark_reviewed", profile_id=youth, version=1, account=accounts["amy"])
    (review,) = call("reviews", profile_id=youth, account=accounts["amy"])
    assert (review.version, review.reviewer) == (1, "Amy")


@pytest.mark.parametrize("version", [0, 2, -1])
def test_a_review_of_a_version_that_does_not_exist_is_refused(accounts, youth, version):
    with pytest.raises(ValueError):
        call(
            "mark_reviewed", profile_id=youth, version=version, account=accounts["amy"]
        )
    assert rows(RoadmapReview) == 0


def test_feedback_queues_one_delivery_in_the_young_persons_language(accounts, youth):
    call("send_feedback", profile_id=youth, account=accounts["amy"], text=" 做得好！ ")
    with session_scope() as session:
        delivery = session.execute(select(Delivery)).scalar_one()
        assert (delivery.status, delivery.lang) == ("queued", "yue")
    (sent,) = call("feedback", profile_id=youth, account=accounts["amy"])
    assert (sent.text, sent.sent_by, sent.status) == ("做得好！", "amy", "queued")


@pytest.mark.parametrize("text", ["", "x" * 2001, "\x00"])
def test_bad_feedback_sends_nothing(accounts, youth, text):
    with pytest.raises(ValueError):
        call("send_feedback", profile_id=youth, account=accounts["amy"], text=text)
    assert rows(Delivery) == 0


def test_the_conversation_id_is_the_channel_user_id(accounts, youth):
    assert call("conversation_id", profile_id=youth, account=accounts["amy"]) == "tg-1"


@pytest.mark.parametrize("who", ["ben", "root"])
@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("add_note", {"text": "hello"}),
        ("notes", {}),
        ("mark_reviewed", {"version": 1}),
        ("reviews", {}),
        ("send_feedback", {"text": "hello"}),
        ("feedback", {}),
        ("conversation_id", {}),
    ],
)
def test_every_function_checks_need_to_know(accounts, youth, who, name, options):
    with pytest.raises(LookupError):
        call(name, profile_id=youth, account=accounts[who], **options)
    assert rows(YouthNote) == rows(RoadmapReview) == rows(Delivery) == 0


def test_stopping_sharing_hides_the_notes_at_once(accounts, youth):
    call("add_note", profile_id=youth, account=accounts["amy"], text="kept")
    with session_scope() as session:
        roadmaps.share(session, profile_id=youth, unit_code=None, wording_version="v1")
    with pytest.raises(LookupError):
        call("notes", profile_id=youth, account=accounts["amy"])
