"""Courses ("forløb"): a citizen placed at a workplace, the written agreement and the follow-up plan."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, str_enum, updated_at_column

if TYPE_CHECKING:
    from app.models.citizen import Citizen
    from app.models.company import ContactPerson, Workplace
    from app.models.user import User
    from app.models.visit import Visit

HOURS = sa.Numeric(5, 2)


class PlacementKind(enum.StrEnum):
    ORDINARY = "ordinary"  # ordinary employment
    SMALL_JOB = "small_job"  # småjob: a few paid hours
    INTERNSHIP = "internship"  # virksomhedspraktik (unpaid)
    WAGE_SUBSIDY = "wage_subsidy"  # løntilskud
    MIXED = "mixed"  # internship and paid hours at the same workplace


class PlacementStatus(enum.StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"  # at least 30 ordinary paid hours a month
    BROKEN_OFF = "broken_off"  # back to matching
    REHABILITATION = "rehabilitation"  # handed to the rehabilitation team


# Courses whose planned visits are still made: open ones, and those completed by reaching the paid-hours
# goal (efterværn goes on through the first year). Broken-off and handed-over courses are not visited.
FOLLOWED_UP = (PlacementStatus.PLANNED, PlacementStatus.ACTIVE, PlacementStatus.COMPLETED)


class Purpose(enum.StrEnum):
    JOB = "job"  # (a) job / ordinary paid hours
    SKILLS = "skills"  # (b) train and document skills within the job goal
    CLARIFY = "clarify"  # (c) clarify a job goal within a limited period


def _visit_class() -> type[Visit]:
    """The Visit model, for the visits' order (its module imports this one)."""
    from app.models.visit import Visit

    return Visit


class Placement(db.Model):
    __tablename__ = "placements"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    workplace_id: Mapped[int] = mapped_column(sa.ForeignKey("workplaces.id"), index=True)
    contact_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_persons.id"))
    kind: Mapped[PlacementKind] = mapped_column(str_enum(PlacementKind))
    status: Mapped[PlacementStatus] = mapped_column(
        str_enum(PlacementStatus), default=PlacementStatus.PLANNED, index=True
    )
    start_date: Mapped[date]
    planned_end_date: Mapped[date | None]  # the agreed duration (required for internships)
    end_date: Mapped[date | None]  # when the course actually ended
    # The hotline's last day where it was agreed otherwise than HOTLINE_MONTHS after the start.
    hotline_until: Mapped[date | None]
    ended_reason: Mapped[str | None] = mapped_column(sa.Text)

    # The written agreement ("aftale"), made before the course starts.
    agreement_date: Mapped[date | None]
    purpose: Mapped[Purpose | None] = mapped_column(str_enum(Purpose))
    job_title: Mapped[str | None] = mapped_column(sa.String(160))
    tasks: Mapped[str | None] = mapped_column(sa.Text)
    working_hours: Mapped[str | None] = mapped_column(sa.String(200))
    # Paid hours: ordinary hours, or subsidised hours for a wage-subsidy course (which do not count toward
    # the 225-hour rule; the kind tells them apart).
    paid_hours_per_week: Mapped[Decimal] = mapped_column(HOURS, default=Decimal(0))
    internship_hours_per_week: Mapped[Decimal] = mapped_column(HOURS, default=Decimal(0))
    sub_goals: Mapped[str | None] = mapped_column(sa.Text)
    considerations: Mapped[str | None] = mapped_column(sa.Text)

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    citizen: Mapped[Citizen] = relationship(back_populates="placements")
    workplace: Mapped[Workplace] = relationship()
    contact_person: Mapped[ContactPerson | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    scheduled_visits: Mapped[list[ScheduledVisit]] = relationship(
        back_populates="placement", order_by="ScheduledVisit.due_date"
    )
    visits: Mapped[list[Visit]] = relationship(
        back_populates="placement", order_by=lambda: list(_visit_class().chronological())
    )
    revisions: Mapped[list[AgreementRevision]] = relationship(
        back_populates="placement", order_by="AgreementRevision.changed_at.desc()"
    )

    @property
    def has_agreement_before_start(self) -> bool:
        return self.agreement_date is not None and self.agreement_date <= self.start_date

    @property
    def is_open(self) -> bool:
        return self.status in (PlacementStatus.PLANNED, PlacementStatus.ACTIVE)

    @property
    def is_followed_up(self) -> bool:
        """Its plan goes on (a completed course too: efterværn); a broken-off or rehabilitation course's
        plan is no longer moved by a visit's agreed next date."""
        return self.status in FOLLOWED_UP


class AgreementRevision(db.Model):
    """The agreement as it stood before a change: its history."""

    __tablename__ = "agreement_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = created_at_column()
    changes: Mapped[dict] = mapped_column(sa.JSON)  # {field: [old, new]}

    placement: Mapped[Placement] = relationship(back_populates="revisions")
    changed_by: Mapped[User | None] = relationship()


class ScheduledVisitStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class ScheduledVisit(db.Model):
    """A follow-up visit in the plan; overdue when its due date has passed and it is not done."""

    __tablename__ = "scheduled_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id", ondelete="CASCADE"), index=True)
    due_date: Mapped[date] = mapped_column(index=True)
    label: Mapped[str | None] = mapped_column(sa.String(60))  # e.g. "1 week", "month 4"
    source: Mapped[str] = mapped_column(sa.String(20), default="plan")  # plan, manual, next_visit
    status: Mapped[ScheduledVisitStatus] = mapped_column(
        str_enum(ScheduledVisitStatus), default=ScheduledVisitStatus.PLANNED, index=True
    )
    original_due_date: Mapped[date | None]
    note: Mapped[str | None] = mapped_column(sa.Text)  # why it was moved, added or cancelled
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    placement: Mapped[Placement] = relationship(back_populates="scheduled_visits")

    def is_overdue(self, today: date) -> bool:
        return self.status == ScheduledVisitStatus.PLANNED and self.due_date < today


class FollowUpRuleRow(db.Model):
    """The municipality's follow-up plan, step by step; an administrator changes it.

    An empty table means the programme default: 1 week, 1 month, 3 months, then monthly to 12 months.
    """

    __tablename__ = "follow_up_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    days: Mapped[int] = mapped_column(default=0)
    months: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = created_at_column()
