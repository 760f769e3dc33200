"""The clock and the municipality's local time. Timestamps are stored in UTC; days are Danish days.

This module is the only place the app reads the time (a lint rule bans the clock everywhere else), so the
test suite can freeze it in one place and every part of the app agrees on what "now" is.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Copenhagen"


def zone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)  # noqa: TID251 (the one reading of the clock)


def epoch_seconds() -> int:
    """Now as whole seconds since the epoch (for values kept in the session cookie)."""
    return int(utcnow().timestamp())


def local_now() -> datetime:
    """Now in the municipality's time zone."""
    return utcnow().astimezone(zone())


def local_today() -> date:
    return local_now().date()


def local_date(value: datetime | str | None) -> date | None:
    """The local calendar day of a UTC timestamp (aggregates come back as text on SQLite)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone()).date()
