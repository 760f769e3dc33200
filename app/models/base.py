"""Shared column types and helpers for the models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from app.core.timeutil import utcnow

__all__ = ["UTCDateTime", "created_at_column", "str_enum", "updated_at_column", "utcnow"]


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """Store an enum by value as VARCHAR: portable, and readable in the database."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def created_at_column() -> Any:
    return sa.orm.mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def updated_at_column() -> Any:
    return sa.orm.mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


def _in_utc(target: Any, value: datetime | None, oldvalue: Any, initiator: Any) -> datetime | None:
    """An aware time set on a UTC column, held in UTC at once: a request that answers from the rows it
    just wrote (commit_keeping_loaded) shows the time as a later read from the database does, and a
    replay's answer is the first answer byte for byte. A naive time is left for the column to refuse."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


@sa.event.listens_for(sa.orm.Mapper, "mapper_configured")
def _utc_on_set(mapper: sa.orm.Mapper, class_: type) -> None:
    for prop in mapper.column_attrs:
        if any(isinstance(column.type, UTCDateTime) for column in prop.columns):
            sa.event.listen(getattr(class_, prop.key), "set", _in_utc, retval=True)
