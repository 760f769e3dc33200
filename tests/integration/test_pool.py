"""Connections idle in the pool are checked before use, busy ones are not (app/core/pool.py)."""

from __future__ import annotations

import sqlite3
import time
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from app.core import pool
from app.extensions import db


def test_a_dead_connection_is_pinged_only_when_it_has_lain_idle():
    """Is a connection that cannot answer refused at checkout when it lay idle longer than the limit,
    and handed out unchecked when it was used moments ago (no round trip for a busy pool)?"""
    dead = sqlite3.connect(":memory:")
    dead.close()  # any statement on it fails, as on a connection the server ended
    recent = SimpleNamespace(info={"idle_since": time.monotonic()})
    pool._checked_out(dead, recent, None)  # not pinged
    idle = SimpleNamespace(info={"idle_since": time.monotonic() - pool.IDLE_PING_SECONDS - 1})
    with pytest.raises(sa.exc.DisconnectionError):
        pool._checked_out(dead, idle, None)
    alive = sqlite3.connect(":memory:")
    pool._checked_out(alive, idle, None)  # pinged, and fine
    alive.close()


def _backend_pid() -> int:
    return db.session.scalar(sa.text("SELECT pg_backend_pid()"))


def _end_backend(pid: int) -> None:
    """End a server process from outside the app's pool, as a database restart would."""
    other = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with other.connect() as conn:
        conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the server ends a connection: PostgreSQL only")


def test_a_connection_the_server_ended_while_idle_is_replaced(app, postgres, monkeypatch):
    """After the server ended the pool's idle connection, does the next request's query run on a new
    connection instead of failing?"""
    pid = _backend_pid()
    db.session.remove()  # the connection goes back to the pool
    _end_backend(pid)
    monkeypatch.setattr(pool, "IDLE_PING_SECONDS", 0.0)  # it has lain idle long enough
    assert _backend_pid() != pid


def test_without_the_idle_check_the_ended_connection_would_fail(app, postgres, monkeypatch):
    """The same, with the connection counted as busy (not pinged): does the query fail, so that the
    test above shows the check at work?"""
    pid = _backend_pid()
    db.session.remove()
    _end_backend(pid)
    monkeypatch.setattr(pool, "IDLE_PING_SECONDS", 3600.0)
    with pytest.raises(sa.exc.OperationalError):
        _backend_pid()
    db.session.rollback()
