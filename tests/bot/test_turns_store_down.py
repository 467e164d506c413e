"""TurnHandler when the app database stops answering mid-conversation: every
branch that touches the gateway store still tells the person something, in
their language, and a crisis message still gets the help lines."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.rasa_client import RasaClient
from bot.store import GatewayStore
from bot.turns import Incoming, TurnHandler
from locales import render
from pathways_kb import db
from scripts.stack import free_port
from tests.bot.conftest import MENU


@pytest.fixture
def database_down(database: str) -> Iterator[None]:
    """The app database, migrated, then unreachable (nothing listens on the port)."""
    db.configure(f"postgresql://postgres@127.0.0.1:{free_port()}/gone")
    yield
    db.configure(database)


async def _handler(fake_rasa, *, rasa_url: str | None = None):
    rasa = RasaClient(rasa_url or fake_rasa.url, timeout_s=2)
    return TurnHandler(rasa, GatewayStore(), max_text_chars=2000), rasa


def _text(key: str, lang: str) -> str:
    return render(key, lang).text


async def test_button_press_asks_to_try_again(fake_rasa, database_down) -> None:
    handler, rasa = await _handler(fake_rasa)
    try:
        replies = await handler.handle(Incoming("rest", "s1", payload="/help"))
    finally:
        await rasa.close()
    assert [r.text for r in replies] == [_text("gateway_try_again", "en")]
    assert fake_rasa.received == []  # nothing reached Rasa


async def test_numbered_choice_asks_to_try_again_in_cantonese(
    fake_rasa, database_down
) -> None:
    handler, rasa = await _handler(fake_rasa)
    handler.notice("gateway_please_type", "s2", "你好")  # the sender writes Cantonese
    try:
        replies = await handler.handle(
            Incoming("whatsapp", "s2", text="1", numbered_choices=True)
        )
    finally:
        await rasa.close()
    assert [r.text for r in replies] == [_text("gateway_try_again", "yue")]
    assert fake_rasa.received == []


async def test_rasa_words_arrive_without_buttons_that_cannot_be_recorded(
    fake_rasa, database_down
) -> None:
    handler, rasa = await _handler(fake_rasa)
    try:
        replies = await handler.handle(Incoming("rest", "s3", text="hello"))
    finally:
        await rasa.close()
    assert [(r.text, r.buttons) for r in replies] == [(MENU[0]["text"], ())]
    assert fake_rasa.received[0]["message"] == "hello"


async def test_crisis_gets_help_lines_with_rasa_and_database_down(
    fake_rasa, database_down
) -> None:
    handler, rasa = await _handler(
        fake_rasa, rasa_url=f"http://127.0.0.1:{free_port()}"
    )
    try:
        replies = await handler.handle(Incoming("rest", "s4", text="我想死"))
    finally:
        await rasa.close()
    assert [r.text for r in replies] == [_text("utter_crisis_support", "yue")]
    assert "18111" in replies[0].text
