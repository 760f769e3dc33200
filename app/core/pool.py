"""Database connections are checked before use only when they have lain idle in the pool a while.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` at every checkout: a round trip to the database for each
request, about a twentieth of a request that answers from one row (issue 14). A connection used moments
ago is alive; one idle for longer than IDLE_PING_SECONDS (the database may have restarted, a firewall may
have dropped it) is pinged, and a dead one is replaced before the request uses it.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import Pool

IDLE_PING_SECONDS = 10.0


@sa.event.listens_for(Pool, "checkin")
def _checked_in(dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


@sa.event.listens_for(Pool, "checkout")
def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
        return  # new, or used moments ago
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as exc:
        # The pool drops this connection and checks out another (a new one if need be).
        raise sa.exc.DisconnectionError(f"an idle connection was gone: {exc}") from exc
