"""Settings for links to printable roadmap pages, read from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping


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
