"""The access log: every use of a citizen's personal data."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from app.models.user import User


class AuditAction(enum.StrEnum):
    READ = "read"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    EXPORT = "export"
    DELETE = "delete"


class AuditEvent(db.Model):
    """One use of personal data. A list view writes one event per citizen shown, so that a
    citizen's extract ("when and why was my data used") is a plain query on citizen_id."""

    __tablename__ = "audit_events"
    __table_args__ = (sa.Index("ix_audit_events_citizen_at", "citizen_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # No foreign key on purpose: the log must outlive a deleted citizen for its retention period.
    citizen_id: Mapped[int | None] = mapped_column(sa.Integer)
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction))
    object_type: Mapped[str] = mapped_column(sa.String(40))  # citizen, placement, visit, caseload, …
    object_id: Mapped[int | None]
    # Why the data was used: a key of app.audit.services.PURPOSES.
    purpose: Mapped[str] = mapped_column(sa.String(40))
    search_term: Mapped[str | None] = mapped_column(sa.String(200))
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    user: Mapped[User | None] = relationship()
