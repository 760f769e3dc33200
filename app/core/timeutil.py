"""The clock and the municipality's local time. Timestamps are stored in UTC; days are Danish days.

This module is the only place the app reads the time (a lint rule bans the clock everywhere else), so the
test suite can freeze it in one place and every part of the app agrees on what "now" is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
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


@dataclass(frozen=True)
class DeviceTime:
    """A moment as a device's clock gave it: the instant (UTC) and the device's offset from UTC then."""

    at: datetime  # timezone-aware, UTC
    offset_minutes: int

    @property
    def local(self) -> datetime:
        """The moment as the device's own clock showed it."""
        return device_local(self.at, self.offset_minutes)


def device_local(moment: datetime, offset_minutes: int | None) -> datetime:
    """A stored UTC moment as the device showed it (in the municipality's zone when its offset is unknown)."""
    if offset_minutes is None:
        return moment.astimezone(zone())
    return moment.astimezone(timezone(timedelta(minutes=offset_minutes)))


def parse_device_time(value: object) -> DeviceTime:
    """An ISO 8601 time with its UTC offset ("2026-12-01T22:37:05+01:00"), as the device sends it.

    Raises ValueError for anything else: a time without an offset says nothing certain about the instant.
    """
    if not isinstance(value, str) or not 16 <= len(value.strip()) <= 40:
        raise ValueError("not a device time")
    moment = datetime.fromisoformat(value.strip())
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError("a device time needs its UTC offset")
    minutes = int(offset.total_seconds() // 60)
    if not -14 * 60 <= minutes <= 14 * 60 or not 2000 <= moment.year <= 2200:
        raise ValueError("not a plausible device time")
    return DeviceTime(moment.astimezone(UTC), minutes)
