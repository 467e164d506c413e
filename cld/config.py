"""Settings of the domain services from the environment: roadmap links, privacy."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

# Rasa's SQL tracker store beside the app database (endpoints.yml, scripts/stack.py).
DEFAULT_TRACKER_DB_URL = (
    f"sqlite:///{Path(__file__).resolve().parent.parent / '.data' / 'tracker.db'}"
)


class ConfigError(RuntimeError):
    """A required setting is missing or unusable; the message names it."""


@dataclass(frozen=True)
class LinkSettings:
    """Where the gateway serves roadmap pages, and the key that signs their links."""

    public_url: str
    key: bytes
    valid_days: int


def load(env: Mapping[str, str] | None = None) -> LinkSettings:
    """Read PUBLIC_URL, ROADMAP_LINK_KEY and ROADMAP_LINK_DAYS."""
    env = os.environ if env is None else env
    key = env.get("ROADMAP_LINK_KEY") or ""
    if len(key) < 16:
        raise ConfigError("ROADMAP_LINK_KEY must be set (at least 16 characters)")
    public_url = (env.get("PUBLIC_URL") or "").rstrip("/")
    if not public_url.startswith(("http://", "https://")):
        raise ConfigError("PUBLIC_URL must be set to the gateway's http(s) address")
    days = env.get("ROADMAP_LINK_DAYS") or "30"
    if not days.isascii() or not days.isdigit() or int(days) < 1:
        raise ConfigError(
            "ROADMAP_LINK_DAYS must be a whole number of days (1 or more)"
        )
    return LinkSettings(public_url=public_url, key=key.encode(), valid_days=int(days))


@dataclass(frozen=True)
class PrivacySettings:
    """How long transcripts of people who share nothing are kept, and where."""

    retention_days: int  # TRANSCRIPT_RETENTION_DAYS
    tracker_db_url: str  # TRACKER_DB_URL: Rasa's tracker store
    purge_every_s: float  # how often the gateway purges; 0: never (CLI only)


def load_privacy(env: Mapping[str, str] | None = None) -> PrivacySettings:
    """Read TRANSCRIPT_RETENTION_DAYS (default 30), TRACKER_DB_URL and
    TRANSCRIPT_PURGE_EVERY_S (default 6 hours)."""
    env = os.environ if env is None else env
    days = env.get("TRANSCRIPT_RETENTION_DAYS") or "30"
    if not days.isascii() or not days.isdigit() or int(days) < 1:
        raise ConfigError(
            "TRANSCRIPT_RETENTION_DAYS must be a whole number of days (1 or more)"
        )
    every = env.get("TRANSCRIPT_PURGE_EVERY_S") or "21600"
    if not every.isascii() or not every.isdigit():
        raise ConfigError("TRANSCRIPT_PURGE_EVERY_S must be a whole number of seconds")
    return PrivacySettings(
        retention_days=int(days),
        tracker_db_url=env.get("TRACKER_DB_URL") or DEFAULT_TRACKER_DB_URL,
        purge_every_s=float(every),
    )
