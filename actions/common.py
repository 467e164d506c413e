"""Helpers every action uses: the reply language, the person's profile, DB calls."""

from __future__ import annotations

import asyncio
from typing import Any, Callable, TypeVar

from rasa_sdk import Tracker

from cld import services
from cld.services import ProfileView
from locales import DEFAULT, SUPPORTED
from pathways_kb.db import session_scope

T = TypeVar("T")
KNOWN_CHANNELS = ("rest", "telegram", "whatsapp", "cmdline")


def user_language(tracker: Tracker) -> str:
    """Reply language: the person's choice, else the language they write in."""
    choice = tracker.get_slot("language_choice")
    if choice in SUPPORTED:
        return str(choice)
    detected = tracker.get_slot("language")
    return str(detected) if detected in SUPPORTED else DEFAULT


def entity_values(tracker: Tracker, name: str) -> list[str]:
    """Every value of entity `name` in the latest message, in order."""
    entities = tracker.latest_message.get("entities") or []
    return [str(e["value"]) for e in entities if e.get("entity") == name]


def entity_value(tracker: Tracker, name: str) -> str | None:
    """The first value of entity `name` in the latest message, if any."""
    found = entity_values(tracker, name)
    return found[0] if found else None


def channel_of(tracker: Tracker) -> str:
    """The channel the person uses, as the gateway reported it."""
    metadata: dict[str, Any] = tracker.latest_message.get("metadata") or {}
    channel = metadata.get("channel") or (
        tracker.get_slot("session_started_metadata") or {}
    ).get("channel")
    return channel if channel in KNOWN_CHANNELS else "rest"


async def in_db(work: Callable[..., T], /, **kwargs: Any) -> T:
    """Run `work(session, **kwargs)` in a transaction, off the event loop."""

    def run() -> T:
        with session_scope() as session:
            return work(session, **kwargs)

    return await asyncio.to_thread(run)


async def profile_of(tracker: Tracker, *, language: str | None = None) -> ProfileView:
    """The person's profile, created on first contact."""
    return await in_db(
        services.ensure_profile,
        channel=channel_of(tracker),
        channel_user_id=tracker.sender_id,
        language=language,
    )
