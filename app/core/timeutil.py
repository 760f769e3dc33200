"""The municipality's local time. Timestamps are stored in UTC; days are Danish days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Europe/Copenhagen"


def zone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def local_today() -> date:
    return datetime.now(zone()).date()


def local_date(value: datetime | str | None) -> date | None:
    """The local calendar day of a UTC timestamp (aggregates come back as text on SQLite)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(zone()).date()
    except OverflowError:
        # A time within hours of year 1 or 9999 (stored before dates were checked) has no local day
        # inside the calendar; its UTC day stands in, so that pages showing it still open.
        return value.date()
