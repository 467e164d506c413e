"""Erasure across the app database and the tracker store; the retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select, text

from cld import channels, privacy, tracker_events
from cld.channel_models import ChannelIdentity, InboxMessage
from cld.models import ConsentRecord, Profile
from cld.roadmap_models import Roadmap, RoadmapVersion
from cld.staff_models import AuditEvent, YouthNote
from pathways_kb.db import session_scope
from tests.privacy.conftest import chat
from tests.privacy.people import add_parent, add_youth

LONG_AGO = datetime.now(timezone.utc) - timedelta(days=45)


def count(model, *where) -> int:
    with session_scope() as session:
        stmt = select(func.count()).select_from(model).where(*where)
        return session.execute(stmt).scalar_one()


def senders(tracker) -> dict[str, int]:
    with tracker.connect() as connection:
        rows = connection.execute(
            text("SELECT sender_id, count(*) FROM events GROUP BY sender_id")
        )
        return dict(rows.all())


def test_erasure_removes_the_person_from_both_stores(database, tracker, tracker_url):
    amy = add_youth("tg-amy", chat_id="4242")
    add_youth("tg-ben", chat_id="5151")
    chat(tracker_url, "tg-amy", ["my plan is secret"])
    chat(tracker_url, "tg-ben", ["hello"])
    with session_scope() as session:
        channels.accept_message(
            session,
            channel="telegram",
            platform_id="1",
            payload='{"message": {"chat": {"id": 4242}, "text": "still here"}}',
        )
    with session_scope() as session:
        done = privacy.erase_person(session, tracker, person="tg-amy")

    assert done == privacy.Erasure(profiles=1, identities=1, events=3, inbox=1)
    assert senders(tracker) == {"tg-ben": 3}
    assert count(Profile, Profile.channel_user_id == "tg-amy") == 0
    assert count(ChannelIdentity, ChannelIdentity.pseudonym == "tg-amy") == 0
    assert count(ConsentRecord, ConsentRecord.profile_id == amy) == 0
    assert count(Roadmap, Roadmap.profile_id == amy) == 0
    assert count(YouthNote, YouthNote.profile_id == amy) == 0
    assert count(InboxMessage) == 0
    assert count(Profile) == 1 and count(RoadmapVersion) == 2  # Ben's


def test_staff_access_lines_stay_unlinked_and_the_erasure_is_audited(database, tracker):
    add_youth("tg-amy")
    with session_scope() as session:
        privacy.erase_person(session, tracker, person="tg-amy")
    with session_scope() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.profile_id, AuditEvent.detail)
        ).all()
    assert sorted(rows) == [
        ("erase_person", None, "profiles=1 identities=1 events=0 inbox=0"),
        ("view_roadmap", None, None),
    ]


def test_a_parent_is_erased_with_their_subscription(database, tracker):
    add_parent("tg-dad")
    with session_scope() as session:
        done = privacy.erase_person(session, tracker, person="tg-dad")
    assert done.profiles == 1
    assert count(Profile) == 0


def test_erasing_twice_is_harmless(database, tracker, tracker_url):
    add_youth("tg-amy")
    chat(tracker_url, "tg-amy", ["hi"])
    for _ in range(2):
        with session_scope() as session:
            privacy.erase_person(session, tracker, person="tg-amy")
    assert senders(tracker) == {}


def test_purge_keeps_youth_who_share_and_everything_recent(
    database, tracker, tracker_url
):
    add_youth("tg-shares", shares=True, chat_id="1")
    add_youth("tg-private", shares=False, chat_id="2")
    add_parent("tg-dad", chat_id="3")
    for person in ("tg-shares", "tg-private", "tg-dad", "tg-unknown"):
        chat(tracker_url, person, ["old words"], at=LONG_AGO)
    chat(tracker_url, "tg-private", ["new words"])
    with session_scope() as session:
        purged = privacy.purge(session, tracker, days=30)

    assert purged.events == 9
    assert senders(tracker) == {"tg-shares": 3, "tg-private": 3}
    [line] = [
        e.data["text"]
        for e in tracker_events.events_of(tracker, "tg-private")
        if e.type_name == "user"
    ]
    assert line == "new words"


def test_purge_drops_inbox_rows_older_than_the_period(database, tracker):
    with session_scope() as session:
        for number in (1, 2):
            channels.accept_message(
                session, channel="telegram", platform_id=str(number), payload="{}"
            )
        session.flush()
        old = session.execute(
            select(InboxMessage).where(InboxMessage.platform_id == "1")
        ).scalar_one()
        old.received_at = LONG_AGO
    with session_scope() as session:
        purged = privacy.purge(session, tracker, days=30)
    assert purged == privacy.Purge(events=0, inbox=1)
    assert count(InboxMessage) == 1


def test_a_tracker_store_never_started_holds_nothing(database, tmp_path):
    missing = tracker_events.connect(f"sqlite:///{tmp_path / 'none.db'}")
    with session_scope() as session:
        assert privacy.purge(session, missing, days=30) == privacy.Purge(0, 0)
    assert not (tmp_path / "none.db").exists()
