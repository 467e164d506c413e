"""The crisis action: help lines at once, and a social worker flagged."""

from __future__ import annotations

from sqlalchemy import select

from actions.safety import ActionCrisisSupport
from cld.models import HelpRequest
from pathways_kb.db import session_scope
from tests.conftest import make_tracker


async def test_crisis_gets_the_help_lines_and_flags_a_social_worker(
    database, dispatcher
):
    tracker = make_tracker(text="我想死", intent="crisis", slots={"language": "yue"})
    events = await ActionCrisisSupport().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_crisis_support"]
    assert events == []
    with session_scope() as session:
        reasons = session.execute(select(HelpRequest.reason)).scalars().all()
    assert reasons == ["crisis"]
