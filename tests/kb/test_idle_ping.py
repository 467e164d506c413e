"""pathways_kb.db.ping_when_idle on the real PostgreSQL: a pooled connection that
the server dropped while it sat idle is replaced before use, and a busy one is
used without the extra round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, event, exc, text

from pathways_kb.db import ping_when_idle

pytestmark = pytest.mark.postgres


def _engine(url: str, idle_s: float):
    engine = ping_when_idle(create_engine(url, future=True, pool_size=1), idle_s)
    statements: list[str] = []
    event.listen(
        engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: statements.append(statement),
    )
    return engine, statements


def _drop_server_side(url: str, engine) -> None:
    """Kill the pooled connection's backend, as a server restart would."""
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    admin = create_engine(url, future=True)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_dropped_while_idle_is_replaced(postgres_url: str) -> None:
    engine, _ = _engine(postgres_url, idle_s=0.0)
    _drop_server_side(postgres_url, engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


def test_without_the_idle_check_the_same_drop_fails(postgres_url: str) -> None:
    engine, _ = _engine(postgres_url, idle_s=3600.0)
    _drop_server_side(postgres_url, engine)
    with pytest.raises(exc.OperationalError), engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    with engine.connect() as conn:  # the pool was reset: the next one works
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize(("idle_s", "pings"), [(3600.0, 0), (0.0, 2)])
def test_only_an_idle_connection_is_pinged(
    postgres_url: str, monkeypatch, idle_s: float, pings: int
) -> None:
    engine, statements = _engine(postgres_url, idle_s=idle_s)
    pinged: list[object] = []
    real_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection):
        pinged.append(dbapi_connection)
        return real_ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting_ping)
    for _ in range(3):  # a new connection, then two reuses of it
        with engine.connect() as conn:
            conn.execute(text("SELECT 2"))
    assert len(pinged) == pings
    assert statements == ["SELECT 2"] * 3
    engine.dispose()
