"""A person's export holds everything we keep about them, readable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cld import channels, privacy
from cld.staff_models import AuditEvent
from pathways_kb.db import session_scope
from tests.privacy.conftest import chat
from tests.privacy.people import add_parent, add_youth


def test_export_of_a_young_person_has_every_part(database, tracker, tracker_url):
    add_youth("tg-amy")
    chat(tracker_url, "tg-amy", ["I want to bake"], goal="become a pastry chef")
    with session_scope() as session:
        document = privacy.export_person(session, tracker, person="tg-amy")

    assert document["summary"] == {
        "profiles": 1,
        "contact_addresses": 1,
        "conversation_events": 4,
        "messages_waiting": 0,
    }
    [address] = document["contact_addresses"]
    assert (address["channel"], address["address"]) == ("telegram", "4242")
    [profile] = document["profiles"]
    assert profile["role"] == "youth"
    assert [c["kind"] for c in profile["consents"]] == ["share_roadmap"]
    roadmap = profile["roadmap"]
    assert roadmap["draft"] == {"stage": "s6"}
    assert roadmap["shared_unit"] == "YSC01"
    assert [v["content"]["short_goal"] for v in roadmap["versions"]] == [
        "become a nurse",
        "become a pastry chef",
    ]
    assert [c["status"] for c in roadmap["check_ins"]] == ["scheduled"]
    assert profile["requests_for_a_person"][0]["reason"] == "asked"
    assert profile["pathway_questions"][0]["entry_id"] == "hd-vs-ad"
    assert profile["social_worker_notes"][0]["text"] == "likes baking"
    assert profile["roadmap_reviews"][0]["version"] == 2
    assert [a["action"] for a in profile["staff_access_log"]] == ["view_roadmap"]
    assert profile["parent_updates"] is None


def test_export_transcript_is_unsealed(database, tracker, tracker_url):
    add_youth("tg-amy")
    chat(tracker_url, "tg-amy", ["I want to bake"], goal="become a pastry chef")
    with session_scope() as session:
        lines = privacy.export_person(session, tracker, person="tg-amy")["conversation"]
    assert [(line["event"], line.get("text")) for line in lines[:2]] == [
        ("user", "I want to bake"),
        ("bot", "you said: I want to bake"),
    ]
    assert lines[-1]["slot"] == "rm_goal"
    assert lines[-1]["value"] == "become a pastry chef"


def test_export_of_a_parent_has_their_subscription(database, tracker):
    add_parent("tg-dad")
    with session_scope() as session:
        [profile] = privacy.export_person(session, tracker, person="tg-dad")["profiles"]
    assert profile["parent_updates"]["topics"] == ["university"]
    assert profile["parent_updates"]["language"] == "yue"
    assert [d["status"] for d in profile["updates_delivered"]] == ["sent"]
    assert [c["kind"] for c in profile["consents"]] == ["parent_updates"]


def test_export_includes_a_message_still_waiting(database, tracker):
    add_youth("tg-amy", chat_id="4242")
    update = '{"update_id": 9, "message": {"chat": {"id": 4242}, "text": "hello"}}'
    with session_scope() as session:
        channels.accept_message(
            session, channel="telegram", platform_id="9", payload=update
        )
    with session_scope() as session:
        document = privacy.export_person(session, tracker, person="tg-amy")
    assert document["messages_waiting"][0]["message"]["text"] == "hello"


def test_an_export_is_audited_without_personal_data(database, tracker):
    add_youth("tg-amy")
    with session_scope() as session:
        privacy.export_person(session, tracker, person="tg-amy")
    with session_scope() as session:
        detail = session.execute(
            select(AuditEvent.detail).where(AuditEvent.action == "export_person")
        ).scalar_one()
    assert detail == "profiles=1 events=0"


def test_nobody_under_that_pseudonym(database, tracker):
    with session_scope() as session, pytest.raises(LookupError):
        privacy.export_person(session, tracker, person="tg-nobody")
