"""The collection notice: shown once, at a person's first session, in their language."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

import locales
from actions.session import ActionSessionStart
from cld import privacy, services
from pathways_kb.db import session_scope
from tests.conftest import make_tracker


async def first_session(tracker=None) -> list[dict]:
    dispatcher = CollectingDispatcher()
    await ActionSessionStart().run(dispatcher, tracker or make_tracker(), {})
    return dispatcher.messages


def notice(lang: str) -> str:
    return locales.render("utter_privacy_notice", lang, days=30).text


async def test_the_notice_is_shown_at_first_contact_with_the_retention(database):
    [message] = await first_session()
    assert message["text"] == notice("en")


async def test_the_notice_is_in_the_language_of_the_first_message(database):
    tracker = make_tracker(slots={"session_started_metadata": {"language": "yue"}})
    assert [m["text"] for m in await first_session(tracker)] == [notice("yue")]


async def test_a_chosen_language_comes_first(database):
    tracker = make_tracker(
        slots={
            "language_choice": "en",
            "session_started_metadata": {"language": "yue"},
        }
    )
    assert [m["text"] for m in await first_session(tracker)] == [notice("en")]


async def test_the_notice_is_shown_only_once(database):
    await first_session()
    assert await first_session() == []


async def test_a_parent_sees_it_too(database):
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="rest", channel_user_id="rest-tester"
        )
        services.set_role(session, profile_id=profile.id, role="parent")
    tracker = make_tracker(slots={"role": "parent"})
    assert [m["text"] for m in await first_session(tracker)] == [notice("en")]


async def test_a_new_wording_is_shown_again(database, monkeypatch):
    await first_session()
    monkeypatch.setattr(privacy, "NOTICE_VERSION", "notice-next")
    assert [m["text"] for m in await first_session()] == [notice("en")]


def test_the_notice_covers_what_why_who_how_long_and_rights():
    for lang, words in (
        ("en", ("What I keep", "Why", "Who sees it", "30 days", "copy", "deleted")),
        ("yue", ("記低", "用途", "邊個睇到", "30 日", "副本", "刪除")),
    ):
        text = notice(lang)
        assert all(word in text for word in words), lang
