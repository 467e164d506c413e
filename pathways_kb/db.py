"""One engine, one session scope and one migration history for the whole app."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.pool import StaticPool

from pathways_kb import config

logger = logging.getLogger(__name__)

Base: Any = declarative_base()
MIGRATIONS_DIR = Path(__file__).parent / "migrations"

_url: str | None = None
_engine: Engine | None = None
_sessions: sessionmaker | None = None


def configure(url: str | None = None) -> None:
    """Point the app at `url` (default: settings from the environment); lazy."""
    global _url, _engine, _sessions
    if _engine is not None:
        _engine.dispose()
    _url, _engine, _sessions = url, None, None


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


IDLE_PING_S = 2.0


def ping_when_idle(engine: Engine, idle_s: float = IDLE_PING_S) -> Engine:
    """Check a pooled connection before use only if it sat idle over `idle_s`.

    Like `pool_pre_ping` (a server restart costs no turn), without its extra
    round trip on every transaction of a busy server: a connection that just
    worked is used as it is, and one that fails is replaced by the pool.
    """

    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < idle_s:
            return
        if not engine.dialect.do_ping(dbapi_connection):
            raise exc.DisconnectionError("connection lost while idle")

    event.listen(engine, "checkin", checked_in)
    event.listen(engine, "checkout", checked_out)
    return engine


def make_engine(url: str) -> Engine:
    """Create an engine with the options each backend needs."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:")
        if not in_memory:
            Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            future=True,
            connect_args={"check_same_thread": False, "timeout": 15},
            poolclass=StaticPool if in_memory else None,
        )
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return ping_when_idle(create_engine(url, future=True, pool_size=5))


def engine() -> Engine:
    """The app's engine, created on first use."""
    global _engine, _sessions
    if _engine is None:
        _engine = make_engine(_url or config.load().url)
        _sessions = sessionmaker(bind=_engine, future=True, expire_on_commit=False)
    return _engine


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    engine()
    assert _sessions is not None
    session = _sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def migrate(url: str | None = None) -> None:
    """Bring the database at `url` (default: the configured one) up to date."""
    from alembic import command
    from alembic.config import Config

    target = url or _url or config.load().url
    if target.startswith("sqlite:///") and target != "sqlite:///:memory:":
        Path(target.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
    alembic_cfg = Config()
    alembic_cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    alembic_cfg.set_main_option("sqlalchemy.url", target.replace("%", "%%"))
    if target in ("sqlite://", "sqlite:///:memory:"):
        # An in-memory database lives in one connection: migrate on the app's engine.
        if _url != target:
            configure(target)
        with engine().begin() as connection:
            alembic_cfg.attributes["connection"] = connection
            command.upgrade(alembic_cfg, "head")
        return
    command.upgrade(alembic_cfg, "head")
