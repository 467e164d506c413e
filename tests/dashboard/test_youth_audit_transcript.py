"""The audited views of the youth pages: the audit log, the transcript read from
Rasa's tracker store, and the printable roadmap."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cld.staff_models import AuditEvent
from pathways_kb.db import session_scope
from tests.dashboard.conftest import actions, make_youth, write_conversation

# Audit


@pytest.mark.parametrize(
    ("method", "suffix", "data", "action"),
    [
        ("get", "", None, "view_roadmap"),
        ("get", "/transcript", None, "view_transcript"),
        ("get", "/print", None, "print_roadmap"),
        ("post", "/notes", {"note": "n"}, "add_note"),
        ("post", "/feedback", {"feedback": "f"}, "send_feedback"),
        ("post", "/review", {"review": "1"}, "mark_reviewed"),
    ],
)
async def test_every_view_and_change_is_audited(amy, method, suffix, data, action):
    y = make_youth("y1")
    if method == "get":
        response = await amy.get(f"/youth/{y.alias}{suffix}")
    else:
        response = await amy.post(
            f"/youth/{y.alias}{suffix}", data, allow_redirects=False
        )
    assert response.status in (200, 303)
    assert actions(y.profile_id) == [action]


async def test_audit_details_hold_no_message_text(amy):
    y = make_youth("y1")
    await amy.post(f"/youth/{y.alias}/notes", {"note": "secret words"})
    with session_scope() as session:
        details = session.execute(select(AuditEvent.detail)).scalars().all()
    assert not any("secret" in (d or "") for d in details)


async def test_a_supervisor_reads_the_units_audit_log(dashboard):
    y = make_youth("y1")
    make_youth("other", share="BBB")
    amy, ben = await dashboard("amy"), await dashboard("ben")
    await amy.get(f"/youth/{y.alias}")
    await ben.get("/youth")
    sam = await dashboard("sam")
    page = await sam.text("/audit?lang=en")
    assert "opened a roadmap" in page and y.alias in page and "<td>amy</td>" in page
    assert "<td>ben</td>" not in page
    filtered = await sam.text("/audit?action=login")
    assert "opened a roadmap</td>" not in filtered and "signed in</td>" in filtered


async def test_the_audit_log_speaks_cantonese(dashboard):
    sam = await dashboard("sam")
    assert "<h1>查閱紀錄</h1>" in await sam.text("/audit")


@pytest.mark.parametrize("username", ["amy", "root"])
async def test_only_supervisors_see_the_audit_log(dashboard, username):
    person = await dashboard(username)
    assert (await person.get("/audit")).status == 404


# Transcript


async def test_the_transcript_shows_both_sides_in_order(amy, tracker_db):
    from rasa.shared.core.events import BotUttered, SessionStarted, SlotSet, UserUttered

    y = make_youth("tg-123")
    await write_conversation(
        tracker_db,
        y.sender_id,
        [
            SessionStarted(timestamp=1_790_000_000.0),
            UserUttered(
                "我想讀設計",
                {"name": "ask_pathway", "confidence": 1.0},
                [{"entity": "detected_language", "value": "yue"}],
                timestamp=1_790_000_001.0,
            ),
            SlotSet("language", "yue", timestamp=1_790_000_001.5),
            BotUttered(
                "你可以睇吓 HKDI",
                {"buttons": [{"title": "好", "payload": "/ok"}]},
                timestamp=1_790_000_002.0,
            ),
            UserUttered("ok", {"name": "affirm"}, [], timestamp=1_790_000_003.0),
        ],
    )
    await write_conversation(tracker_db, "someone-else", [UserUttered("not theirs")])
    page = await amy.text(f"/youth/{y.alias}/transcript")
    cells = re.findall(r'<span class="own-words"[^>]*>(.*?)</span>', page)
    assert cells == ["我想讀設計", "你可以睇吓 HKDI", "ok"]
    assert "A new conversation session started." in page
    assert "2026-09-21 22:13" in page  # 1_790_000_001 in Hong Kong time
    assert page.count("<td>Cantonese</td>") == 3  # "ok" is ambiguous: the slot says
    assert '<span class="badge">好</span>' in page and "not theirs" not in page


async def test_a_young_person_without_messages_has_an_empty_transcript(amy, tracker_db):
    y = make_youth("y1")
    await write_conversation(tracker_db, "someone-else", [])
    assert "No messages yet." in await amy.text(f"/youth/{y.alias}/transcript")


@pytest.mark.parametrize("damage", ["missing", "garbage", "directory"])
async def test_an_unreadable_tracker_store_is_a_polite_message(amy, tracker_db, damage):
    if damage == "garbage":
        tracker_db.write_bytes(b"this is not a database" * 100)
    elif damage == "directory":
        tracker_db.mkdir()
    y = make_youth("y1")
    response = await amy.get(f"/youth/{y.alias}/transcript")
    assert response.status == 200
    assert "The conversation cannot be read right now." in await response.text()
    assert damage != "missing" or not tracker_db.exists()  # never created


# Print


async def test_the_printable_roadmap_has_no_inline_style(amy):
    y = make_youth("y1")
    response = await amy.get(f"/youth/{y.alias}/print?in=yue")
    page = await response.text()
    assert (
        response.status == 200
        and "style-src 'self'" in response.headers["Content-Security-Policy"]
    )
    assert "<style" not in page and 'href="/static/dashboard.css"' in page
    assert '<body class="roadmap-print">' in page and "<h2>興趣</h2>" in page


async def test_a_draft_has_nothing_to_print_yet(amy):
    y = make_youth("y1", versions=0)
    response = await amy.get(f"/youth/{y.alias}/print")
    assert response.status == 404
    assert "no completed roadmap to print yet" in await response.text()
    assert actions(y.profile_id) == []
