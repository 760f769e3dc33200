"""Citizens ("borgere") on a jobformidler's caseload. A CPR number is kept only, encrypted, where Digital Post
needs it to address the citizen (app/core/cpr.py)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column, str_enum, updated_at_column

if TYPE_CHECKING:
    from app.models.placement import Placement
    from app.models.user import User


class CitizenStatus(enum.StrEnum):
    MATCHING = "matching"  # looking for a company (step 1-2 of the course model)
    IN_COURSE = "in_course"  # placed at a company and followed up
    COMPLETED = "completed"  # at least 30 paid hours a month, or self-supporting
    REHABILITATION = "rehabilitation"  # handed to the rehabilitation team
    INACTIVE = "inactive"  # left the caseload


class Citizen(db.Model):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(sa.String(80))
    last_name: Mapped[str] = mapped_column(sa.String(80))
    # The municipality's internal case reference, never a CPR number.
    case_ref: Mapped[str] = mapped_column(sa.String(32), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    job_wish: Mapped[str | None] = mapped_column(sa.Text)  # the citizen's own job wish, for matching
    # Encrypted with CPR_ENCRYPTION_KEY (Fernet), for addressing Digital Post alone; never shown again.
    cpr_encrypted: Mapped[str | None] = mapped_column(sa.Text)
    jobformidler_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[CitizenStatus] = mapped_column(str_enum(CitizenStatus), default=CitizenStatus.MATCHING)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    jobformidler: Mapped[User] = relationship()
    placements: Mapped[list[Placement]] = relationship(
        back_populates="citizen", order_by="Placement.start_date.desc()"
    )

    @property
    def has_cpr(self) -> bool:
        return self.cpr_encrypted is not None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"<Citizen {self.case_ref}>"
