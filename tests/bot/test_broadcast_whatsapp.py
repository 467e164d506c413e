"""WhatsApp broadcasts go out as approved Twilio templates (updates fall outside
the 24-hour window), with each Twilio refusal handled the way it should be."""

from __future__ import annotations

import pytest

from bot.broadcast.whatsapp_sender import TwilioTemplateSender, load_content_sids
from bot.broadcast.worker import BroadcastWorker
from cld import broadcasts, parents
from locales import update_templates
from pathways_kb.db import session_scope
from tests.cld.parent_factory import add_parent
from tests.daytime import daytime_clock
from tests.standins.twilio_api import TwilioStandIn

TEMPLATE = "working_holiday_round"
PARAMS = dict(update_templates.get_template(TEMPLATE).examples)
SIDS = {TEMPLATE: {"en": "HX" + "e" * 32, "yue": "HX" + "c" * 32}}
FROM = "whatsapp:+85230000000"


def sender(standin, sids=SIDS):
    return TwilioTemplateSender(
        account_sid=standin.account_sid,
        auth_token=standin.auth_token,
        sender=FROM,
        content_sids=sids,
        api_base_url=standin.url,
    )


def create():
    with session_scope() as session:
        return broadcasts.create(
            session,
            template_id=TEMPLATE,
            params=PARAMS,
            audience=parents.Audience(),
            created_by="test",
        )


def report(broadcast_id):
    with session_scope() as session:
        return broadcasts.report(session, broadcast_id=broadcast_id)


async def drain(whatsapp):
    await whatsapp.start()
    try:
        worker = BroadcastWorker({"whatsapp": whatsapp}, clock=daytime_clock())
        while await worker.run_once():
            pass
    finally:
        await whatsapp.stop()


async def test_each_parent_gets_the_template_of_their_language(database):
    add_parent("en", channel="whatsapp", address="whatsapp:+85291110001")
    add_parent(
        "yue", channel="whatsapp", address="whatsapp:+85291110002", language="yue"
    )
    broadcast_id = create()
    async with TwilioStandIn().running() as standin:
        await drain(sender(standin))
        en = standin.messages_for("whatsapp:+85291110001")
        yue = standin.messages_for("whatsapp:+85291110002")
    variables = update_templates.whatsapp_variables(TEMPLATE, PARAMS)
    assert [(m.content_sid, m.variables, m.body) for m in en] == [
        (SIDS[TEMPLATE]["en"], variables, None)
    ]
    assert [m.content_sid for m in yue] == [SIDS[TEMPLATE]["yue"]]
    assert en[0].from_ == FROM
    assert report(broadcast_id).counts == {"sent": 2}


async def test_an_opted_out_number_is_blocked_and_the_parent_inactive(database):
    pid = add_parent("p", channel="whatsapp", address="whatsapp:+85291110003")
    broadcast_id = create()
    async with TwilioStandIn(unsubscribed=["+85291110003"]).running() as standin:
        await drain(sender(standin))
    assert report(broadcast_id).counts == {"blocked": 1}
    with session_scope() as session:
        assert parents.subscription_of(session, profile_id=pid).status == "inactive"


async def test_an_invalid_number_fails_without_retries(database):
    add_parent("p", channel="whatsapp", address="whatsapp:+85291110004")
    broadcast_id = create()
    async with TwilioStandIn(invalid=["+85291110004"]).running() as standin:
        await drain(sender(standin))
        assert standin.stats().invalid_21211 == 1
    assert report(broadcast_id).counts == {"failed": 1}


async def test_a_template_without_approved_content_fails_clearly(database):
    add_parent("p", channel="whatsapp", address="whatsapp:+85291110005", language="yue")
    broadcast_id = create()
    only_en = {TEMPLATE: {"en": SIDS[TEMPLATE]["en"]}}
    async with TwilioStandIn().running() as standin:
        await drain(sender(standin, only_en))
        assert standin.stats().accepted == 0
    assert report(broadcast_id).counts == {"failed": 1}


async def test_a_twilio_429_is_retried_later_without_using_an_attempt(database):
    add_parent("p", channel="whatsapp", address="whatsapp:+85291110006")
    broadcast_id = create()
    async with TwilioStandIn().running() as standin:
        standin.storm(5, retry_after=2)
        await drain(sender(standin))
        assert standin.stats().storm_429 == 1
    assert report(broadcast_id).counts == {"queued": 1}


def test_content_sids_are_read_from_a_yaml_file(tmp_path):
    path = tmp_path / "sids.yml"
    path.write_text(f"{TEMPLATE}:\n  en: HX1\n  yue: HX2\n", encoding="utf-8")
    assert load_content_sids(path) == {TEMPLATE: {"en": "HX1", "yue": "HX2"}}


def test_a_content_sid_file_that_is_not_a_mapping_is_refused(tmp_path):
    path = tmp_path / "sids.yml"
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expected a mapping"):
        load_content_sids(path)
