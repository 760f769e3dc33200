"""Contacts between visits (calls, messages, meetings), feedback on visits ("sparring") and team meetings."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, str_enum, updated_at_column
from app.models.placement import HOURS

if TYPE_CHECKING:
    from app.models.citizen import Citizen
    from app.models.company import ContactPerson
    from app.models.placement import Placement
    from app.models.user import Team, User
    from app.models.visit import Visit


class ContactChannel(enum.StrEnum):
    PHONE = "phone"
    SMS = "sms"
    EMAIL = "email"
    MEETING = "meeting"
    AT_COMPANY = "at_company"


class ContactParty(enum.StrEnum):
    """Who the jobformidler was in contact with."""

    CITIZEN = "citizen"
    CONTACT_PERSON = "contact_person"  # the citizen's contact person at the company


class Contact(db.Model):
    """One contact with a citizen or their contact person at the company, recorded like a visit: the
    device's UUID is the idempotency key of the sync API, the device's time is kept with the server's
    receipt time beside it."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    party: Mapped[ContactParty] = mapped_column(str_enum(ContactParty), default=ContactParty.CITIZEN)
    contact_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contact_persons.id"))
    channel: Mapped[ContactChannel] = mapped_column(str_enum(ContactChannel))
    # When the contact came in (the call, the message), as the jobformidler gave it on the device.
    came_in_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    about: Mapped[str] = mapped_column(sa.Text)
    needs_answer: Mapped[bool] = mapped_column(default=False)
    # The 24-hour deadline, worked out when the contact was saved under the municipality's rule then
    # (calendar or working hours), so that the indicator and the home page never recount it differently.
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answer_note: Mapped[str | None] = mapped_column(sa.Text)
    # The answer's time is the device's (it may come later from the outbox); the server's receipt beside it.
    answer_received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    # When it was recorded on the device, by the device's clock. Its UTC offset, the server's receipt and
    # the skew (device minus server) then.
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The device's clock: its UTC offset, the server's receipt and the skew (device minus server) then.
    device_utc_offset: Mapped[int | None] = mapped_column(sa.SmallInteger)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clock_skew_seconds: Mapped[int | None]
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    citizen: Mapped[Citizen] = relationship()
    placement: Mapped[Placement | None] = relationship()
    contact_person: Mapped[ContactPerson | None] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def waiting(self) -> bool:
        return self.needs_answer and self.answered_at is None

    @property
    def answered_in_time(self) -> bool | None:
        """True/False once answered; None while it waits or when no answer is needed."""
        if not self.needs_answer or self.answered_at is None or self.answer_due_at is None:
            return None
        return self.answered_at <= self.answer_due_at


class VisitFeedback(db.Model):
    """A leder or a colleague who took part in a visit and/or gave the jobformidler feedback on it.
    Kept with the visit, shown to the jobformidler and the leder, never in the citizen's summary."""

    __tablename__ = "visit_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    given_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    took_part: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    given_at: Mapped[datetime] = created_at_column()

    visit: Mapped[Visit] = relationship()
    given_by: Mapped[User] = relationship()


class TeamMeeting(db.Model):
    """A team meeting, with the citizens whose ordinary hours were discussed."""

    __tablename__ = "team_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    held_on: Mapped[date] = mapped_column(index=True)
    # Successful cases were discussed too (Tårnby's evidence test asks for both).
    successes_discussed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    team: Mapped[Team] = relationship()
    recorded_by: Mapped[User] = relationship()
    citizens: Mapped[list[TeamMeetingCitizen]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="TeamMeetingCitizen.id"
    )


class TeamMeetingCitizen(db.Model):
    """A citizen whose hours were discussed at a team meeting, with their paid hours a week as they stood
    then: the next meeting's change is measured from this figure."""

    __tablename__ = "team_meeting_citizens"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "citizen_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("team_meetings.id", ondelete="CASCADE"), index=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizens.id"), index=True)
    paid_hours_per_week: Mapped[Decimal | None] = mapped_column(HOURS)

    meeting: Mapped[TeamMeeting] = relationship(back_populates="citizens")
    citizen: Mapped[Citizen] = relationship()
