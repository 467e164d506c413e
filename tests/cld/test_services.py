"""Profiles, consent and requests for a person, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cld import services
from cld.models import ConsentRecord, Profile
from pathways_kb.db import session_scope


def test_ensure_profile_creates_once(database):
    with session_scope() as session:
        first = services.ensure_profile(
            session, channel="telegram", channel_user_id="tg-a"
        )
    with session_scope() as session:
        again = services.ensure_profile(
            session, channel="telegram", channel_user_id="tg-a"
        )
    assert again.id == first.id


def test_same_user_id_on_two_channels_is_two_profiles(database):
    with session_scope() as session:
        a = services.ensure_profile(session, channel="telegram", channel_user_id="x")
        b = services.ensure_profile(session, channel="whatsapp", channel_user_id="x")
    assert a.id != b.id


def test_duplicate_profile_is_refused_by_the_database(database):
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(Profile(channel="rest", channel_user_id="dup"))
        session.add(Profile(channel="rest", channel_user_id="dup"))
        session.flush()


def test_language_and_choice_are_remembered(database):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="u")
        services.save_language(
            session, profile_id=profile.id, language="yue", choice="en"
        )
    with session_scope() as session:
        saved = services.get_profile(session, channel="rest", channel_user_id="u")
    assert (saved.language, saved.language_choice) == ("yue", "en")


def test_unsupported_language_is_not_saved(database):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="u")
        services.save_language(session, profile_id=profile.id, language="ko")
    with session_scope() as session:
        saved = services.get_profile(session, channel="rest", channel_user_id="u")
    assert saved.language is None


def test_role_is_validated(database):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="u")
        with pytest.raises(ValueError, match="unknown role"):
            services.set_role(session, profile_id=profile.id, role="teacher")


def test_latest_consent_wins_and_history_is_kept(database):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="u")
        for granted in (True, False):
            services.record_consent(
                session,
                profile_id=profile.id,
                kind="share_roadmap",
                granted=granted,
                wording_version="v1",
            )
    with session_scope() as session:
        consent = services.current_consent(
            session, profile_id=profile.id, kind="share_roadmap"
        )
        history = session.execute(select(func.count(ConsentRecord.id))).scalar_one()
    assert consent.granted is False
    assert history == 2


def test_no_consent_asked_yet_is_none(database):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="u")
        assert (
            services.current_consent(session, profile_id=profile.id, kind="x") is None
        )


def test_request_for_a_person_stays_open(database):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="u")
        services.request_human(
            session, profile_id=profile.id, reason="asked", context="greet"
        )
    with session_scope() as session:
        assert services.open_help_requests(session, profile_id=profile.id) == 1


def test_failed_transaction_saves_nothing(database):
    with pytest.raises(RuntimeError), session_scope() as session:
        services.ensure_profile(session, channel="rest", channel_user_id="lost")
        raise RuntimeError("boom")
    with session_scope() as session:
        assert (
            services.get_profile(session, channel="rest", channel_user_id="lost")
            is None
        )
