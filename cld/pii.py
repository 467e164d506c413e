"""Masking of personal identifiers in what people type, before anything stores it.

`mask(text)` replaces Hong Kong identity card numbers, Hong Kong phone numbers and
email addresses with "[HKID]", "[phone]" and "[email]". It errs on the side of
masking: an HKID-shaped string is masked whether or not its check digit is right
(a mistyped HKID is still one). Left alone: public help lines and hotlines (the
bot sends them, and people quote them back), years and year ranges ("2024-2025"),
fees ("HK$42,100"), JUPAS codes ("JS1234") and other short numbers.
"""

from __future__ import annotations

import re

HKID = "[HKID]"
PHONE = "[phone]"
EMAIL = "[email]"

# Public numbers the bot or the knowledge base gives out (locales/*.yml,
# pathways_kb/seed/); tests/privacy/test_pii.py checks every one in locales is here.
PUBLIC_NUMBERS = frozenset(
    {
        "23892222",  # Samaritan Befrienders Hong Kong
        "28960000",  # The Samaritans
        "23820000",  # Suicide Prevention Services
        "21129932",  # Labour Department enquiry hotline (employment.yml)
        "91012012",  # Open Up SMS (parents.yml)
    }
)

_EMAIL = re.compile(
    r"(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?!\w)",
    re.ASCII,
)
# One or two letters, six digits, a check digit or A, brackets optional.
_HKID = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{1,2}[ \t]?\d{6}[ \t]?"
    r"(?:[(（][ \t]?[0-9Aa][ \t]?[)）]|[0-9Aa])(?![A-Za-z0-9])"
)
# Eight digits starting 2-9 (4+4, space or hyphen between), +852 / 852 optional.
_PHONE = re.compile(
    r"(?<![A-Za-z0-9$＄])"
    r"(?:(?P<prefix>(?:\+|00)?852[ \t-]?|[(（]\+?852[)）][ \t-]?)|(?<![\d,.]))"
    r"(?P<number>[2-9]\d{3}[ \t-]?\d{4})(?!\d|[,.]\d)"
)
_YEARS = re.compile(r"(19|20)\d\d[ \t-](19|20)\d\d")


def _phone(match: re.Match[str]) -> str:
    number = match["number"]
    digits = re.sub(r"\D", "", number)
    if digits in PUBLIC_NUMBERS:
        return match[0]
    if not match["prefix"] and _YEARS.fullmatch(number):
        first, second = int(digits[:4]), int(digits[4:])
        if 0 <= second - first <= 10:  # "2024-2025": a span of years, not a phone
            return match[0]
    return PHONE


def mask(text: str) -> str:
    """`text` with HKID numbers, Hong Kong phone numbers and emails masked."""
    masked = _EMAIL.sub(EMAIL, text)
    masked = _HKID.sub(HKID, masked)
    return _PHONE.sub(_phone, masked)


def has_identifier(text: str) -> bool:
    """True when `mask` would change `text`."""
    return mask(text) != text
