"""End to end over Telegram: parents sign up in chat (the real gateway, Rasa and
action server, against the telegram-test-api emulator), then a broadcast from the
CLI reaches each in their language, once; a parent who sent STOP gets nothing;
and quiet hours hold an update until eight in the morning."""

from __future__ import annotations

import asyncio
import html
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.broadcast.telegram_sender import TelegramSender
from bot.broadcast.worker import BroadcastWorker
from cld import broadcasts, parents
from cld.quiet_hours import HONG_KONG
from locales import render, update_templates
from pathways_kb import db
from pathways_kb.db import session_scope
from scripts import paths
from tests.cld.parent_factory import add_parent
from tests.e2e import test_telegram_gateway as gateway_tests
from tests.e2e.telegram_harness import BotApiShim, TelegramUser
from tests.e2e.test_telegram_gateway import (
    Gateway,
    button_titled,
    shown,
    wait_for_message,
    wait_for_text,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
# The emulator, its shim and a polling stack of this module's own.
emulator = gateway_tests.emulator
shim = gateway_tests.shim
polling = gateway_tests.polling
RESULTS = {"results_date": "14/7/2027"}


def title_of(key: str, lang: str, choice: str) -> str:
    """The title of the button of `key` whose payload carries `choice`."""
    for button in render(key, lang).buttons:
        if f'"{choice}"' in button.payload or button.payload == choice:
            return button.title
    raise LookupError(f"{key} has no button for {choice}")


def tap(user: TelegramUser, key: str, lang: str, choice: str) -> int:
    """Press a button of the newest message offering it; the message count before."""
    button = button_titled(user.bot_messages(), title_of(key, lang, choice))
    count = len(user.bot_messages())
    user.press_button(button["callback_data"])
    return count


def first_line(key: str, lang: str) -> str:
    return shown(key, lang, language="", child_stage="", topics="", unit="").split(
        "\n"
    )[0]


def sign_up(user: TelegramUser, *, hello: str, lang: str, updates_lang: str) -> None:
    """The whole sign-up by buttons: role, consent, language, stage, topics, unit."""
    user.send_text(hello)
    wait_for_text(user, shown("utter_ask_role", lang))
    since = tap(user, "utter_ask_role", lang, "parent")
    wait_for_text(user, shown("utter_role_saved_parent", lang), since=since)
    since = tap(user, "utter_role_saved_parent", lang, "/subscribe_updates")
    wait_for_text(user, shown("utter_ask_pu_consent", lang), since=since)
    since = tap(user, "utter_ask_pu_consent", lang, "yes")
    ask_language = f"utter_ask_pu_language_{lang}"
    wait_for_text(user, shown(ask_language, lang), since=since)
    since = tap(user, ask_language, lang, updates_lang)
    wait_for_text(user, shown("utter_ask_pu_child_stage", updates_lang), since=since)
    since = tap(user, "utter_ask_pu_child_stage", updates_lang, "senior_secondary")
    wait_for_text(user, shown("utter_ask_pu_topics", updates_lang), since=since)
    since = tap(user, "utter_ask_pu_topics", updates_lang, "all")
    wait_for_text(user, shown("utter_ask_pu_unit", updates_lang), since=since)
    since = tap(user, "utter_ask_pu_unit", updates_lang, "skip")
    wait_for_text(
        user,
        first_line("utter_parent_subscribed", updates_lang),
        since=since,
        exact=False,
    )


def _cli(gateway: Gateway, shim_url: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": gateway.database_url,
        "TELEGRAM_TOKEN": gateway.token,
        "TELEGRAM_API_URL": f"{shim_url}/bot",
        "PSEUDONYM_KEY": gateway.pseudonym_key,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.broadcast", *args],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_parents_get_a_broadcast_in_their_language_and_stop_works(
    polling: Gateway, shim: BotApiShim
) -> None:
    english, cantonese, stopped = (polling.person() for _ in range(3))
    sign_up(english, hello="hi", lang="en", updates_lang="en")
    sign_up(cantonese, hello="你好", lang="yue", updates_lang="yue")
    sign_up(stopped, hello="hello", lang="en", updates_lang="en")
    since = len(stopped.bot_messages())
    stopped.send_text("STOP")
    wait_for_text(stopped, shown("utter_parent_unsubscribed", "en"), since=since)

    dry = _cli(
        polling,
        shim.base_url,
        "send",
        "dse_results_day",
        "-p",
        f"results_date={RESULTS['results_date']}",
        "--dry-run",
    )
    assert dry.returncode == 0, dry.stderr
    assert "audience: 2 parents (en 1, yue 1; telegram 2)" in dry.stdout

    before = {u.chat_id: len(u.bot_messages()) for u in (english, cantonese, stopped)}
    sent = _cli(
        polling,
        shim.base_url,
        "send",
        "dse_results_day",
        "-p",
        f"results_date={RESULTS['results_date']}",
        "--urgent",
    )
    assert sent.returncode == 0, sent.stderr
    assert "sent 2 · failed 0 · blocked 0" in sent.stdout
    texts = update_templates.render_update("dse_results_day", RESULTS)
    for user, lang in ((english, "en"), (cantonese, "yue")):
        got = wait_for_message(
            user,
            lambda m, lang=lang: (
                (m["text"] or "") == html.escape(texts[lang], quote=False)
            ),
            since=before[user.chat_id],
            what=f"the {lang} update",
        )
        assert len(got) == 1  # once, nothing else
    time.sleep(1.0)
    assert len(stopped.bot_messages()) == before[stopped.chat_id]


def test_quiet_hours_hold_an_update_until_morning(
    polling: Gateway, shim: BotApiShim, tmp_path: Path
) -> None:
    parent = polling.person()
    url = f"sqlite:///{tmp_path / 'quiet.db'}"
    db.migrate(url)
    db.configure(url)
    try:
        add_parent("quiet-parent", address=str(parent.chat_id), language="yue")
        night = datetime(2026, 12, 3, 23, 30, tzinfo=HONG_KONG)
        params = dict(update_templates.get_template("talking_about_choices").examples)
        with session_scope() as session:
            broadcast_id = broadcasts.create(
                session,
                template_id="talking_about_choices",
                params=params,
                audience=parents.Audience(),
                created_by="test",
                send_at=night,
            )
        clock = {"now": night.astimezone(timezone.utc)}
        sender = TelegramSender(polling.token, base_url=f"{shim.base_url}/bot")
        worker = BroadcastWorker({"telegram": sender}, clock=lambda: clock["now"])

        async def run() -> None:
            await sender.start()
            try:
                await worker.run_once()
                assert parent.bot_messages() == []
                clock["now"] = datetime(2026, 12, 4, 8, 0, tzinfo=HONG_KONG).astimezone(
                    timezone.utc
                )
                await worker.run_once()
            finally:
                await sender.stop()

        asyncio.run(run())
        with session_scope() as session:
            assert broadcasts.report(session, broadcast_id=broadcast_id).counts == {
                "sent": 1
            }
    finally:
        db.configure(None)
    texts = update_templates.render_update("talking_about_choices", params)
    [message] = parent.bot_messages()
    assert message["text"] == html.escape(texts["yue"], quote=False)
