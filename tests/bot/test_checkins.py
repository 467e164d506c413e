"""The check-in scheduler: due check-ins are asked once, on the person's channel."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.checkins import CheckInScheduler
from bot.rasa_client import RasaClient
from bot.store import GatewayStore
from bot.turns import TurnHandler
from cld import channels, roadmaps, services
from cld.roadmap_models import CheckIn
from pathways_kb.db import session_scope
from tests.cld.test_roadmaps import FULL

DUE = datetime(2026, 12, 28, tzinfo=timezone.utc)  # a week before January's milestone
ASK = {
    "text": "How is it going?",
    "buttons": [
        {"title": "Done", "payload": '/answer_checkin{"checkin_status":"done"}'}
    ],
}


class FakeRasaApi:
    """Answers `/conversations/<id>/execute` and keeps what it was asked."""

    def __init__(self, status: int = 200) -> None:
        self.executed: list[tuple[str, str, str | None]] = []
        self.status = status

    def app(self) -> web.Application:
        async def execute(request: web.Request) -> web.Response:
            body = await request.json()
            self.executed.append(
                (request.match_info["sender"], body["name"], request.query.get("token"))
            )
            return web.json_response({"messages": [ASK]}, status=self.status)

        app = web.Application()
        app.router.add_post("/conversations/{sender}/execute", execute)
        return app


@pytest.fixture
async def rasa_api():
    fake = FakeRasaApi()
    server = TestServer(fake.app())
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
def telegram_youth(database):
    """A youth on Telegram with a finished roadmap (3 milestones)."""
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="telegram", channel_user_id="tg-abc"
        )
        channels.remember_identity(
            session, pseudonym="tg-abc", channel="telegram", address="4242"
        )
        for section, value in FULL.items():
            roadmaps.save_answer(
                session, profile_id=profile.id, section=section, value=value
            )
        roadmaps.complete(session, profile_id=profile.id, turns=[], today=DUE)
    return profile.id


def scheduler(rasa_api, sent, *, fail=False):
    rasa = RasaClient(rasa_api.url, timeout_s=5)
    turns = TurnHandler(rasa, GatewayStore(), max_text_chars=2000)

    async def deliver(address, replies):
        if fail:
            raise OSError("network down")
        sent.append((address, [r.text for r in replies]))

    return CheckInScheduler(
        rasa, turns, {"telegram": deliver}, rasa_token="t0k", every_s=60
    )


def statuses():
    with session_scope() as session:
        return (
            session.execute(select(CheckIn.status).order_by(CheckIn.milestone))
            .scalars()
            .all()
        )


async def test_a_due_check_in_is_asked_once_on_the_persons_channel(
    telegram_youth, rasa_api
):
    sent = []
    first = scheduler(rasa_api, sent)
    assert await first.run_once(DUE) == 1
    assert await scheduler(rasa_api, sent).run_once(DUE) == 0  # a second gateway
    assert sent == [("4242", ["How is it going?"])]
    assert rasa_api.executed == [("tg-abc", "action_ask_checkin", "t0k")]
    assert statuses() == ["sent", "scheduled", "scheduled"]


async def test_nothing_is_sent_before_its_time(telegram_youth, rasa_api):
    sent = []
    early = datetime(2026, 12, 2, tzinfo=timezone.utc)
    assert await scheduler(rasa_api, sent).run_once(early) == 0
    assert statuses() == ["scheduled"] * 3


async def test_a_failed_delivery_is_tried_again_later(telegram_youth, rasa_api):
    sent = []
    assert await scheduler(rasa_api, sent, fail=True).run_once(DUE) == 0
    assert statuses() == ["scheduled"] * 3
    assert await scheduler(rasa_api, sent).run_once(DUE) == 1


async def test_channels_that_cannot_reach_people_get_no_check_ins(database, rasa_api):
    with session_scope() as session:
        profile = services.ensure_profile(session, channel="rest", channel_user_id="r1")
        for section, value in FULL.items():
            roadmaps.save_answer(
                session, profile_id=profile.id, section=section, value=value
            )
        roadmaps.complete(session, profile_id=profile.id, turns=[], today=DUE)
    assert await scheduler(rasa_api, []).run_once(DUE) == 0
    assert rasa_api.executed == []
