"""Signed, expiring links to a roadmap's printable page.

A link names the profile and an expiry time and carries an HMAC of both, so it
cannot be guessed or altered; whoever has it can read that one roadmap until it
expires (the youth, or someone they chose to send it to).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

from cld.config import LinkSettings


def _signature(key: bytes, profile_id: int, expires: int) -> str:
    message = f"roadmap:{profile_id}:{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def make_token(
    settings: LinkSettings, *, profile_id: int, now: float | None = None
) -> str:
    """A token for `profile_id`'s roadmap, valid for the configured number of days."""
    expires = int((time.time() if now is None else now) + settings.valid_days * 86400)
    return f"{profile_id}.{expires}.{_signature(settings.key, profile_id, expires)}"


TOKEN = re.compile(r"([0-9]{1,12})\.([0-9]{1,12})\.([0-9a-f]{32})")


def read_token(
    settings: LinkSettings, token: str, *, now: float | None = None
) -> int | None:
    """The profile id of a valid, unexpired token, else None."""
    match = TOKEN.fullmatch(token)
    if match is None:
        return None
    profile_id, expires = int(match[1]), int(match[2])
    expected = _signature(settings.key, profile_id, expires)
    if not hmac.compare_digest(expected, match[3]):
        return None
    return profile_id if expires >= (time.time() if now is None else now) else None


def roadmap_url(settings: LinkSettings, *, profile_id: int, lang: str) -> str:
    """The full link to the printable page, in `lang`."""
    token = make_token(settings, profile_id=profile_id)
    return f"{settings.public_url}/roadmaps/{token}?lang={lang}"
