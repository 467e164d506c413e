"""Encryption at rest for what people type: message text never sits in clear.

Sealed values are Fernet tokens (AES-128-CBC with HMAC-SHA256), prefixed with
`sealed:v1:` so a reader can tell them from older plain rows. The key comes from
`DATA_KEY` (url-safe base64 of 32 bytes: `python -m cld.sealed new-key`); the
embedded default keeps a random one in `.data/secrets/data_key`, made once.
"""

from __future__ import annotations

import base64
import functools
import os
import sys
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.types import Text, TypeDecorator

PREFIX = "sealed:v1:"
KEY_FILE = Path(__file__).resolve().parent.parent / ".data" / "secrets" / "data_key"


class SealError(ValueError):
    """A sealed value could not be opened (wrong key or damaged)."""


def _local_key() -> bytes:
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEY_FILE.write_bytes(Fernet.generate_key())
        KEY_FILE.chmod(0o600)
    return KEY_FILE.read_bytes().strip()


@functools.lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    try:
        return Fernet(key)
    except (ValueError, TypeError) as error:
        raise SealError(
            "DATA_KEY must be url-safe base64 of 32 bytes "
            "(make one with: python -m cld.sealed new-key)"
        ) from error


def _current() -> Fernet:
    key = os.environ.get("DATA_KEY", "").strip()
    return _fernet(key.encode() if key else _local_key())


def seal(text: str) -> str:
    """`text` encrypted with the data key, as printable ASCII."""
    return PREFIX + _current().encrypt(text.encode("utf-8")).decode("ascii")


def is_sealed(value: str) -> bool:
    """True for a value `seal` produced."""
    return value.startswith(PREFIX)


def unseal(value: str) -> str:
    """The text inside a sealed value; a plain (older) value is returned as it is."""
    if not is_sealed(value):
        return value
    try:
        return _current().decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as error:
        raise SealError("cannot open a sealed value: wrong DATA_KEY?") from error


class SealedText(TypeDecorator):
    """A text column sealed at rest: the ORM reads and writes plain text, the
    database holds only sealed values (older plain rows still read as they are).
    Never compare such a column in SQL: each seal of the same text differs."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, _dialect: object) -> str | None:
        return None if value is None else seal(value)

    def process_result_value(self, value: str | None, _dialect: object) -> str | None:
        return None if value is None else unseal(value)


def new_key() -> str:
    """A fresh key for DATA_KEY."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


if __name__ == "__main__":  # python -m cld.sealed new-key
    if sys.argv[1:] != ["new-key"]:
        raise SystemExit("usage: python -m cld.sealed new-key")
    print(new_key())
