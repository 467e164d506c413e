"""cld.channels: buttons offered to a person, found again by token, number or payload."""

from __future__ import annotations

from sqlalchemy import select

from cld import channels
from cld.channel_models import ButtonOffer
from pathways_kb.db import session_scope


def offer(sender: str, payloads: list[str]) -> list[str]:
    with session_scope() as session:
        return channels.offer_buttons(session, sender=sender, payloads=payloads)


def find(sender: str, **by: object) -> str | None:
    with session_scope() as session:
        return channels.offered_payload(session, sender=sender, **by)  # type: ignore[arg-type]


def rows(sender: str) -> list[ButtonOffer]:
    with session_scope() as session:
        found = session.execute(
            select(ButtonOffer)
            .where(ButtonOffer.sender == sender)
            .order_by(ButtonOffer.ordinal)
        )
        return list(found.scalars())


def test_each_button_is_found_by_its_token_number_and_payload(database):
    payloads = [
        '/choose_language{"language":"en"}',
        '/choose_language{"language":"yue"}',
    ]
    tokens = offer("ada", payloads)
    assert len(set(tokens)) == 2 and all(16 <= len(t) <= 24 for t in tokens)
    for number, (token, payload) in enumerate(
        zip(tokens, payloads, strict=True), start=1
    ):
        assert find("ada", token=token) == payload
        assert find("ada", ordinal=number) == payload
        assert find("ada", payload=payload) == payload
    stored = rows("ada")
    assert [(r.ordinal, r.payload) for r in stored] == [
        (1, payloads[0]),
        (2, payloads[1]),
    ]
    assert all(r.offered_at is not None for r in stored)


def test_a_new_offer_replaces_the_last_for_that_person_only(database):
    old = offer("ada", ["/affirm", "/deny"])
    offer("bo", ["/greet"])
    new = offer("ada", ["/start_roadmap"])
    assert find("ada", token=old[0]) is None
    assert find("ada", ordinal=2) is None
    assert find("ada", token=new[0]) == "/start_roadmap"
    assert find("bo", ordinal=1) == "/greet"
    assert find("bo", token=new[0]) is None  # a token is only good for its person


def test_an_empty_offer_clears_the_last(database):
    offer("ada", ["/affirm"])
    assert offer("ada", []) == []
    assert rows("ada") == []
