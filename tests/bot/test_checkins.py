"""The check-in scheduler: due check-ins are asked once, on the person's channel."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.checkins import CheckInScheduler
from bot.rasa_client import RasaClient
from bot.store import GatewayStore
from bot.turns import TurnHandler
from cld import channels, roadmaps, services
from cld.channel_models import ChannelIdentity
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


@pytest.fixture
def whatsapp_youth(database):
    """A youth on WhatsApp with a finished roadmap, who last wrote at `DUE`."""
    with session_scope() as session:
        profile = services.ensure_profile(
            session, channel="whatsapp", channel_user_id="wa-abc"
        )
        channels.remember_identity(
            session,
            pseudonym="wa-abc",
            channel="whatsapp",
            address="whatsapp:+85291234567",
        )
        for section, value in FULL.items():
            roadmaps.save_answer(
                session, profile_id=profile.id, section=section, value=value
            )
        roadmaps.complete(session, profile_id=profile.id, turns=[], today=DUE)
        row = session.get(ChannelIdentity, "wa-abc")
        row.last_inbound_at = DUE
    return profile.id


def whatsapp_scheduler(rasa_api, free_form, templates):
    rasa = RasaClient(rasa_api.url, timeout_s=5)
    turns = TurnHandler(rasa, GatewayStore(), max_text_chars=2000)

    async def deliver(address, replies):
        free_form.append(address)

    async def late(address, item):
        templates.append((address, item.milestone, item.language))

    return CheckInScheduler(
        rasa,
        turns,
        {"whatsapp": deliver},
        rasa_token="t0k",
        every_s=60,
        late={"whatsapp": late},
    )


async def test_within_whatsapps_24_hours_a_check_in_is_free_form(
    whatsapp_youth, rasa_api
):
    free_form, templates = [], []
    sent = await whatsapp_scheduler(rasa_api, free_form, templates).run_once(
        DUE + timedelta(hours=2)
    )
    assert (sent, free_form, templates) == (1, ["whatsapp:+85291234567"], [])


async def test_after_24_hours_a_whatsapp_check_in_is_a_template(
    whatsapp_youth, rasa_api
):
    free_form, templates = [], []
    later = DUE + timedelta(hours=30)
    assert await whatsapp_scheduler(rasa_api, free_form, templates).run_once(later) == 1
    assert free_form == []
    assert [(a, lang) for a, _m, lang in templates] == [("whatsapp:+85291234567", "en")]
    assert rasa_api.executed == [("wa-abc", "action_ask_checkin", "t0k")]


async def test_the_check_in_template_goes_to_twilio_with_its_values(database):
    from bot.config import WhatsAppSettings
    from bot.whatsapp import TwilioSender, WhatsAppChannel
    from cld.checkins import DueCheckIn
    from tests.standins.twilio_api import TwilioStandIn

    async with TwilioStandIn().running() as standin:
        settings = WhatsAppSettings(
            account_sid=standin.account_sid,
            auth_token=standin.auth_token,
            sender="whatsapp:+85230000000",
            api_base_url=standin.url,
        )
        channel = WhatsAppChannel(
            settings,
            None,
            GatewayStore(),
            public_url="http://x",
            pseudonym_key=b"k" * 16,
            sender=TwilioSender(settings),
            content_sids={"checkin": {"yue": "HX" + "1" * 32}},
        )
        item = DueCheckIn(1, "wa-abc", "whatsapp", "yue", "交作品集", "2027-03")
        await channel.deliver_checkin("whatsapp:+85291234567", item)
        (message,) = standin.messages_for("whatsapp:+85291234567")
        with pytest.raises(LookupError):  # no approved English template
            await channel.deliver_checkin(
                "whatsapp:+85291234567", DueCheckIn(2, "x", "whatsapp", "en", "m", "")
            )
    assert message.content_sid == "HX" + "1" * 32
    assert message.variables == {"1": "交作品集", "2": "2027年3月"}
