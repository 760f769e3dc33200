"""Courses ("forløb"): creating them with their written agreement and follow-up plan, changing the
agreement with a history, moving, adding and cancelling visits, and the course's status."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import aliased
from wtforms.fields.choices import SelectChoice

from app.audit import services as audit
from app.caseload.services import may_see, visibility
from app.core.timeutil import local_date
from app.extensions import commit_keeping_loaded, db
from app.models import (
    AgreementRevision,
    AuditAction,
    Citizen,
    CitizenStatus,
    Company,
    ContactPerson,
    FollowUpRuleRow,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    ScheduledVisit,
    ScheduledVisitStatus,
    User,
    Visit,
    VisitState,
    Workplace,
)
from app.models.base import utcnow
from app.placements.schedule import FollowUpRule, default_rules, plan_dates

# The course is complete at this many ordinary paid hours a month (DOMAIN.md, step 4).
GOAL_MONTHLY_PAID_HOURS = Decimal(30)

AGREEMENT_FIELDS = (
    "kind",
    "workplace_id",
    "contact_person_id",
    "start_date",
    "planned_end_date",
    "agreement_date",
    "hotline_until",
    "purpose",
    "job_title",
    "tasks",
    "working_hours",
    "paid_hours_per_week",
    "internship_hours_per_week",
    "sub_goals",
    "considerations",
)


def _log(action: AuditAction, placement: Placement, user: User, purpose: str = "placement") -> None:
    _log_course(action, placement.id, placement.citizen_id, user, purpose)


def log_read(placement: Placement, user: User, purpose: str) -> None:
    """Log a read of the course in the present transaction (the caller commits)."""
    _log(AuditAction.READ, placement, user, purpose)


def _log_course(action: AuditAction, placement_id: int, citizen_id: int, user: User, purpose: str) -> None:
    audit.record(
        action,
        purpose,
        citizen_ids=[citizen_id],
        object_type="placement",
        object_id=placement_id,
        user=user,
    )


# --- The municipality's follow-up plan ------------------------------------------------------------


def current_rules() -> list[FollowUpRule]:
    """The administrator's plan, or the programme default when none is set."""
    rows = db.session.scalars(sa.select(FollowUpRuleRow)).all()
    if not rows:
        return default_rules()
    return sorted(
        (FollowUpRule(days=r.days, months=r.months) for r in rows), key=lambda r: (r.months, r.days)
    )


def replace_rules(rules: list[FollowUpRule]) -> None:
    """Store a new plan for courses created from now on (existing plans are left as they are)."""
    db.session.execute(sa.delete(FollowUpRuleRow))
    db.session.add_all(FollowUpRuleRow(days=r.days, months=r.months) for r in rules)
    db.session.commit()


def generate_schedule(placement: Placement, rules: list[FollowUpRule] | None = None) -> list[ScheduledVisit]:
    """Add the planned follow-up visits for a course from its start date (the caller commits)."""
    rules = current_rules() if rules is None else rules
    last_day = placement.end_date or placement.planned_end_date
    visits = [
        ScheduledVisit(placement=placement, due_date=due, label=code, source="plan", original_due_date=due)
        for code, due in plan_dates(placement.start_date, rules)
        if last_day is None or due <= last_day
    ]
    db.session.add_all(visits)
    return visits


# --- Creating and changing a course ---------------------------------------------------------------


def create_placement(citizen: Citizen, data: dict[str, Any], user: User, today: date) -> Placement:
    """A new course with its agreement and follow-up plan; the citizen is now in a course."""
    placement = Placement(
        citizen=citizen, created_by=user, **{k: data[k] for k in AGREEMENT_FIELDS if k in data}
    )
    placement.status = PlacementStatus.ACTIVE if placement.start_date <= today else PlacementStatus.PLANNED
    db.session.add(placement)
    generate_schedule(placement)
    citizen.status = CitizenStatus.IN_COURSE
    db.session.flush()
    _log(AuditAction.CREATE, placement, user)
    db.session.commit()
    return placement


def _comparable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value.value if hasattr(value, "value") else value


def agreement_names(placement: Placement) -> dict[tuple[str, int], str]:
    """The names of the workplaces and contact persons the agreement's history names by id (one
    statement for each kind), so that the history reads "Butikken, Aarhus → Lageret, Vejle", not
    "3 → 7". A row deleted since has no name (the history shows "–")."""
    wanted: dict[str, set[int]] = {"workplace_id": set(), "contact_person_id": set()}
    for revision in placement.revisions:
        for field, values in revision.changes.items():
            if field in wanted:
                wanted[field].update(v for v in values if isinstance(v, int))
    names: dict[tuple[str, int], str] = {}
    if wanted["workplace_id"]:
        rows = db.session.execute(
            sa.select(Workplace.id, Company.name, Workplace.name, Workplace.city)
            .join(Workplace.company)
            .where(Workplace.id.in_(wanted["workplace_id"]))
        )
        for id_, company, workplace, city in rows:
            names["workplace_id", id_] = ", ".join(p for p in (company, workplace, city) if p)
    if wanted["contact_person_id"]:
        rows = db.session.execute(
            sa.select(ContactPerson.id, ContactPerson.name).where(
                ContactPerson.id.in_(wanted["contact_person_id"])
            )
        )
        for id_, name in rows:
            names["contact_person_id", id_] = name
    return names


def update_agreement(
    placement: Placement, data: dict[str, Any], user: User, today: date
) -> AgreementRevision | None:
    """Change the agreement, keeping what it said before as a revision. Returns None if nothing changed.

    A new start or end date plans the visits anew (see _replan).
    """
    changes = {}
    for field in AGREEMENT_FIELDS:
        if field not in data:
            continue
        old, new = getattr(placement, field), data[field]
        if _comparable(old) != _comparable(new):
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(placement, field, new)
    if not changes:
        return None
    if changes.keys() & {"start_date", "planned_end_date"} and placement.is_open:
        _replan(placement, today)
    revision = AgreementRevision(placement=placement, changed_by=user, changes=changes)
    db.session.add(revision)
    _log(AuditAction.UPDATE, placement, user)
    db.session.commit()
    return revision


def _replan(placement: Placement, today: date) -> None:
    """Plan the open visits anew from the course's start up to its end.

    The plan's visits that are still open and where the plan put them go, and the plan makes them again
    from the new dates. What a person did or decided stays: visits done or cancelled, visits moved to
    another day and visits added by hand; a step of the plan that one of those stands for is not made twice.
    """
    kept_steps = set()
    for sv in list(placement.scheduled_visits):
        untouched = sv.status == ScheduledVisitStatus.PLANNED and sv.due_date == sv.original_due_date
        if sv.source == "plan" and untouched:
            db.session.delete(sv)
            placement.scheduled_visits.remove(sv)
        elif sv.source == "plan":
            kept_steps.add(sv.label)
    for sv in generate_schedule(placement):
        if sv.label in kept_steps:
            db.session.expunge(sv)
            placement.scheduled_visits.remove(sv)
    placement.status = PlacementStatus.ACTIVE if placement.start_date <= today else PlacementStatus.PLANNED


def end_course(
    placement: Placement, status: PlacementStatus, end_date: date, reason: str | None, user: User
) -> None:
    """End a course: completed, broken off (back to matching) or handed to the rehabilitation team.

    Its remaining planned visits are cancelled; the citizen's status follows the outcome.
    """
    if status not in (PlacementStatus.COMPLETED, PlacementStatus.BROKEN_OFF, PlacementStatus.REHABILITATION):
        raise ValueError(f"{status} does not end a course")
    placement.status = status
    placement.end_date = end_date
    placement.ended_reason = reason
    for sv in placement.scheduled_visits:
        if sv.status == ScheduledVisitStatus.PLANNED:
            sv.status = ScheduledVisitStatus.CANCELLED
            sv.cancelled_at = utcnow()
    placement.citizen.status = {
        PlacementStatus.COMPLETED: CitizenStatus.COMPLETED,
        PlacementStatus.BROKEN_OFF: CitizenStatus.MATCHING,
        PlacementStatus.REHABILITATION: CitizenStatus.REHABILITATION,
    }[status]
    _log(AuditAction.UPDATE, placement, user)
    db.session.commit()


# --- Moving, adding and cancelling visits ---------------------------------------------------------


class ScheduleError(ValueError):
    """A change to the plan that cannot be made (the message is shown to the user)."""


def _check_changeable(sv: ScheduledVisit) -> None:
    if sv.status != ScheduledVisitStatus.PLANNED:
        raise ScheduleError("only a planned visit can be changed")


def move_visit(sv: ScheduledVisit, new_date: date, note: str | None = None) -> ScheduledVisit:
    """Move a planned visit to another day; the plan remembers the original date."""
    _move(sv, new_date, note)
    db.session.commit()
    return sv


def _move(sv: ScheduledVisit, new_date: date, note: str | None = None) -> None:
    """move_visit in the caller's transaction."""
    _check_changeable(sv)
    if sv.original_due_date is None:
        sv.original_due_date = sv.due_date
    sv.due_date = new_date
    sv.note = note or sv.note


def cancel_visit(sv: ScheduledVisit, note: str | None = None) -> ScheduledVisit:
    """Cancel a planned visit; it stays in the plan's history as cancelled."""
    _check_changeable(sv)
    sv.status = ScheduledVisitStatus.CANCELLED
    sv.cancelled_at = utcnow()
    sv.note = note or sv.note
    db.session.commit()
    return sv


def add_visit(
    placement: Placement, due_date: date, note: str | None = None, source: str = "manual"
) -> ScheduledVisit:
    """Add a visit to the plan (an extra visit, or the next visit agreed at a visit)."""
    sv = _add(placement, due_date, note, source)
    db.session.commit()
    return sv


def _add(
    placement: Placement, due_date: date, note: str | None = None, source: str = "manual"
) -> ScheduledVisit:
    """add_visit in the caller's transaction."""
    sv = ScheduledVisit(
        placement=placement, due_date=due_date, source=source, note=note, original_due_date=due_date
    )
    db.session.add(sv)
    return sv


def next_planned(placement: Placement) -> ScheduledVisit | None:
    planned = [sv for sv in placement.scheduled_visits if sv.status == ScheduledVisitStatus.PLANNED]
    return min(planned, key=lambda sv: sv.due_date, default=None)


def apply_next_visit_date(
    placement: Placement,
    next_date: date,
    performed_at: datetime,
    done: ScheduledVisit | None = None,
    visit_id: int | None = None,
) -> PlanApplied:
    """The next visit agreed at a visit performed at `performed_at`: the plan's next visit after that
    visit's day moves to `next_date`, or one is added, in the caller's transaction (the visit's: stored
    with the plan it moved, or not at all). Returns whether the plan changed, and the course's latest
    reported hours as read in the same statement (a save goes on to check the course's goal with them).

    - A planned visit due before the visit's day is overdue, not "next": it stays, for the jobformidler
      to hold or cancel, and the leder sees it as overdue.
    - Only the course's latest visit speaks for the plan: when a visit performed later exists (an older
      visit edited, or synced late from a device), its agreement stands and nothing moves.
    - A planned visit already on the agreed day is the agreed visit: nothing moves (the form offers
      the plan's next day, and keeping it must not put two visits on one day).
    - `done` is the scheduled visit just performed, which is no longer "next"; `visit_id` the visit
      itself, which is not "later" than itself.

    Only the next planned visit's id and day are read, with whether a later visit exists and the
    latest reported hours, in one statement (a course plans a visit a month for a year or more); its
    row only when it moves.
    """
    db.session.flush()  # the statements below go past the session's autoflush
    connection = db.session.connection()
    params = {
        "placement_id": placement.id,
        "done_id": done.id if done is not None else None,
        "visit_id": visit_id,
        "performed_at": performed_at,
        "since": local_date(performed_at),
        "next_date": next_date,
    }
    row = connection.execute(_NEXT_PLANNED, params).first()
    if row is None:  # no planned visit after the visit's day: the rest alone
        row = connection.execute(_LATER_VISIT_AND_HOURS, params).one()
    hours = ReportedHours(row.latest_paid, row.latest_at) if row.latest_paid is not None else None
    if row.later or (row.id is not None and row.on_the_day):
        return PlanApplied(False, hours)
    if row.id is None:
        _add(placement, next_date, source="next_visit")
        return PlanApplied(True, hours)
    if row.due_date == next_date:
        return PlanApplied(False, hours)
    _move(db.session.get(ScheduledVisit, row.id), next_date)
    return PlanApplied(True, hours)


class PlanApplied(NamedTuple):
    """What `apply_next_visit_date` did, and what it read of the course's hours on the way."""

    changed: bool
    latest_hours: ReportedHours | None


def later_visit_exists(placement_id: int, performed_at: datetime, visit_id: int) -> bool:
    """Has the course a visit performed after this one? Then this visit's agreed next date moves
    nothing (`apply_next_visit_date`), and its form says so."""
    params = {"placement_id": placement_id, "performed_at": performed_at, "visit_id": visit_id}
    return bool(db.session.connection().execute(_LATER_VISIT, params).scalar())


_OTHER_PLANNED = aliased(ScheduledVisit)

# Made once (a save asks on every request): a visit of the course performed after this one.
_LATER_VISIT = sa.select(
    sa.exists().where(
        Visit.placement_id == sa.bindparam("placement_id"),
        Visit.performed_at > sa.bindparam("performed_at", type_=Visit.performed_at.type),
        # NULL for a visit not yet stored: `id != NULL` is never true, so the condition is written out.
        sa.or_(
            sa.bindparam("visit_id", type_=sa.Integer).is_(None),
            Visit.id != sa.bindparam("visit_id"),
        ),
    )
)

_PLANNED_ON_THE_DAY = sa.exists().where(
    _OTHER_PLANNED.placement_id == sa.bindparam("placement_id"),
    _OTHER_PLANNED.status == ScheduledVisitStatus.PLANNED,
    _OTHER_PLANNED.due_date == sa.bindparam("next_date", type_=sa.Date),
)


def _latest_reported(*columns: Any) -> sa.Select:
    """Values of the course's latest visit (Visit.chronological) that reported paid hours."""
    return (
        sa.select(*columns)
        .where(Visit.placement_id == sa.bindparam("placement_id"), Visit.paid_hours_per_week.is_not(None))
        .order_by(*(c.desc() for c in Visit.chronological()))
        .limit(1)
    )


_LATEST_REPORTED = (
    _latest_reported(Visit.paid_hours_per_week).scalar_subquery().label("latest_paid"),
    _latest_reported(Visit.performed_at).scalar_subquery().label("latest_at"),
)

# When no planned visit follows the visit's day: whether a later visit exists, and the latest hours.
_LATER_VISIT_AND_HOURS = sa.select(
    sa.null().label("id"), _LATER_VISIT.scalar_subquery().label("later"), *_LATEST_REPORTED
)

_NEXT_PLANNED = (
    sa.select(
        ScheduledVisit.id,
        ScheduledVisit.due_date,
        _LATER_VISIT.scalar_subquery().label("later"),
        _PLANNED_ON_THE_DAY.label("on_the_day"),
        *_LATEST_REPORTED,
    )
    .where(
        ScheduledVisit.placement_id == sa.bindparam("placement_id"),
        ScheduledVisit.status == ScheduledVisitStatus.PLANNED,
        ScheduledVisit.due_date >= sa.bindparam("since", type_=sa.Date),
        sa.or_(
            sa.bindparam("done_id", type_=sa.Integer).is_(None),
            ScheduledVisit.id != sa.bindparam("done_id"),
        ),
    )
    .order_by(ScheduledVisit.due_date, ScheduledVisit.id)
    .limit(1)
)


# --- Progress toward ordinary paid hours ----------------------------------------------------------


def monthly_hours(weekly: Decimal | None) -> Decimal:
    """Weekly hours as hours a month (× 52 / 12), rounded down to one decimal.

    Down, so that the figure shown and the goal agree: it reads 30.0 exactly when the hours reach 30 a
    month (6.93 a week, 30.03), and 29.9 below it (6.92 a week is 29.99, not the goal's "at least 30")."""
    return (Decimal(weekly or 0) * 52 / 12).quantize(Decimal("0.1"), rounding=ROUND_DOWN)


def reaches_goal(weekly: Any) -> Any:
    """Weekly paid hours that make at least 30 a month (× 52 / 12 ≥ 30, in whole numbers: × 52 ≥ 360),
    for a number or a column: the rule `monthly_hours` rounds toward. 6.93 a week does, 6.92 not."""
    return weekly * 52 >= int(GOAL_MONTHLY_PAID_HOURS * 12)


@dataclass
class Progress:
    weekly_paid: Decimal
    monthly_paid: Decimal
    goal_reached: bool
    measured_on: date | None  # the visit the hours come from; None: from the agreement

    @property
    def share_of_goal(self) -> int:
        return min(100, int(self.monthly_paid / GOAL_MONTHLY_PAID_HOURS * 100))


class LookUp:
    """A default that stands for a value the caller has not read: it is looked up (None is a value)."""


def course_progress(placement: Placement, latest: ReportedHours | type[LookUp] | None = LookUp) -> Progress:
    """Ordinary paid hours now: from the latest visit that reported them, else from the agreement.
    `latest`: those hours as the caller read them in its transaction (else they are looked up).

    Wage-subsidy hours are paid but not ordinary, so they never complete a course.
    """
    if latest is LookUp:
        latest = latest_reported_hours(placement)
    weekly = latest.paid_hours_per_week if latest else placement.paid_hours_per_week
    if placement.kind == PlacementKind.WAGE_SUBSIDY:
        weekly = Decimal(0)
    monthly = monthly_hours(weekly)
    return Progress(
        weekly_paid=Decimal(weekly or 0),
        monthly_paid=monthly,
        goal_reached=bool(reaches_goal(Decimal(weekly or 0))),
        measured_on=local_date(latest.performed_at) if latest else None,
    )


class ReportedHours(NamedTuple):
    """What a visit reported of ordinary paid hours, and when it took place."""

    paid_hours_per_week: Decimal
    performed_at: datetime


def latest_reported_hours(placement: Placement) -> ReportedHours | None:
    """The hours of the course's latest visit (in Visit.chronological order) that reported them: from the
    visits in memory where they are loaded (a page showing them all), else the two values from the
    database, one step into the course's visits in that order (a course has hundreds of visits in a
    year; a save needs only this one)."""
    if "visits" in sa.inspect(placement).dict:
        reported = [v for v in placement.visits if v.paid_hours_per_week is not None]
        latest = max(reported, key=Visit.sort_key, default=None)
        return ReportedHours(latest.paid_hours_per_week, latest.performed_at) if latest else None
    db.session.flush()  # the statement below goes past the session's autoflush
    row = db.session.connection().execute(_LATEST_HOURS, {"placement_id": placement.id}).first()
    return ReportedHours(*row) if row else None


# Made once (a save asks on every request), run on the session's connection: two plain values.
_LATEST_HOURS = _latest_reported(Visit.paid_hours_per_week, Visit.performed_at)


def update_course_status(
    placement: Placement,
    user: User,
    today: date,
    commit: bool = True,
    latest: ReportedHours | type[LookUp] | None = LookUp,
) -> bool:
    """Complete an open course when the reported paid hours reach the goal; reopen a course the goal
    completed when a correction leaves no visit reporting the goal. Returns True if the status changed.

    The planned visits stay: efterværn follow-up goes on through the first year of employment.
    `commit=False`: in the caller's transaction (a visit's save). `latest`: as for course_progress.
    """
    if placement.is_open:
        if not course_progress(placement, latest).goal_reached:
            return False
        placement.status = PlacementStatus.COMPLETED
        placement.citizen.status = CitizenStatus.COMPLETED
        placement.ended_reason = placement.ended_reason or "goal_reached"
    elif placement.status == PlacementStatus.COMPLETED and placement.ended_reason == "goal_reached":
        # Completed by a visit's hours: a later visit with fewer hours leaves the milestone reached, but
        # a correction of the hours that reached it (the visit edited, or an addendum) takes it back.
        if course_progress(placement, latest).goal_reached or _some_visit_reports_the_goal(placement):
            return False
        placement.status = PlacementStatus.ACTIVE
        if placement.citizen.status == CitizenStatus.COMPLETED:
            placement.citizen.status = CitizenStatus.IN_COURSE
        placement.ended_reason = None
    else:
        return False
    _log(AuditAction.UPDATE, placement, user)
    if commit:
        db.session.commit()
    return True


def _some_visit_reports_the_goal(placement: Placement) -> bool:
    """Does a visit of the course (not a draft) report the goal's hours, as last corrected: its latest
    addendum that reported hours, else its own?"""
    correction = aliased(Visit)
    corrected = (
        sa.select(correction.paid_hours_per_week)
        .where(correction.addendum_of_id == Visit.id, correction.paid_hours_per_week.is_not(None))
        .order_by(*(column.desc() for column in correction.chronological()))
        .limit(1)
        .scalar_subquery()
    )
    hours = sa.func.coalesce(corrected, Visit.paid_hours_per_week)
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    Visit.placement_id == placement.id,
                    Visit.addendum_of_id.is_(None),
                    Visit.state != VisitState.DRAFT,
                    reaches_goal(hours),
                )
            )
        )
    )


# --- Reading courses ------------------------------------------------------------------------------


def get_placement(
    user: User,
    placement_id: int,
    purpose: str = "placement",
    write: bool = False,
    log: bool = True,
    keep_loaded: bool = False,
    commit: bool = True,
) -> Placement:
    """A course of a citizen the user may see (the read is logged), else 404.

    Only the citizen's own jobformidler changes a course (`write`); a supervisor reads (403). `log=False`
    only for an answer that shows none of the citizen's data (a status polled by a page whose own read
    was logged). `keep_loaded`: the log's commit leaves the session's rows loaded, for a request that
    goes on to write with them (a visit's save) rather than read them all again. `commit=False`: the
    log is left in the present transaction, for a caller that commits it with its own change (and on
    every answer that changes nothing).
    """
    placement = db.session.scalar(
        _visible_placement(user.role, user.team_id is not None),
        {"placement_id": placement_id, "viewer_id": user.id, "team_id": user.team_id},
    )
    if placement is None:
        abort(404)
    if write and placement.citizen.jobformidler_id != user.id:
        abort(403)
    if log:
        _log(AuditAction.READ, placement, user, purpose)
        if not commit:
            return placement
        if keep_loaded:
            commit_keeping_loaded()
        else:
            db.session.commit()
    return placement


@functools.cache
def _visible_placement(role: Role, in_team: bool) -> sa.Select:
    """The course by its id, with its citizen, if a viewer of this role may see it (`visibility`): one
    statement for every viewer of the role, made once (a save reads it on every request)."""
    rule = visibility(role, in_team, sa.bindparam("viewer_id"), sa.bindparam("team_id"))
    return (
        sa.select(Placement)
        .join(Placement.citizen)
        # The citizen is joined anyway: keep it, rather than load it again for the owner check.
        .options(sa.orm.contains_eager(Placement.citizen))
        .where(Placement.id == sa.bindparam("placement_id"), rule)
    )


def use_loaded_placement(user: User, placement: Placement, purpose: str, write: bool = False) -> None:
    """`get_placement`'s rules for a course already loaded with its citizen (404 outside what the user may
    see, 403 for a write by anyone but the citizen's own jobformidler), and the read logged. The log is
    committed with the rows left loaded: the caller answers from them and the request ends."""
    if not may_see(user, placement.citizen):
        abort(404)
    if write and placement.citizen.jobformidler_id != user.id:
        abort(403)
    _log(AuditAction.READ, placement, user, purpose)
    commit_keeping_loaded()


def use_own_course(
    user: User, placement_id: int, citizen_id: int, jobformidler_id: int | None, purpose: str
) -> None:
    """`use_loaded_placement`'s rules for a write, from the course's ids as a request read them with its
    own row (a replayed visit): for the jobformidler-only endpoints that use it, seeing the course and
    writing to it both mean that the citizen is the user's own, so anything else is 404. The read is
    logged and committed."""
    if user.role != Role.JOBFORMIDLER or jobformidler_id != user.id:
        abort(404)
    _log_course(AuditAction.READ, placement_id, citizen_id, user, purpose)
    commit_keeping_loaded()


def get_scheduled_visit(user: User, scheduled_visit_id: int) -> ScheduledVisit:
    """A planned visit the user may change (their own citizen's), else 404/403."""
    sv = db.session.get(ScheduledVisit, scheduled_visit_id)
    if sv is None:
        abort(404)
    get_placement(user, sv.placement_id, write=True)
    return sv


def workplace_options() -> list[SelectChoice]:
    """Every workplace as "workplace, city", grouped by company, for the course form."""
    rows = db.session.execute(
        sa.select(Workplace.id, Company.name, Workplace.name, Workplace.city)
        .join(Workplace.company)
        .order_by(Company.name, Workplace.name)
    ).all()
    return [SelectChoice(wid, f"{name}, {city}", optgroup=company) for wid, company, name, city in rows]


def contact_options(workplace_id: int | None) -> list[SelectChoice]:
    """The contact persons of the workplace's company, those of the workplace itself first."""
    workplace = db.session.get(Workplace, workplace_id) if workplace_id else None
    if workplace is None:
        return []
    contacts = db.session.scalars(
        sa.select(ContactPerson).where(ContactPerson.company_id == workplace.company_id)
    ).all()
    contacts.sort(
        key=lambda c: (c.workplace_id not in (None, workplace.id), c.workplace_id != workplace.id, c.name)
    )
    return [SelectChoice(c.id, f"{c.name}, {c.title}" if c.title else c.name) for c in contacts]
