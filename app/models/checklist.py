"""Versioned checklist templates. A published version is never edited, only superseded."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, str_enum

if TYPE_CHECKING:
    from app.models.user import User


class TemplateStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class ItemKind(enum.StrEnum):
    RATING = "rating"  # a rating on the short scale and a note
    HOURS = "hours"  # a rating, a note, paid and internship hours per week, and "can hours be converted"


class ChecklistTemplate(db.Model):
    __tablename__ = "checklist_templates"
    __table_args__ = (sa.UniqueConstraint("name", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    version: Mapped[int]
    status: Mapped[TemplateStatus] = mapped_column(str_enum(TemplateStatus), default=TemplateStatus.DRAFT)
    # Which signatures complete a visit, e.g. ["company_contact", "citizen"].
    required_signers: Mapped[list] = mapped_column(sa.JSON, default=list)
    # The rating scale, e.g. [{"value": "good", "label": "Går godt"}, ...].
    rating_scale: Mapped[list] = mapped_column(sa.JSON, default=list)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("checklist_templates.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    # Who made the version and who published it (none for the default version the app installs).
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_editable(self) -> bool:
        return self.status == TemplateStatus.DRAFT


class ChecklistItem(db.Model):
    __tablename__ = "checklist_items"
    __table_args__ = (sa.UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        sa.ForeignKey("checklist_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    key: Mapped[str] = mapped_column(sa.String(40))  # stable across versions, e.g. "attendance"
    title: Mapped[str] = mapped_column(sa.String(160))
    help_text: Mapped[str | None] = mapped_column(sa.Text)
    kind: Mapped[ItemKind] = mapped_column(str_enum(ItemKind), default=ItemKind.RATING)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")
