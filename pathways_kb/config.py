"""Database settings, read once from the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / '.data' / 'app.db'}"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the app database lives: SQLite by default, PostgreSQL in production."""

    url: str


def load() -> DatabaseSettings:
    """Read `DATABASE_URL`, falling back to the embedded SQLite file."""
    return DatabaseSettings(url=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
