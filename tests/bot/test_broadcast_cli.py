"""The broadcast command line: dry runs, clear errors, a real send with a report."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest

from bot.broadcast.__main__ import main
from cld import broadcasts
from locales import update_templates
from pathways_kb.db import session_scope
from scripts import paths
from tests.cld.parent_factory import add_parent
from tests.standins.telegram_bot_api import TelegramStandIn, parse_html

TOKEN = "555:cli-test"
VTC = ["-p", "event_date=12/1/2027", "-p", "place=HKDI / 香港知專設計學院"]
VTC += ["-p", "registration_url=https://www.vtc.edu.hk/"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _overview():
    with session_scope() as session:
        return broadcasts.overview(session)


def test_templates_lists_every_template(capsys):
    code, out, _ = run(capsys, "templates")
    assert code == 0
    listed = {line.split("\t")[0] for line in out.splitlines() if "\t" in line}
    assert listed == {t.id for t in update_templates.update_templates()}


def test_preview_shows_both_languages_with_examples(capsys):
    code, out, _ = run(capsys, "preview", "talking_about_choices")
    assert code == 0
    assert "--- en ---" in out and "--- yue ---" in out


def test_a_dry_run_sizes_the_audience_and_previews_without_sending(database, capsys):
    add_parent("a", address="1", language="en")
    add_parent("b", address="2", language="yue")
    add_parent("c", channel="rest", language="yue")
    code, out, _ = run(capsys, "send", "vtc_info_day", *VTC, "--dry-run")
    assert code == 0
    assert "audience: 2 parents (en 1, yue 1; telegram 2)" in out
    assert "1 more use a channel that cannot receive updates" in out
    assert "preview (en)" in out and "preview (yue)" in out
    assert "HKDI / 香港知專設計學院" in out
    assert _overview() == []


def test_a_missing_value_is_a_clear_error_and_creates_nothing(database, capsys):
    add_parent("a", address="1")
    code, _, err = run(capsys, "send", "vtc_info_day", "-p", "event_date=1/2/2027")
    assert code == 2
    assert err.startswith("error: ") and "place" in err
    assert _overview() == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["send", "no_such_template"], "no update template 'no_such_template'"),
        (["send", "vtc_info_day", "-p", "oops"], "'oops' is not NAME=VALUE"),
        (["send", "vtc_info_day", *VTC, "--at", "next week"], "is not a time"),
        (["report", "99"], "no broadcast 99"),
        (["cancel", "99"], "no broadcast 99"),
    ],
)
def test_bad_input_gets_a_clear_error(database, capsys, argv, message):
    code, _, err = run(capsys, *argv)
    assert (code, message in err) == (2, True), err


def test_an_audience_nobody_matches_creates_nothing(database, capsys):
    add_parent("a", address="1", stage="working")
    code, out, _ = run(capsys, "send", "vtc_info_day", *VTC, "--stage", "other")
    assert code == 0 and "no parent matches" in out
    assert _overview() == []


def test_a_scheduled_update_waits_and_can_be_cancelled(database, capsys):
    add_parent("a", address="1")
    code, out, _ = run(capsys, "send", "vtc_info_day", *VTC, "--at", "2099-01-05 09:30")
    assert code == 0 and "goes out from 2099-01-05 09:30 Hong Kong time" in out
    (view,) = _overview()
    assert view.report.counts == {"queued": 1}
    code, out, _ = run(capsys, "list")
    assert f"{view.id}\tvtc_info_day\t2099-01-05 09:30 HKT" in out
    code, out, _ = run(capsys, "cancel", str(view.id))
    assert code == 0 and "1 waiting messages will not be sent" in out
    code, out, _ = run(capsys, "report", str(view.id))
    assert "skipped 1" in out and "waiting 0" in out


async def test_send_delivers_with_a_progress_bar_and_a_report(database):
    add_parent("a", address="301", language="en")
    add_parent("b", address="302", language="yue")
    async with TelegramStandIn(token=TOKEN).running() as standin:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "TELEGRAM_TOKEN": TOKEN,
            "TELEGRAM_API_URL": standin.base_url,
            "PSEUDONYM_KEY": "cli-test-pseudonym-key",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.broadcast",
            "send",
            # An update that may go out as urgent, so it is sent now at any hour
            # (quiet hours, 22:00-08:00 HKT, have tests of their own).
            "dse_results_day",
            "-p",
            "results_date=14/7/2027",
            "--urgent",
            cwd=paths.ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 60)
        texts = {
            c: [parse_html(m.text) for m in standin.messages_for(c)] for c in (301, 302)
        }
    assert process.returncode == 0, err.decode()
    report_line = out.decode().strip().splitlines()[-1]
    assert report_line.endswith(
        "sent 2 · failed 0 · blocked 0 · skipped 0 · uncertain 0 · waiting 0"
    )
    assert "2/2" in err.decode()  # the progress bar reached the end
    rendered = update_templates.render_update(
        "dse_results_day", {"results_date": "14/7/2027"}
    )
    assert texts == {301: [rendered["en"]], 302: [rendered["yue"]]}


def test_uncertain_messages_are_resent_only_when_asked(database, capsys):
    from sqlalchemy import update

    from cld.broadcast_models import Delivery

    add_parent("a", address="1")
    run(capsys, "send", "vtc_info_day", *VTC, "--at", "2099-01-05 09:30")
    (view,) = _overview()
    with session_scope() as session:
        session.execute(update(Delivery).values(status="uncertain"))
    code, out, _ = run(capsys, "resend-uncertain", str(view.id))
    assert code == 0 and "1 uncertain messages queued again" in out
    assert _overview()[0].report.counts == {"queued": 1}
