"""Whose citizens a user may see, and the caseload views' queries."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.core import cpr
from app.core.timeutil import local_date
from app.extensions import db
from app.models import (
    FOLLOWED_UP,
    AuditAction,
    Citizen,
    CitizenStatus,
    Company,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    ScheduledVisit,
    ScheduledVisitStatus,
    User,
    Visit,
    Workplace,
)


def visible_citizens(user: User) -> sa.Select:
    """The citizens `user` may see: a jobformidler their own caseload, a supervisor their team's."""
    return sa.select(Citizen).where(visibility(user.role, user.team_id is not None, user.id, user.team_id))


def visibility(role: Role, in_team: bool, viewer_id: Any, team_id: Any) -> sa.ColumnElement[bool]:
    """The rule of `visible_citizens` as a condition on Citizen, for a viewer of this role (`in_team`:
    whether they belong to a team); `viewer_id` and `team_id` are values, or bind parameters for a
    statement made once for every viewer of the role."""
    if role == Role.JOBFORMIDLER:
        return Citizen.jobformidler_id == viewer_id
    if role == Role.SUPERVISOR and in_team:
        return Citizen.jobformidler_id.in_(sa.select(User.id).where(User.team_id == team_id))
    return sa.false()  # administrators manage the system, not citizens


def may_see(user: User, citizen: Citizen) -> bool:
    """What `visible_citizens` says of one citizen already loaded."""
    if user.role == Role.JOBFORMIDLER:
        return citizen.jobformidler_id == user.id
    if user.role == Role.SUPERVISOR and user.team_id is not None:
        return citizen.jobformidler is not None and citizen.jobformidler.team_id == user.team_id
    return False


def get_citizen(user: User, citizen_id: int, purpose: str) -> Citizen:
    """The citizen if `user` may see them (the read is logged under `purpose`); otherwise aborts with 404."""
    citizen = db.session.scalar(
        visible_citizens(user)
        .where(Citizen.id == citizen_id)
        .options(selectinload(Citizen.placements).selectinload(Placement.visits))
    )
    if citizen is None:
        abort(404)
    audit.record(AuditAction.READ, purpose, citizen_ids=[citizen.id], object_id=citizen.id)
    db.session.commit()
    return citizen


class CaseloadRow(NamedTuple):
    citizen: Citizen | CitizenView
    placement: Placement | CourseView | None
    next_visit: date | None
    last_visit: date | None


def caseload(
    user: User,
    search: str = "",
    jobformidler_id: int | None = None,
    status: CitizenStatus | None = None,
    log: bool = True,
) -> list[CaseloadRow]:
    """The citizens the user may see with their current course and visit dates; the read is logged
    (unless `log` is false: the caller logs the page it renders them in, after rendering)."""
    query = visible_citizens(user).order_by(Citizen.first_name, Citizen.last_name)
    if jobformidler_id is not None:
        query = query.where(Citizen.jobformidler_id == jobformidler_id)
    if status is not None:
        query = query.where(Citizen.status == status)
    term = search.strip()
    if term:
        like = f"%{term.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(Citizen.first_name + " " + Citizen.last_name).like(like),
                sa.func.lower(Citizen.case_ref).like(like),
            )
        )
    citizens = db.session.scalars(query.options(WITH_COURSES)).all()
    ids = [c.id for c in citizens]
    next_visits = dict(
        db.session.execute(
            sa.select(Placement.citizen_id, sa.func.min(ScheduledVisit.due_date))
            .join(ScheduledVisit.placement)
            .where(Placement.citizen_id.in_(ids), ScheduledVisit.status == ScheduledVisitStatus.PLANNED)
            .group_by(Placement.citizen_id)
        ).all()
    )
    rows = _rows(citizens, {c.id: c.placements for c in citizens}, next_visits, _last_visits(ids))
    if log:
        audit.record(
            AuditAction.SEARCH if term else AuditAction.READ,
            "caseload",
            citizen_ids=ids or [None],
            object_type="caseload",
            search_term=term or None,
        )
        db.session.commit()
    return rows


# Each caseload row names its course's company: the courses with their workplaces and companies, in one
# statement for all the citizens, not one set per citizen.
WITH_COURSES = selectinload(Citizen.placements).joinedload(Placement.workplace).joinedload(Workplace.company)


def _rows(
    citizens: Iterable[Citizen] | Iterable[CitizenView],
    courses_of: Mapping[int, Sequence[Placement]] | Mapping[int, Sequence[CourseView]],
    next_visits: dict[int, date],
    last_visits: dict[int, date | None],
) -> list[CaseloadRow]:
    """A caseload row per citizen, from mapped objects (the citizens and team pages) or from the home
    page's plain values alike."""
    return [
        CaseloadRow(
            citizen=c,
            placement=_current(courses_of[c.id]),
            next_visit=next_visits.get(c.id),
            last_visit=last_visits.get(c.id),
        )
        for c in citizens
    ]


def current_placement(citizen: Citizen) -> Placement | None:
    """The open course if there is one, else the latest."""
    return _current(citizen.placements)


def _current(placements: Sequence[Placement] | Sequence[CourseView]) -> Placement | CourseView | None:
    """Of a citizen's courses, newest first: the open one if there is one, else the latest."""
    open_ = [p for p in placements if p.status in (PlacementStatus.PLANNED, PlacementStatus.ACTIVE)]
    candidates = open_ or placements
    return max(candidates, key=lambda p: p.start_date) if candidates else None


def caseload_counts(user_ids: list[int]) -> dict[int, int]:
    """How many active citizens each jobformidler has (inactive ones are off the caseload)."""
    return dict(
        db.session.execute(
            sa.select(Citizen.jobformidler_id, sa.func.count())
            .where(Citizen.jobformidler_id.in_(user_ids), Citizen.status != CitizenStatus.INACTIVE)
            .group_by(Citizen.jobformidler_id)
        ).all()
    )


class AgendaItem(NamedTuple):
    visit: PlannedVisitView
    citizen: CitizenView
    placement: CourseView
    last_visit: date | None


class Agenda(NamedTuple):
    today: tuple[AgendaItem, ...]
    overdue: tuple[AgendaItem, ...]
    upcoming: tuple[AgendaItem, ...]  # the next 7 days after today

    @property
    def citizen_ids(self) -> list[int]:
        return sorted({i.citizen.id for i in self.today + self.overdue + self.upcoming})


# --- The home page's rows: plain values read in two statements, not ORM objects --------------------
# The page is the one a jobformidler opens most; loading it as rows of values, not as mapped objects with
# their identity map and relationships, halves its cost. The values are named tuples (immutable, hashed
# and compared in C), so that a rendering of them can be kept and used again while they are equal (see
# app.core.memo).


class CitizenView(NamedTuple):
    id: int
    first_name: str
    last_name: str
    status: CitizenStatus

    full_name = Citizen.full_name


class CompanyView(NamedTuple):
    name: str


class WorkplaceView(NamedTuple):
    address: str
    postcode: str
    city: str
    company: CompanyView

    full_address = Workplace.full_address


class CourseView(NamedTuple):
    id: int
    citizen_id: int
    kind: PlacementKind
    status: PlacementStatus
    start_date: date
    workplace: WorkplaceView


class PlannedVisitView(NamedTuple):
    id: int
    placement_id: int
    due_date: date
    label: str | None


class Day(NamedTuple):
    """The jobformidler's home page: the caseload's rows, the agenda and the followed-up courses with
    their next planned visits (what "Forbered dagen" keeps for the field)."""

    rows: tuple[CaseloadRow, ...]
    agenda: Agenda
    courses: tuple[tuple[CourseView, PlannedVisitView | None], ...]


_OWN_COURSES = (
    sa.select(Placement.id)
    .join(Citizen, Placement.citizen_id == Citizen.id)
    .where(Citizen.jobformidler_id == sa.bindparam("user_id"))
)
# A course's last visit: one step into the visits' (placement_id, performed_at) index.
_LAST_VISIT = (
    sa.select(sa.func.max(Visit.performed_at))
    .where(Visit.placement_id == Placement.id)
    .correlate(Placement)
    .scalar_subquery()
)
# Each citizen of the user with each of their courses (none: one row of NULLs), its workplace and company
# and its last visit; placements newest first, as Citizen.placements orders them.
_CITIZENS_AND_COURSES = (
    sa.select(
        Citizen.id,
        Citizen.first_name,
        Citizen.last_name,
        Citizen.status,
        Placement.id,
        Placement.kind,
        Placement.status,
        Placement.start_date,
        _LAST_VISIT,
        Workplace.address,
        Workplace.postcode,
        Workplace.city,
        Company.name,
    )
    .outerjoin(Placement, Placement.citizen_id == Citizen.id)
    .outerjoin(Workplace, Placement.workplace_id == Workplace.id)
    .outerjoin(Company, Workplace.company_id == Company.id)
    .where(Citizen.jobformidler_id == sa.bindparam("user_id"))
    .order_by(Citizen.first_name, Citizen.last_name, Citizen.id, Placement.start_date.desc(), Placement.id)
)
_RANK = (
    sa.func.row_number()
    .over(partition_by=ScheduledVisit.placement_id, order_by=(ScheduledVisit.due_date, ScheduledVisit.id))
    .label("rank")
)
_RANKED = (
    sa.select(ScheduledVisit.id, _RANK)
    .where(
        ScheduledVisit.placement_id.in_(_OWN_COURSES), ScheduledVisit.status == ScheduledVisitStatus.PLANNED
    )
    .subquery()
)
# The courses' planned visits that are each course's next one or due by the horizon, in due order.
_PLANNED_THAT_MATTER = (
    sa.select(ScheduledVisit.id, ScheduledVisit.placement_id, ScheduledVisit.due_date, ScheduledVisit.label)
    .join(_RANKED, _RANKED.c.id == ScheduledVisit.id)
    .where(sa.or_(_RANKED.c.rank == 1, ScheduledVisit.due_date <= sa.bindparam("horizon")))
    .order_by(ScheduledVisit.due_date, ScheduledVisit.id)
)


def day(user: User, today: date, days_ahead: int = 7) -> Day:
    """The user's own caseload as the home page shows it, in two statements whatever its size: the
    citizens with their courses, workplaces, companies and last visits; and the planned visits that
    matter (each course's next one, and every one due by `days_ahead` days from today). Not logged: the
    caller logs the page it renders them in."""
    citizens: dict[int, CitizenView] = {}
    courses_of: dict[int, list[CourseView]] = {}
    last: dict[int, date | None] = {}
    placements: dict[int, CourseView] = {}
    for row in db.session.execute(_CITIZENS_AND_COURSES, {"user_id": user.id}):
        (citizen_id, first, family, status, course_id, kind, course_status, start, last_at, *where) = row
        if citizen_id not in citizens:
            citizens[citizen_id] = CitizenView(citizen_id, first, family, status)
            courses_of[citizen_id] = []
            last[citizen_id] = None
        visited = local_date(last_at)
        if visited is not None and (last[citizen_id] is None or visited > last[citizen_id]):
            last[citizen_id] = visited
        if course_id is not None:
            address, postcode, city, company = where
            course = CourseView(
                course_id,
                citizen_id,
                kind,
                course_status,
                start,
                WorkplaceView(address, postcode, city, CompanyView(company)),
            )
            courses_of[citizen_id].append(course)
            placements[course_id] = course
    horizon = today + timedelta(days=days_ahead)
    planned = [
        PlannedVisitView(*row)
        for row in db.session.execute(_PLANNED_THAT_MATTER, {"user_id": user.id, "horizon": horizon})
    ]
    next_of_course: dict[int, PlannedVisitView] = {}
    for sv in planned:  # in due order
        next_of_course.setdefault(sv.placement_id, sv)
    next_visits: dict[int, date] = {}
    for sv in next_of_course.values():
        citizen_id = placements[sv.placement_id].citizen_id
        if citizen_id not in next_visits or sv.due_date < next_visits[citizen_id]:
            next_visits[citizen_id] = sv.due_date
    followed = {pid: p for pid, p in placements.items() if p.status in FOLLOWED_UP}
    due = [sv for sv in planned if sv.due_date <= horizon and sv.placement_id in followed]
    due.sort(key=lambda sv: (sv.due_date, citizens[followed[sv.placement_id].citizen_id].first_name))
    items = []
    for sv in due:
        placement = followed[sv.placement_id]
        items.append(AgendaItem(sv, citizens[placement.citizen_id], placement, last[placement.citizen_id]))
    agenda = Agenda(
        today=tuple(i for i in items if i.visit.due_date == today),
        overdue=tuple(i for i in items if i.visit.due_date < today),
        upcoming=tuple(i for i in items if i.visit.due_date > today),
    )
    courses = [(p, next_of_course.get(p.id)) for _, p in sorted(followed.items())]
    courses.sort(key=lambda c: (c[1] is None, c[1].due_date if c[1] else date.max, c[0].id))  # soonest first
    rows = tuple(_rows(citizens.values(), courses_of, next_visits, last))
    return Day(rows, agenda, tuple(courses))


def _last_visits(citizen_ids: list[int]) -> dict[int, date | None]:
    """The day of each citizen's latest visit."""
    if not citizen_ids:
        return {}
    rows = db.session.execute(
        sa.select(Placement.citizen_id, sa.func.max(Visit.performed_at))
        .join(Visit.placement)
        .where(Placement.citizen_id.in_(citizen_ids))
        .group_by(Placement.citizen_id)
    ).all()
    return {citizen_id: local_date(at) for citizen_id, at in rows}


class DuplicateCaseRef(ValueError):
    """Another citizen already has this case reference."""


def create_citizen(user: User, data: dict) -> Citizen:
    """Add a citizen to the jobformidler's own caseload (logged as a create)."""
    case_ref = data["case_ref"].strip().upper()
    if db.session.scalar(sa.select(Citizen.id).where(sa.func.upper(Citizen.case_ref) == case_ref)):
        raise DuplicateCaseRef(case_ref)
    citizen = Citizen(
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        case_ref=case_ref,
        phone=(data.get("phone") or "").strip() or None,
        email=(data.get("email") or "").strip().lower() or None,
        job_wish=(data.get("job_wish") or "").strip() or None,
        jobformidler=user,
        status=CitizenStatus.MATCHING,
    )
    db.session.add(citizen)
    db.session.flush()
    audit.record(
        AuditAction.CREATE, "citizen_page", citizen_ids=[citizen.id], object_id=citizen.id, user=user
    )
    if data.get("cpr"):
        set_cpr(user, citizen, data["cpr"], commit=False)
    db.session.commit()
    return citizen


def set_cpr(user: User, citizen: Citizen, number: str, *, commit: bool = True) -> None:
    """Store the citizen's CPR number (ten valid digits, see app.core.cpr) encrypted, for Digital Post;
    logged as a change. The number is not kept anywhere else and not shown again."""
    if not cpr.is_valid(number):
        raise ValueError("not a valid CPR number")
    action = AuditAction.UPDATE if citizen.has_cpr else AuditAction.CREATE
    citizen.cpr_encrypted = cpr.encrypt(number)
    audit.record(
        action, "digital_post", citizen_ids=[citizen.id], object_type="cpr", object_id=citizen.id, user=user
    )
    if commit:
        db.session.commit()


def remove_cpr(user: User, citizen: Citizen) -> None:
    """Delete the citizen's CPR number (logged); Digital Post to the citizen is then not possible."""
    if not citizen.has_cpr:
        return
    citizen.cpr_encrypted = None
    audit.record(
        AuditAction.DELETE,
        "digital_post",
        citizen_ids=[citizen.id],
        object_type="cpr",
        object_id=citizen.id,
        user=user,
    )
    db.session.commit()
