"""Inbox payloads are sealed at rest, opened for recovery, emptied once done."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from cld import channels, sealed
from cld.channel_models import InboxMessage
from pathways_kb.db import session_scope

UPDATE = json.dumps({"update_id": 5, "message": {"text": "call me on 9123 4567"}})


def stored_payload(platform_id: str = "5") -> str:
    with session_scope() as session:
        return session.execute(
            select(InboxMessage.payload).where(InboxMessage.platform_id == platform_id)
        ).scalar_one()


def accept(payload: str = UPDATE, platform_id: str = "5") -> None:
    with session_scope() as session:
        channels.accept_message(
            session, channel="telegram", platform_id=platform_id, payload=payload
        )


def pending() -> list[channels.PendingMessage]:
    with session_scope() as session:
        return channels.unprocessed(session, channel="telegram")


def test_a_payload_is_sealed_when_stored(database):
    accept()
    raw = stored_payload()
    assert sealed.is_sealed(raw)
    assert "9123" not in raw and "call me" not in raw


def test_recovery_reads_the_payload_as_it_came(database):
    accept()
    assert [p.payload for p in pending()] == [UPDATE]


def test_an_older_plain_row_is_still_read(database):
    with session_scope() as session:
        session.add(InboxMessage(channel="telegram", platform_id="4", payload="{}"))
    assert [p.payload for p in pending()] == ["{}"]


def test_a_processed_message_keeps_no_payload(database):
    accept()
    with session_scope() as session:
        channels.mark_processed(session, channel="telegram", platform_id="5")
    assert stored_payload() == ""
    assert pending() == []


def test_a_repeat_is_still_refused_after_processing(database):
    accept()
    with session_scope() as session:
        channels.mark_processed(session, channel="telegram", platform_id="5")
    with session_scope() as session:
        assert not channels.accept_message(
            session, channel="telegram", platform_id="5", payload=UPDATE
        )


def test_a_row_sealed_with_another_key_is_skipped(database, monkeypatch):
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    accept(platform_id="6")
    monkeypatch.setenv("DATA_KEY", Fernet.generate_key().decode())
    accept(platform_id="7")
    assert [p.platform_id for p in pending()] == ["7"]


@pytest.mark.parametrize("text", ["Amy 9123 4567", "身份證 A123456(7)"])
def test_no_typed_text_in_the_inbox_table(database, text):
    accept(json.dumps({"message": {"text": text}}, ensure_ascii=False))
    assert text not in stored_payload()
