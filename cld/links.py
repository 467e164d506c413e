"""Signed, expiring links to a roadmap's printable page.

A link names the profile and an expiry time and carries an HMAC of both, so it
cannot be guessed or altered; whoever has it can read that one roadmap until it
expires (the youth, or someone they chose to send it to).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from cld.config import LinkSettings


def _signature(key: bytes, profile_id: int, expires: int) -> str:
    message = f"roadmap:{profile_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def make_token(
    settings: LinkSettings, *, profile_id: int, now: float | None = None
) -> str:
    """A token for `profile_id`'s roadmap, valid for the configured number of days."""
    expires = int((now or time.time()) + settings.valid_days * 86400)
    return f"{profile_id}.{expires}.{_signature(settings.key, profile_id, expires)}"


def read_token(
    settings: LinkSettings, token: str, *, now: float | None = None
) -> int | None:
    """The profile id of a valid, unexpired token, else None."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    profile_id, expires = int(parts[0]), int(parts[1])
    expected = _signature(settings.key, profile_id, expires)
    if not hmac.compare_digest(expected, parts[2]):
        return None
    return profile_id if expires >= (now or time.time()) else None


def roadmap_url(settings: LinkSettings, *, profile_id: int, lang: str) -> str:
    """The full link to the printable page, in `lang`."""
    token = make_token(settings, profile_id=profile_id)
    return f"{settings.public_url}/roadmaps/{token}?lang={lang}"
