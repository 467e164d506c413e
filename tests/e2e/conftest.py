"""The real stack (action server, Rasa, gateway) on free ports, with its own databases."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from sqlalchemy import create_engine, select

from cld.models import Profile
from locales import render
from scripts import paths
from scripts.stack import Ports, Stack, free_port

NOTICE_OPENINGS = tuple(
    render("utter_privacy_notice", lang, days=0).text.splitlines()[0]
    for lang in ("en", "yue")
)


def rest_profile(stack: Stack, sender: str) -> Any:
    """The app database's profile of a REST `sender`, or None."""
    engine = create_engine(stack.env["APP_DB_URL"], future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(
                select(Profile).where(Profile.channel_user_id == f"rest-{sender}")
            ).one_or_none()
    finally:
        engine.dispose()


def is_privacy_notice(message: dict[str, Any]) -> bool:
    """The collection notice shown once at first contact (actions/session.py)."""
    return str(message.get("text", "")).startswith(NOTICE_OPENINGS)


@dataclass
class Chat:
    """Talks to the gateway's REST channel as one person."""

    stack: Stack
    sender: str

    def say(
        self,
        text: str | None = None,
        *,
        payload: str | None = None,
        keep_notice: bool = False,
    ) -> list[dict[str, Any]]:
        """Rasa's replies; the privacy notice at first contact is left out
        unless `keep_notice` (test_rest_chat.py checks it on its own)."""
        body: dict[str, Any] = {"sender": self.sender}
        body.update({"payload": payload} if payload is not None else {"message": text})
        request = urllib.request.Request(
            self.stack.gateway_url(),
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            replies = json.load(response)
        return (
            replies if keep_notice else [m for m in replies if not is_privacy_notice(m)]
        )

    def texts(
        self, text: str | None = None, *, payload: str | None = None
    ) -> list[str]:
        return [m.get("text", "") for m in self.say(text, payload=payload)]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if not paths.MODEL.exists():
        pytest.fail("no trained model: run `make install` (the test command does)")
    data = tmp_path_factory.mktemp("e2e")
    app_db = f"sqlite:///{data / 'app.db'}"
    from pathways_kb import db, loader

    db.migrate(app_db)
    db.configure(app_db)
    with db.session_scope() as session:
        loader.load(session)
    db.configure(None)
    running = Stack(
        ports=Ports(actions=free_port(), rasa=free_port(), gateway=free_port()),
        log_dir=data / "logs",
        env={"DATABASE_URL": app_db, "TRACKER_DB_PATH": str(data / "tracker.db")},
    )
    running.start()
    running.env["APP_DB_URL"] = app_db
    yield running
    running.stop()


@pytest.fixture
def chat(stack: Stack, request: pytest.FixtureRequest) -> Chat:
    return Chat(
        stack=stack,
        sender=f"e2e-{request.node.name[:40]}".replace("[", "-").replace("]", ""),
    )
