"""Contacts between visits: the 24-hour answer, the idempotent save behind the sync API, the hotline
period, weekly contact before a course starts, feedback on visits and team meetings.

A contact is identified by the UUID its device gave it, like a visit: the same content twice is stored
once; changed content updates a contact not yet answered; an answered contact does not change.
"""

from __future__ import annotations

import hashlib
import json
import uuid as uuid_lib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from flask import abort, current_app, has_app_context
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.caseload.services import CitizenView, visible_citizens
from app.core.timeutil import DEFAULT_ZONE, local_date, utcnow, zone
from app.extensions import db
from app.models import (
    AuditAction,
    Citizen,
    Contact,
    ContactChannel,
    ContactParty,
    ContactPerson,
    Placement,
    PlacementStatus,
    Role,
    TeamMeeting,
    TeamMeetingCitizen,
    User,
    Visit,
    VisitFeedback,
)
from app.placements.schedule import add_months
from app.visits.services import DeviceClock, Outcome

ANSWER_HOURS = 24
CLOCK_MODES = ("working", "calendar")


# --- The 24-hour clock -----------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _danish_days_off(year: int, categories: tuple[str, ...]) -> frozenset[date]:
    return frozenset(holidays.country_holidays("DK", years=year, categories=categories))


def is_working_day(day: date, categories: tuple[str, ...] = ("public",)) -> bool:
    """A weekday that is not a Danish public holiday (from the `holidays` package)."""
    return day.weekday() < 5 and day not in _danish_days_off(day.year, categories)


def answer_deadline(
    came_in: datetime,
    mode: str = "working",
    tz: ZoneInfo | None = None,
    categories: tuple[str, ...] = ("public",),
    hours: int = ANSWER_HOURS,
) -> datetime:
    """When a contact that came in at `came_in` (timezone-aware) must be answered, in UTC.

    "calendar": `hours` real hours later (24 h across a DST change end one wall-clock hour earlier or
    later). "working": only the hours of Danish working days run, day by day in local time, each day's
    real length counted (so a DST day counts 23 or 25 hours; in Denmark those are Sundays anyway). A
    contact that comes in on a day off starts its clock at the next working day's midnight.
    """
    if came_in.tzinfo is None:
        raise ValueError("came_in must be timezone-aware")
    if mode not in CLOCK_MODES:
        raise ValueError(f"unknown answer clock {mode!r}")
    start = came_in.astimezone(UTC)
    if mode == "calendar":
        return start + timedelta(hours=hours)
    tz = tz or ZoneInfo(DEFAULT_ZONE)
    remaining = timedelta(hours=hours)
    cursor = start
    for _ in range(400):  # more days off in a row than any calendar has: a bug, not a long wait
        day = cursor.astimezone(tz).date()
        next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
        if is_working_day(day, categories):
            available = next_midnight - cursor
            if remaining <= available:
                return cursor + remaining
            remaining -= available
        cursor = next_midnight
    raise RuntimeError("no working days found")


def configured_deadline(came_in: datetime) -> datetime:
    """answer_deadline under the municipality's settings (ANSWER_CLOCK, ANSWER_CLOCK_DAYS_OFF)."""
    config = current_app.config if has_app_context() else {}
    return answer_deadline(
        came_in,
        config.get("ANSWER_CLOCK", "working"),
        zone(),
        tuple(config.get("ANSWER_CLOCK_DAYS_OFF", ("public",))),
    )


def time_left(contact: Contact, now: datetime) -> timedelta | None:
    """What remains of the 24 hours (negative when overdue); None when no answer is awaited."""
    if not contact.waiting or contact.answer_due_at is None:
        return None
    return contact.answer_due_at - now


# --- Saving a contact ------------------------------------------------------------------------------


@dataclass
class ContactResult:
    outcome: Outcome
    contact: Contact | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


def content_of(form: Any) -> dict[str, Any]:
    """The contact's content as canonical data: what the content hash is taken over (the device's
    times are kept beside it, so a replay sent later is recognised as the same contact)."""
    return {
        "citizen_id": int(form.citizen_id.data),
        "placement_id": int(form.placement_id.data) if form.placement_id.data else None,
        "party": form.party.data,
        "contact_person_id": int(form.contact_person_id.data) if form.contact_person_id.data else None,
        "channel": form.channel.data,
        "came_in_on": form.came_in_on.data.isoformat(),
        "came_in_time": form.came_in_time.data.strftime("%H:%M"),
        "about": (form.about.data or "").strip(),
        "needs_answer": bool(form.needs_answer.data),
    }


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def came_in_at(content: dict[str, Any], clock: DeviceClock) -> datetime:
    """The day and time the jobformidler gave, on the device's clock (its UTC offset when it said so,
    else the municipality's zone)."""
    day = date.fromisoformat(content["came_in_on"])
    moment = time.fromisoformat(content["came_in_time"])
    offset = clock.offset_minutes
    if offset is not None:
        return datetime.combine(day, moment, tzinfo=timezone(timedelta(minutes=offset))).astimezone(UTC)
    return datetime.combine(day, moment, tzinfo=zone()).astimezone(UTC)


def find(contact_uuid: uuid_lib.UUID | str) -> Contact | None:
    try:
        key = contact_uuid if isinstance(contact_uuid, uuid_lib.UUID) else uuid_lib.UUID(str(contact_uuid))
    except ValueError:
        return None
    return db.session.scalar(sa.select(Contact).where(Contact.uuid == key))


def _reference_errors(content: dict[str, Any], citizen: Citizen) -> dict[str, list[str]]:
    """References the form cannot check: the course and contact person must be the citizen's."""
    errors: dict[str, list[str]] = {}
    if content["placement_id"] is not None:
        placement = db.session.get(Placement, content["placement_id"])
        if placement is None or placement.citizen_id != citizen.id:
            errors["placement_id"] = [str(_l("Unknown course for this citizen."))]
    if content["contact_person_id"] is not None:
        person = db.session.get(ContactPerson, content["contact_person_id"])
        courses = {p.contact_person_id for p in citizen.placements}
        if person is None or person.id not in courses:
            errors["contact_person_id"] = [str(_l("Unknown contact person for this citizen."))]
    if content["party"] == ContactParty.CONTACT_PERSON and content["contact_person_id"] is None:
        placement = db.session.get(Placement, content["placement_id"]) if content["placement_id"] else None
        if placement is None or placement.contact_person_id is None:
            errors["contact_person_id"] = [str(_l("Choose the contact person at the company."))]
    return errors


# How far from today a contact may have come in: a mistyped year is refused, not stored.
EARLIEST = timedelta(days=366)
LATEST_AHEAD = timedelta(days=2)  # the device's clock and time zone may be a day ahead


def _date_errors(content: dict[str, Any], today: date) -> dict[str, list[str]]:
    day = date.fromisoformat(content["came_in_on"])
    if day > today + LATEST_AHEAD:
        return {"came_in_on": [str(_l("The contact cannot lie in the future. Check the date."))]}
    if day < today - EARLIEST:
        return {"came_in_on": [str(_l("The date is more than a year ago. Check the year."))]}
    return {}


def _apply(contact: Contact, content: dict[str, Any], clock: DeviceClock) -> None:
    contact.placement_id = content["placement_id"]
    contact.party = ContactParty(content["party"])
    contact.contact_person_id = content["contact_person_id"]
    if contact.party == ContactParty.CONTACT_PERSON and contact.contact_person_id is None:
        contact.contact_person_id = db.session.get(Placement, content["placement_id"]).contact_person_id
    contact.channel = ContactChannel(content["channel"])
    contact.came_in_at = came_in_at(content, clock)
    contact.about = content["about"]
    contact.needs_answer = content["needs_answer"]
    contact.answer_due_at = configured_deadline(contact.came_in_at) if contact.needs_answer else None
    contact.content_hash = content_hash(content)
    received = utcnow()
    if clock.completed is not None:
        contact.recorded_at = clock.completed.at
    if clock.offset_minutes is not None:
        contact.device_utc_offset = clock.offset_minutes
    contact.received_at = received
    contact.clock_skew_seconds = clock.skew_seconds(received)


def _log(action: AuditAction, contact: Contact, user: User | None) -> None:
    audit.record(
        action,
        "contact",
        citizen_ids=[contact.citizen_id],
        object_type="contact",
        object_id=contact.id,
        user=user,
    )


def save_contact(
    contact_uuid: uuid_lib.UUID, form: Any, user: User, today: date, clock: DeviceClock
) -> ContactResult:
    """Store a contact idempotently on its device UUID. The citizen must be on the user's own caseload
    (NOT_FOUND otherwise, the same answer as for another caseload's UUID)."""
    content = content_of(form)
    citizen = db.session.scalar(
        visible_citizens(user).where(Citizen.id == content["citizen_id"], Citizen.jobformidler_id == user.id)
    )
    if citizen is None:
        return ContactResult(Outcome.NOT_FOUND)
    errors = _reference_errors(content, citizen) | _date_errors(content, today)
    if errors:
        return ContactResult(Outcome.INVALID, errors=errors)
    digest = content_hash(content)
    existing = find(contact_uuid)
    if existing is not None:
        return _save_existing(existing, content, digest, user, clock)
    contact = Contact(uuid=contact_uuid, citizen=citizen, recorded_by=user)
    _apply(contact, content, clock)
    db.session.add(contact)
    try:
        db.session.flush()
    except IntegrityError:
        # The same UUID twice at once (the outbox and the service worker): the other one is stored.
        db.session.rollback()
        return _save_existing(find(contact_uuid), content, digest, user, clock)
    _log(AuditAction.CREATE, contact, user)
    db.session.commit()
    return ContactResult(Outcome.CREATED, contact)


def _save_existing(
    contact: Contact, content: dict[str, Any], digest: str, user: User, clock: DeviceClock
) -> ContactResult:
    if contact.citizen.jobformidler_id != user.id:
        return ContactResult(Outcome.NOT_FOUND)
    if contact.content_hash == digest:
        return ContactResult(Outcome.UNCHANGED, contact)
    if contact.answered_at is not None or content["citizen_id"] != contact.citizen_id:
        return ContactResult(Outcome.CONFLICT, contact)
    _apply(contact, content, clock)
    _log(AuditAction.UPDATE, contact, user)
    db.session.commit()
    return ContactResult(Outcome.UPDATED, contact)


def get_contact(user: User, contact_id: int, write: bool = False) -> Contact:
    """A contact of a citizen the user may see (the read is logged), else 404; only the citizen's own
    jobformidler changes it (`write`, else 404 as well: the API and pages never tell it exists)."""
    contact = db.session.scalar(
        sa.select(Contact).where(
            Contact.id == contact_id,
            Contact.citizen_id.in_(visible_citizens(user).with_only_columns(Citizen.id)),
        )
    )
    if contact is None or (write and contact.citizen.jobformidler_id != user.id):
        abort(404)
    _log(AuditAction.READ, contact, user)
    return contact


def answer_time_errors(contact: Contact, at: datetime, received: datetime) -> dict[str, list[str]]:
    """A device's answer time that cannot be right: before the contact came in, or ahead of the server's
    clock by more than a device's clock can be off."""
    if at < contact.came_in_at:
        return {"answered_at": [str(_l("The answer cannot be before the contact came in."))]}
    if at > received + timedelta(days=1):
        return {"answered_at": [str(_l("The answer cannot lie in the future. Check the device's clock."))]}
    return {}


def answer(contact: Contact, user: User, note: str | None, at: datetime | None = None) -> bool:
    """Record the answer with its time (the device's, else now) and the server's receipt; False if it was
    answered already (a replay from the outbox changes nothing)."""
    if contact.answered_at is not None:
        return False
    received = utcnow()
    contact.answered_at = at or received
    contact.answer_received_at = received
    contact.answered_by = user
    contact.answer_note = (note or "").strip() or None
    _log(AuditAction.UPDATE, contact, user)
    db.session.commit()
    return True


class WaitingContact(NamedTuple):
    """A contact on the home page's "Venter på svar", as plain values (the home page reads them on
    every opening; see app.caseload.services.CitizenView)."""

    id: int
    uuid: uuid_lib.UUID
    citizen_id: int
    channel: ContactChannel
    came_in_at: datetime
    about: str
    answer_due_at: datetime | None
    citizen: CitizenView


_WAITING = (
    sa.select(
        Contact.id,
        Contact.uuid,
        Contact.citizen_id,
        Contact.channel,
        Contact.came_in_at,
        Contact.about,
        Contact.answer_due_at,
        Citizen.id,
        Citizen.first_name,
        Citizen.last_name,
        Citizen.status,
    )
    .join(Citizen, Contact.citizen_id == Citizen.id)
    .where(
        Citizen.jobformidler_id == sa.bindparam("user_id"),
        Contact.needs_answer.is_(True),
        Contact.answered_at.is_(None),
    )
    .order_by(Contact.answer_due_at, Contact.id)
)


def waiting_for_answer(user: User) -> list[WaitingContact]:
    """The user's own caseload's contacts that wait for an answer, the earliest deadline (the most
    overdue) first. One query; the caller logs the read with the page's other rows."""
    return [
        WaitingContact(*row[:7], citizen=CitizenView(*row[7:]))
        for row in db.session.execute(_WAITING, {"user_id": user.id})
    ]


def contacts_of(citizen: Citizen) -> list[Contact]:
    """A citizen's contacts, newest first (the caller logs the read)."""
    return list(
        db.session.scalars(
            sa.select(Contact)
            .where(Contact.citizen_id == citizen.id)
            .order_by(Contact.came_in_at.desc(), Contact.id.desc())
        )
    )


# --- The hotline -----------------------------------------------------------------------------------


def hotline_until(placement: Placement, months: int | None = None) -> date:
    """The last day of the course's hotline: the day agreed for the course, else HOTLINE_MONTHS (3) months
    after the start."""
    if placement.hotline_until is not None and months is None:
        return placement.hotline_until
    if months is None:
        months = current_app.config["HOTLINE_MONTHS"] if has_app_context() else 3
    return add_months(placement.start_date, months) - timedelta(days=1)


def hotline_text(placement: Placement, on: date) -> str:
    """What the company and the citizen are told in the summary and the delivery of a visit on `on`: until
    when the hotline runs, and how to reach their jobformidler directly (the phone and e-mail of the
    jobformidler's profile). After the hotline's last day, no end date that has passed: only how to reach
    the jobformidler."""
    jobformidler = placement.citizen.jobformidler
    last_day = hotline_until(placement)
    until = format_date(last_day, "d. MMMM yyyy")
    ways = [
        str(_l("phone %(phone)s", phone=jobformidler.phone)) if jobformidler.phone else None,
        str(_l("e-mail %(email)s", email=jobformidler.email)) if jobformidler.email else None,
    ]
    ways = [w for w in ways if w]
    if on > last_day:
        if not ways:
            return str(
                _l(
                    "You can contact the job broker %(name)s through the jobcentre.",
                    name=jobformidler.full_name,
                )
            )
        return str(
            _l(
                "You can contact the job broker %(name)s on %(ways)s.",
                name=jobformidler.full_name,
                ways=str(_l(" or ")).join(ways),
            )
        )
    if not ways:
        return str(
            _l(
                "Until %(date)s you can contact the job broker %(name)s directly through the jobcentre.",
                date=until,
                name=jobformidler.full_name,
            )
        )
    separator = str(_l(" or "))
    return str(
        _l(
            "Hotline: until %(date)s you can contact the job broker %(name)s directly on %(ways)s.",
            date=until,
            name=jobformidler.full_name,
            ways=separator.join(ways),
        )
    )


def hotline_open(placement: Placement, today: date) -> bool:
    return placement.start_date <= today <= hotline_until(placement) and placement.status in (
        PlacementStatus.ACTIVE,
        PlacementStatus.COMPLETED,
    )


# --- Weekly contact before the start ---------------------------------------------------------------


@dataclass(frozen=True)
class RunUpWeek:
    monday: date
    contacts: int
    past: bool  # the week has ended (or is under way) by today

    @property
    def iso_week(self) -> int:
        return self.monday.isocalendar().week

    @property
    def had_contact(self) -> bool:
        return self.contacts > 0


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def run_up_weeks(
    start_date: date, registered_on: date, contact_days: Iterable[date], today: date, max_weeks: int = 4
) -> list[RunUpWeek]:
    """The run-up to a course: the weeks (Monday to Sunday) before the week it starts in, from the week
    it was registered, at most `max_weeks`, each with its number of contacts with the citizen."""
    start_week = monday_of(start_date)
    first = max(monday_of(registered_on), start_week - timedelta(weeks=max_weeks))
    days = list(contact_days)
    weeks = []
    monday = first
    while monday < start_week:
        sunday = monday + timedelta(days=6)
        weeks.append(RunUpWeek(monday, sum(1 for d in days if monday <= d <= sunday), monday <= today))
        monday += timedelta(weeks=1)
    return weeks


def weekly_contact(
    placement: Placement, today: date, contacts: Iterable[Contact] | None = None
) -> list[RunUpWeek]:
    """The course's run-up weeks with the contacts with its citizen (all of the citizen's, when
    `contacts` is not given)."""
    if contacts is None:
        contacts = list(
            db.session.scalars(
                sa.select(Contact).where(
                    Contact.citizen_id == placement.citizen_id, Contact.party == ContactParty.CITIZEN
                )
            )
        )
        # The citizen's contacts are read for the page: logged in the caller's transaction.
        audit.record(AuditAction.READ, "contact", citizen_ids=[placement.citizen_id], object_type="contact")
    days = [local_date(c.came_in_at) for c in contacts if c.party == ContactParty.CITIZEN]
    max_weeks = current_app.config["RUN_UP_WEEKS"] if has_app_context() else 4
    return run_up_weeks(placement.start_date, local_date(placement.created_at), days, today, max_weeks)


def weekly_contact_kept(weeks: list[RunUpWeek]) -> bool | None:
    """Every run-up week had a contact; None when the course had no run-up week."""
    if not weeks:
        return None
    return all(w.had_contact for w in weeks)


# --- Feedback on visits ----------------------------------------------------------------------------


def may_give_feedback(user: User, visit: Visit) -> bool:
    """The citizen's jobformidler's leder, or a colleague in the same team (not the one who made it)."""
    performer = visit.performed_by
    if user.id == performer.id or user.team_id is None or user.team_id != performer.team_id:
        return False
    return user.role in (Role.SUPERVISOR, Role.JOBFORMIDLER)


def add_feedback(visit: Visit, user: User, took_part: bool, text: str | None) -> VisitFeedback:
    item = VisitFeedback(
        visit=visit, given_by=user, took_part=took_part, feedback=(text or "").strip() or None
    )
    db.session.add(item)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        "feedback",
        citizen_ids=[visit.placement.citizen_id],
        object_type="visit_feedback",
        object_id=item.id,
        user=user,
    )
    db.session.commit()
    return item


def feedback_of(visit: Visit) -> list[VisitFeedback]:
    return list(
        db.session.scalars(
            sa.select(VisitFeedback)
            .where(VisitFeedback.visit_id == visit.id)
            .order_by(VisitFeedback.given_at, VisitFeedback.id)
        )
    )


# --- Team meetings ---------------------------------------------------------------------------------


def current_paid_hours(citizen: Citizen, until: datetime | None = None) -> Decimal | None:
    """The citizen's ordinary paid hours a week as last reported up to `until`: their open (or latest)
    course's latest counted visit that reported hours, else its agreement's figure."""
    placements = sorted(citizen.placements, key=lambda p: p.start_date, reverse=True)
    if not placements:
        return None
    course = next((p for p in placements if p.is_open), placements[0])
    for visit in sorted(course.visits, key=Visit.sort_key, reverse=True):
        if until is not None and visit.performed_at > until:
            continue
        if (
            visit.state.value != "draft"
            and visit.addendum_of_id is None
            and visit.paid_hours_per_week is not None
        ):
            return Decimal(visit.paid_hours_per_week)
    return Decimal(course.paid_hours_per_week)


def record_team_meeting(
    team_id: int,
    held_on: date,
    citizens: list[Citizen],
    user: User,
    successes_discussed: bool = False,
    note: str | None = None,
) -> TeamMeeting:
    """A team meeting with the citizens whose hours were discussed, each with their paid hours now."""
    meeting = TeamMeeting(
        team_id=team_id,
        held_on=held_on,
        recorded_by=user,
        successes_discussed=successes_discussed,
        note=(note or "").strip() or None,
    )
    for citizen in citizens:
        meeting.citizens.append(
            TeamMeetingCitizen(citizen=citizen, paid_hours_per_week=current_paid_hours(citizen))
        )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        AuditAction.CREATE,
        "team_meeting",
        citizen_ids=[c.id for c in citizens] or [None],
        object_type="team_meeting",
        object_id=meeting.id,
        user=user,
    )
    db.session.commit()
    return meeting


@dataclass(frozen=True)
class MeetingLine:
    citizen: Citizen
    paid_hours: Decimal | None
    previous_hours: Decimal | None  # at the team's last meeting before this one that discussed them
    courses_completed: int  # since that meeting (or ever, for a first discussion)

    @property
    def change(self) -> Decimal | None:
        if self.paid_hours is None or self.previous_hours is None:
            return None
        return self.paid_hours - self.previous_hours


def meeting_lines(meeting: TeamMeeting) -> list[MeetingLine]:
    """Each discussed citizen's change in paid hours since the team's previous meeting that discussed
    them, and the courses completed since then."""
    lines = []
    for row in meeting.citizens:
        previous = db.session.execute(
            sa.select(TeamMeetingCitizen.paid_hours_per_week, TeamMeeting.held_on)
            .join(TeamMeeting, TeamMeetingCitizen.meeting_id == TeamMeeting.id)
            .where(
                TeamMeetingCitizen.citizen_id == row.citizen_id,
                TeamMeeting.team_id == meeting.team_id,
                sa.or_(
                    TeamMeeting.held_on < meeting.held_on,
                    sa.and_(TeamMeeting.held_on == meeting.held_on, TeamMeeting.id < meeting.id),
                ),
            )
            .order_by(TeamMeeting.held_on.desc(), TeamMeeting.id.desc())
            .limit(1)
        ).first()
        since = previous.held_on if previous else None
        completed = sum(
            1
            for p in row.citizen.placements
            if p.status == PlacementStatus.COMPLETED
            and (since is None or (p.end_date or p.updated_at.date()) > since)
            and (p.end_date or p.updated_at.date()) <= meeting.held_on
        )
        lines.append(
            MeetingLine(
                row.citizen,
                row.paid_hours_per_week,
                previous.paid_hours_per_week if previous else None,
                completed,
            )
        )
    return lines


def team_meetings(team_id: int | None) -> list[TeamMeeting]:
    if team_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(TeamMeeting)
            .where(TeamMeeting.team_id == team_id)
            .options(selectinload(TeamMeeting.citizens))
            .order_by(TeamMeeting.held_on.desc(), TeamMeeting.id.desc())
        )
    )
