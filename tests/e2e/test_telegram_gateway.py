"""End to end over Telegram: the real gateway, Rasa and action server, and the emulator.

Two gateways run in this module, both real ``python -m bot`` processes against
the ``telegram-test-api`` emulator (through the harness's :class:`BotApiShim`):

* a polling one, started with the whole stack (action server, Rasa server,
  gateway) by :class:`scripts.stack.Stack`, on its own SQLite databases with
  the curated knowledge base loaded;
* a webhook one, a second gateway process only, which shares that Rasa server
  and action server but has a bot token and inbox database of its own. Tests
  POST hand-built updates straight to its ``/webhooks/telegram``.

Each test talks as a person of its own (a fresh Telegram user id and chat), so
the tests do not depend on each other. Waits are bounded: a reply is awaited
until it shows in the emulator, and "nothing was sent" is checked against a
later update in the same chat, which the gateway answers strictly in order.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import secrets
import signal
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.identity import pseudonym
from cld.channel_models import InboxMessage
from locales import render
from pathways_kb import db, loader
from scripts import paths
from scripts.stack import Ports, Stack, channel_token, free_port, wait_for
from tests.e2e.telegram_harness import (
    BotApiShim,
    TelegramEmulator,
    TelegramUser,
    photo_content,
    post_update,
    sticker_content,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPLY_TIMEOUT_S = 30.0
# Telegram user ids for this module's people: one fresh id per person.
_user_ids = itertools.count(7_100_001)
# Rasa's answer to the pathway question starts with the entry's title and names
# its source (locales/*.yml, utter_pathway_answer).
SOURCE_LABEL = {"en": "Source:", "yue": "資料來源："}

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

Message = dict[str, Any]


def shown(key: str, lang: str, **params: Any) -> str:
    """A locale message as the gateway sends it to Telegram (HTML-escaped)."""
    return html.escape(render(key, lang, **params).text, quote=False)


# --- the servers ------------------------------------------------------------------


def _app_database(path: Path, *, knowledge_base: bool) -> str:
    """A migrated SQLite app database at `path` (with the seed KB if asked); its URL."""
    url = f"sqlite:///{path}"
    db.migrate(url)
    if knowledge_base:
        engine = db.make_engine(url)
        try:
            with Session(engine) as session, session.begin():
                loader.load(session)
        finally:
            engine.dispose()
    return url


def _bot_token() -> str:
    return f"{secrets.randbelow(10**9)}:TEST-{secrets.token_hex(16)}"


@dataclass
class Gateway:
    """One running Telegram gateway, as a test sees it."""

    token: str
    port: int
    rasa_port: int
    rasa_token: str
    pseudonym_key: str
    database_url: str
    emulator_url: str
    webhook_secret: str | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/telegram"

    def person(self, *, first_name: str = "Kit") -> TelegramUser:
        """A new person (fresh user id, private chat) talking to this bot."""
        user_id = next(_user_ids)
        return TelegramUser(self.emulator_url, self.token, user_id, user_id, first_name)

    def sender(self, user: TelegramUser) -> str:
        """The pseudonym Rasa knows this person by."""
        return pseudonym(self.pseudonym_key.encode(), "telegram", str(user.user_id))

    def slots(self, user: TelegramUser) -> dict[str, Any]:
        """The slots of this person's conversation, from Rasa's HTTP API."""
        return self.tracker(user)["slots"]

    def tracker(self, user: TelegramUser) -> dict[str, Any]:
        sender = urllib.parse.quote(self.sender(user), safe="")
        query = urllib.parse.urlencode({"token": self.rasa_token})
        url = (
            f"http://127.0.0.1:{self.rasa_port}/conversations/{sender}/tracker?{query}"
        )
        with _OPENER.open(url, timeout=15) as response:
            return json.load(response)

    def inbox(self, update_id: int) -> list[str]:
        """Statuses of the stored inbox rows for this update id (none, or one)."""
        engine = db.make_engine(self.database_url)
        try:
            with Session(engine) as session:
                rows = session.execute(
                    select(InboxMessage.status).where(
                        InboxMessage.channel == "telegram",
                        InboxMessage.platform_id == str(update_id),
                    )
                ).scalars()
                return list(rows)
        finally:
            engine.dispose()


class GatewayProcess:
    """A second ``python -m bot`` next to a running stack (its Rasa, its actions)."""

    def __init__(self, env: Mapping[str, str], log_path: Path) -> None:
        self._env = dict(env)
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: Any = None

    def start(self, health_url: str, timeout_s: float = 90) -> None:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self._log_path.open("ab")
        self._process = subprocess.Popen(
            [str(paths.ROOT / ".venv" / "bin" / "python"), "-m", "bot"],
            cwd=paths.ROOT,
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_for(
                health_url,
                timeout_s=timeout_s,
                process=self._process,
                name="webhook gateway",
            )
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)
        if self._log is not None:
            self._log.close()
            self._log = None


@pytest.fixture(scope="module")
def emulator() -> Iterator[TelegramEmulator]:
    running = TelegramEmulator()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def shim(emulator: TelegramEmulator) -> Iterator[BotApiShim]:
    running = BotApiShim(emulator.url)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def polling(
    tmp_path_factory: pytest.TempPathFactory,
    emulator: TelegramEmulator,
    shim: BotApiShim,
) -> Iterator[Gateway]:
    """The whole stack, its gateway long-polling the emulator."""
    if not paths.MODEL.exists():
        pytest.fail("no trained model: run `make install` (the test command does)")
    data = tmp_path_factory.mktemp("telegram-polling")
    gateway = Gateway(
        token=_bot_token(),
        port=free_port(),
        rasa_port=free_port(),
        rasa_token=secrets.token_hex(16),
        pseudonym_key=secrets.token_hex(16),
        database_url=_app_database(data / "app.db", knowledge_base=True),
        emulator_url=emulator.url,
    )
    stack = Stack(
        ports=Ports(actions=free_port(), rasa=gateway.rasa_port, gateway=gateway.port),
        log_dir=data / "logs",
        env={
            "DATABASE_URL": gateway.database_url,
            "TRACKER_DB_PATH": str(data / "tracker.db"),
            "RASA_AUTH_TOKEN": gateway.rasa_token,
            "ROADMAP_LINK_KEY": secrets.token_hex(16),
            "PUBLIC_URL": f"http://127.0.0.1:{gateway.port}",
            "TELEGRAM_TOKEN": gateway.token,
            "TELEGRAM_API_URL": f"{shim.base_url}/bot",
            "TELEGRAM_MODE": "polling",
            "PSEUDONYM_KEY": gateway.pseudonym_key,
            "CHECKIN_EVERY_S": "3600",
        },
    )
    stack.start()
    try:
        yield gateway
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def webhook(
    tmp_path_factory: pytest.TempPathFactory,
    polling: Gateway,
    emulator: TelegramEmulator,
    shim: BotApiShim,
) -> Iterator[Gateway]:
    """A webhook-mode gateway sharing the polling stack's Rasa and action server."""
    data = tmp_path_factory.mktemp("telegram-webhook")
    port = free_port()
    gateway = Gateway(
        token=_bot_token(),
        port=port,
        rasa_port=polling.rasa_port,
        rasa_token=polling.rasa_token,
        pseudonym_key=secrets.token_hex(16),
        database_url=_app_database(data / "app.db", knowledge_base=False),
        emulator_url=emulator.url,
        webhook_secret=secrets.token_urlsafe(24),
    )
    env = {
        **paths.rasa_env(dict(os.environ)),
        "RASA_URL": f"http://127.0.0.1:{gateway.rasa_port}",
        "RASA_AUTH_TOKEN": gateway.rasa_token,
        "RASA_CHANNEL_TOKEN": channel_token(),
        "GATEWAY_PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": gateway.database_url,
        "ROADMAP_LINK_KEY": secrets.token_hex(16),
        "TELEGRAM_TOKEN": gateway.token,
        "TELEGRAM_API_URL": f"{shim.base_url}/bot",
        "TELEGRAM_MODE": "webhook",
        "TELEGRAM_WEBHOOK_SECRET": str(gateway.webhook_secret),
        "PSEUDONYM_KEY": gateway.pseudonym_key,
        "CHECKIN_EVERY_S": "3600",
    }
    process = GatewayProcess(env, data / "logs" / "gateway.log")
    process.start(f"http://127.0.0.1:{port}/health")
    try:
        yield gateway
    finally:
        process.stop()


# --- waiting for the bot -------------------------------------------------------------


def wait_for_message(
    user: TelegramUser,
    matches: Callable[[Message], bool],
    *,
    since: int = 0,
    what: str = "the expected reply",
    timeout_s: float = REPLY_TIMEOUT_S,
) -> list[Message]:
    """The bot's messages after the first `since`, once one of them `matches`."""
    deadline = time.monotonic() + timeout_s
    while True:
        messages = user.bot_messages()
        if any(matches(m) for m in messages[since:]):
            return messages[since:]
        if time.monotonic() >= deadline:
            texts = [m["text"] for m in messages]
            raise TimeoutError(
                f"no {what} in chat {user.chat_id} after {timeout_s:.0f} s; "
                f"the bot sent {texts}"
            )
        time.sleep(0.1)


def wait_for_text(
    user: TelegramUser, text: str, *, since: int = 0, exact: bool = True
) -> list[Message]:
    """Wait until the bot sent `text` (or a text containing it); new messages."""

    def matches(message: Message) -> bool:
        got = message["text"] or ""
        return got == text if exact else text in got

    return wait_for_message(user, matches, since=since, what=repr(text))


def with_buttons(message: Message) -> bool:
    return bool(message["buttons"])


def button_titled(messages: list[Message], title: str) -> Message:
    """The button with this title in the newest message that has it."""
    for message in reversed(messages):
        for button in message["buttons"]:
            if button["text"] == title:
                return button
    offered = [b["text"] for m in messages for b in m["buttons"]]
    raise LookupError(f"no button {title!r}; the bot offered {offered}")


def stage_title(lang: str, stage: str) -> str:
    """The stage question's button title for `stage` (its payload's choice)."""
    for button in render("utter_ask_rm_stage", lang).buttons:
        if f'"{stage}"' in button.payload:
            return button.title
    raise LookupError(stage)


def start_roadmap(user: TelegramUser, text: str, lang: str) -> list[Message]:
    """Start the roadmap form; the messages up to its stage question (with buttons)."""
    user.send_text(text)
    return wait_for_text(user, shown("utter_ask_rm_stage", lang))


# --- polling mode ----------------------------------------------------------------------


def test_cantonese_pathway_question_gets_answer_and_related_entry_buttons(
    polling: Gateway,
) -> None:
    user = polling.person()
    user.send_text("想問 HD 同 AD 有咩分別")
    [answer, *_] = wait_for_message(user, with_buttons, what="answer with buttons")
    text = answer["text"] or ""
    assert SOURCE_LABEL["yue"] in text, text
    assert "https://" in text or "http://" in text, text
    titles = [b["text"] for b in answer["buttons"]]
    assert 1 <= len(titles) <= 3, titles
    assert len(set(titles)) == len(titles)
    tokens = [b["callback_data"] for b in answer["buttons"]]
    # Callback data is an opaque token, never the Rasa payload itself.
    assert not any(t.startswith("/") or "entry_id" in t for t in tokens), tokens
    first_line = text.split("\n", 1)[0]

    pressed = answer["buttons"][0]
    count = len(user.bot_messages())
    user.press_button(pressed["callback_data"])
    [entry, *_] = wait_for_message(
        user,
        lambda m: (m["text"] or "").startswith(pressed["text"]),
        since=count,
        what=f"answer for {pressed['text']!r}",
    )
    entry_text = entry["text"] or ""
    assert entry_text.split("\n", 1)[0] == pressed["text"]
    assert entry_text.split("\n", 1)[0] != first_line
    assert SOURCE_LABEL["yue"] in entry_text, entry_text
    assert polling.slots(user)["language"] == "yue"


def test_two_roadmap_steps_by_button_and_text_reach_the_strengths_question(
    polling: Gateway,
) -> None:
    user = polling.person()
    messages = start_roadmap(user, "我想整生涯規劃", "yue")
    s6 = button_titled(messages, stage_title("yue", "s6"))

    count = len(user.bot_messages())
    user.press_button(s6["callback_data"])
    wait_for_text(user, shown("utter_ask_rm_interests", "yue"), since=count)

    count = len(user.bot_messages())
    user.send_text("鍾意打機同畫畫")
    wait_for_text(user, shown("utter_ask_rm_strengths", "yue"), since=count)
    assert "你擅長啲咩" in shown("utter_ask_rm_strengths", "yue")

    slots = polling.slots(user)
    assert slots["rm_stage"] == "s6"
    assert slots["rm_interests"] == "鍾意打機同畫畫"
    assert slots["requested_slot"] == "rm_strengths"


def test_typed_inform_command_sets_no_slot(polling: Gateway) -> None:
    user = polling.person()
    start_roadmap(user, "build my roadmap", "en")
    count = len(user.bot_messages())
    user.send_text('/inform{"choice":"s6"}')
    # The form answers every turn; wait for that answer before reading the slots.
    wait_for_message(user, lambda m: True, since=count, what="any reply")
    assert polling.slots(user)["rm_stage"] is None


def test_forged_callback_data_gets_the_expired_notice_and_sets_no_slot(
    polling: Gateway,
) -> None:
    user = polling.person()
    messages = start_roadmap(user, "我想整生涯規劃", "yue")
    question = messages[-1]
    offered = {b["callback_data"] for b in question["buttons"]}
    stage_message = {
        "message_id": question["message_id"],
        "from": {"id": 666, "is_bot": True, "first_name": "Test First name"},
        "chat": user.updates.chat(),
        "date": question["date"],
        "text": question["text"] or "",
        "reply_markup": question["reply_markup"],
    }
    # The S6 button's Rasa payload itself, and a token that was never issued.
    for forged in ('/inform{"choice": "s6"}', "AAAAAAAAAAAAAAAA"):
        assert forged not in offered
        count = len(user.bot_messages())
        user.send_raw_update(
            user.updates.callback_query_update(forged, message=stage_message)
        )
        new = wait_for_text(user, shown("gateway_button_expired", "yue"), since=count)
        assert [m["text"] for m in new] == [shown("gateway_button_expired", "yue")]
    slots = polling.slots(user)
    assert slots["rm_stage"] is None
    assert slots["requested_slot"] == "rm_stage"


@pytest.mark.parametrize(
    ("first_text", "content", "lang"),
    [
        pytest.param(None, photo_content(), "en", id="photo-new-person-en"),
        pytest.param(
            None, photo_content("呢張係我嘅成績表"), "yue", id="photo-yue-caption"
        ),
        pytest.param("你好", sticker_content(), "yue", id="sticker-after-cantonese"),
        pytest.param("hello", sticker_content(), "en", id="sticker-after-english"),
    ],
)
def test_photo_or_sticker_gets_please_type_in_the_persons_language(
    polling: Gateway,
    first_text: str | None,
    content: dict[str, Any],
    lang: str,
) -> None:
    user = polling.person()
    if first_text is not None:
        user.send_text(first_text)
        # A newcomer's greeting ends with the role question: wait for all of it.
        wait_for_text(user, shown("utter_ask_role", lang))
    count = len(user.bot_messages())
    user.send_raw_message(content)
    new = wait_for_text(user, shown("gateway_please_type", lang), since=count)
    assert [m["text"] for m in new] == [shown("gateway_please_type", lang)]
    assert new[0]["buttons"] == []


# --- webhook mode -----------------------------------------------------------------------


def test_gateway_registers_its_webhook_with_the_secret(
    webhook: Gateway, shim: BotApiShim
) -> None:
    target = shim.webhook(webhook.token)
    assert target is not None
    assert target.url == webhook.webhook_url
    assert target.secret_token == webhook.webhook_secret


def test_same_update_delivered_twice_is_answered_once(webhook: Gateway) -> None:
    user = webhook.person()
    greeting = shown("utter_greet", "en")
    update = user.updates.message_update("hi")
    for _ in range(2):
        status = post_update(
            webhook.webhook_url, update, secret_token=webhook.webhook_secret
        )
        assert status == 200
    # A later update in the same chat is answered after everything before it.
    later = user.updates.message_update("thank you")
    assert (
        post_update(webhook.webhook_url, later, secret_token=webhook.webhook_secret)
        == 200
    )
    messages = wait_for_text(user, shown("utter_you_are_welcome", "en"))
    texts = [m["text"] for m in messages]
    assert texts.count(greeting) == 1, texts
    assert texts.index(greeting) < texts.index(shown("utter_you_are_welcome", "en"))
    assert webhook.inbox(update["update_id"]) == ["done"]


@pytest.mark.parametrize(
    "secret",
    [pytest.param(None, id="missing"), pytest.param("wrong-secret", id="wrong")],
)
def test_webhook_without_the_right_secret_is_refused_and_not_stored(
    webhook: Gateway, secret: str | None
) -> None:
    user = webhook.person()
    greeting = shown("utter_greet", "en")
    welcome = shown("utter_you_are_welcome", "en")
    update = user.updates.message_update("hi")
    assert post_update(webhook.webhook_url, update, secret_token=secret) == 403
    assert webhook.inbox(update["update_id"]) == []

    # Nothing was processed: a later, properly signed update is the only answer.
    later = user.updates.message_update("thank you")
    assert (
        post_update(webhook.webhook_url, later, secret_token=webhook.webhook_secret)
        == 200
    )
    assert [m["text"] for m in wait_for_text(user, welcome)] == [welcome]

    # The refused update_id was not kept: delivered properly, it is answered.
    assert (
        post_update(webhook.webhook_url, update, secret_token=webhook.webhook_secret)
        == 200
    )
    wait_for_text(user, greeting)
    all_texts = [m["text"] for m in user.bot_messages()]
    assert all_texts.count(greeting) == 1
    assert all_texts.count(welcome) == 1
