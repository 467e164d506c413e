"""Roadmap answers are the person's own words: the database holds them sealed
(cld.sealed.SealedText), the app reads them as written, and rows written before
sealing still read."""

from __future__ import annotations

from sqlalchemy import text

from cld import roadmaps, services
from cld.sealed import PREFIX
from pathways_kb.db import engine, session_scope

WORDS = "I want to open a noodle shop in Sham Shui Po"


def _raw_drafts() -> list[str]:
    with engine().connect() as connection:
        return list(connection.execute(text("SELECT draft FROM roadmap")).scalars())


def test_an_answer_is_sealed_in_the_database_and_read_as_written(database) -> None:
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="s")
        roadmaps.save_answer(
            session, profile_id=profile.id, section="interests", value=WORDS
        )
    [raw] = _raw_drafts()
    assert raw.startswith(PREFIX)
    assert "noodle" not in raw
    with session_scope() as session:
        view = roadmaps.current(session, profile_id=profile.id)
    assert view is not None and view.draft["interests"] == WORDS


def test_a_row_written_before_sealing_still_reads(database) -> None:
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="s")
        roadmaps.save_answer(
            session, profile_id=profile.id, section="stage", value="S5"
        )
    with engine().begin() as connection:
        connection.execute(text("""UPDATE roadmap SET draft = '{"stage": "S6"}'"""))
    with session_scope() as session:
        view = roadmaps.current(session, profile_id=profile.id)
    assert view is not None and view.draft == {"stage": "S6"}
