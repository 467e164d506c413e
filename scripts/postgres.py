"""PostgreSQL databases for production mode, its tests and the benchmarks.

The server is POSTGRES_URL (default: the local one, trust auth). Names are
quoted, never interpolated from user input.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import create_engine, text


def server_url() -> str:
    """The PostgreSQL server, without a database name."""
    return os.environ.get("POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")


def _admin_sql(statement: str, server: str) -> list[tuple]:
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        admin.dispose()


def ensure_database(name: str, server: str | None = None) -> str:
    """Database `name`, created when missing (kept otherwise); returns its URL."""
    server = server or server_url()
    found = _admin_sql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", server)
    if not found:
        _admin_sql(f'CREATE DATABASE "{name}"', server)
    return f"{server}/{name}"


def create_database(name: str, server: str | None = None) -> str:
    """A fresh, empty database `name` (dropped first if a crashed run left it)."""
    server = server or server_url()
    drop_database(name, server)
    _admin_sql(f'CREATE DATABASE "{name}"', server)
    return f"{server}/{name}"


def drop_database(name: str, server: str | None = None) -> None:
    """Drop database `name`, disconnecting anyone still on it."""
    _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', server or server_url())


@contextmanager
def scratch_database(name: str, server: str | None = None) -> Iterator[str]:
    """A fresh database for the duration of the block."""
    url = create_database(name, server)
    try:
        yield url
    finally:
        drop_database(name, server)
