"""End to end: the servers are killed mid-roadmap and restarted; nothing is lost."""

from __future__ import annotations

import json
import os
import signal
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from cld.models import Profile
from cld.roadmap_models import Roadmap
from locales import render
from pathways_kb import db, loader
from scripts import paths
from scripts.stack import Ports, Stack, free_port
from tests.e2e.conftest import is_privacy_notice

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SENDER = "restart-amy"


def _stack(data: Path) -> Stack:
    return Stack(
        ports=Ports(actions=free_port(), rasa=free_port(), gateway=free_port()),
        log_dir=data / "logs",
        env={
            "DATABASE_URL": f"sqlite:///{data / 'app.db'}",
            "TRACKER_DB_PATH": str(data / "tracker.db"),
        },
    )


def _kill(stack: Stack) -> None:
    """Kill every process at once, as a crash or a power cut would."""
    for _name, process, log in stack.processes:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        log.close()
    stack.processes.clear()


def _say(
    stack: Stack, text: str | None = None, payload: str | None = None
) -> list[str]:
    body = {
        "sender": SENDER,
        **({"payload": payload} if payload else {"message": text}),
    }
    request = urllib.request.Request(
        stack.gateway_url(),
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return [
            m.get("text", "") for m in json.load(response) if not is_privacy_notice(m)
        ]


def _draft(data: Path) -> dict:
    engine = create_engine(f"sqlite:///{data / 'app.db'}", future=True)
    with engine.connect() as conn:
        draft = conn.execute(
            select(Roadmap.draft)
            .join(Profile, Profile.id == Roadmap.profile_id)
            .where(Profile.channel_user_id == f"rest-{SENDER}")
        ).scalar_one()
    engine.dispose()
    return json.loads(draft)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    if not paths.MODEL.exists():
        pytest.fail("no trained model: run `make install` (the test command does)")
    url = f"sqlite:///{tmp_path / 'app.db'}"
    db.migrate(url)
    db.configure(url)
    with db.session_scope() as session:
        loader.load(session)
    db.configure(None)
    return tmp_path


def test_a_roadmap_survives_killed_servers(data: Path) -> None:
    stage_button = render("utter_ask_rm_stage", "en").buttons[3].payload  # S6
    first = _stack(data)
    first.start()
    try:
        assert render("utter_ask_rm_stage", "en").text in _say(
            first, "build my roadmap"
        )
        _say(first, payload=stage_button)
        _say(first, "I like drawing and games")
        assert _say(first, "patient and good at art") == [
            render("utter_ask_rm_values", "en").text
        ]
    finally:
        _kill(first)

    second = _stack(data)
    second.start()
    try:
        # The conversation carries on at the question it had reached.
        assert _say(second, "helping people") == [
            render("utter_ask_rm_priorities", "en").text
        ]
    finally:
        second.stop()
    assert _draft(data) == {
        "stage": "s6",
        "interests": "I like drawing and games",
        "strengths": "patient and good at art",
        "values": "helping people",
    }
