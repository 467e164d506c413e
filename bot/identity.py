"""Keyed pseudonyms: Rasa never sees a platform user id or a phone number."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = {"telegram": "tg", "whatsapp": "wa"}


def pseudonym(key: bytes, channel: str, platform_user_id: str) -> str:
    """A stable pseudonym for one platform user (same key, same answer)."""
    digest = hmac.new(key, f"{channel}:{platform_user_id}".encode(), hashlib.sha256)
    return f"{PREFIX[channel]}-{digest.hexdigest()[:24]}"
