"""The programme's indicators ("What supervisors watch", DOMAIN.md): shares with numerator, denominator and
target, counted in SQL so the dashboard stays fast on a whole municipality.

Conventions shared by every indicator:

- The period is `period_start`..`period_end`, both days included, in Danish local days. It is cut at
  `today`: the *reference day* is `min(period_end, today)`, so the current month is measured up to today and
  a period wholly in the future has no data (every denominator 0).
- "Stock" indicators (who is in a course, who was visited lately) are measured on the reference day; "flow"
  indicators (courses started or ended, visits made) count what happened within the period.
- `scope` is a set of jobformidler user ids (a team) or None (everyone); it always restricts by the
  citizen's current jobformidler, visits and courses included (see `scope.py`).
- A visit counts when it is not a draft and not an addendum (`queries.counted_visit`).
- A course is "in follow-up" on a day between its start and end dates if it is still followed up or has
  since ended after that day (`queries.followed_up_between`).

Each definition is written once, as a denominator condition and a numerator condition on one row type
(citizen, course or visit), against the columns of a *period table* (one row per period measured). The
counts, the monthly trend (twelve rows, still one query per row type) and the drill-down
(`indicator_citizens`) all use the same conditions.

The four indicators of contacts between visits, feedback and team meetings (the 24-hour answer, weekly
contact before the start, feedback on visits, hours shared at team meetings) follow the same conventions and
are defined in app/contacts/indicators.py; the dashboard shows them after these.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import Citizen, CitizenStatus, Placement, PlacementKind, PlacementStatus, Visit
from app.models.base import UTCDateTime
from app.placements.schedule import add_months
from app.supervision.queries import (
    counted_visit,
    day_start,
    followed_up_between,
    goal_reached_at,
    last_instant,
    latest_paid_hours,
    without_jit,
)
from app.supervision.scope import Scope, in_scope

Part = Literal["numerator", "denominator", "missing"]

# Monthly on-site contact is required in the first year of a course (DOMAIN.md, step 3).
FIRST_YEAR_MONTHS = 12
# "At least monthly": an on-site visit within this many days up to the reference day (the longest month).
ON_SITE_WINDOW_DAYS = 31
ENDED = (PlacementStatus.COMPLETED, PlacementStatus.BROKEN_OFF, PlacementStatus.REHABILITATION)


@dataclass(frozen=True)
class Indicator:
    """One indicator: `numerator` of `denominator` against `target` (None: no programme target)."""

    key: str
    numerator: int
    denominator: int
    target: Decimal | None

    @property
    def share(self) -> Decimal | None:
        """The share as an exact Decimal; None when there is nothing to measure (no data, not 0 %)."""
        if self.denominator == 0:
            return None
        return Decimal(self.numerator) / Decimal(self.denominator)

    @property
    def percent(self) -> int | None:
        """The share in whole per cent, rounded half up, for display."""
        share = self.share
        return None if share is None else int((share * 100).to_integral_value(ROUND_HALF_UP))

    @property
    def meets_target(self) -> bool | None:
        """True/False against the target; None without a target or without data."""
        share = self.share
        if share is None or self.target is None:
            return None
        return share >= self.target

    @property
    def label(self) -> str:
        return str(LABELS[self.key])


LABELS = {
    "agreement_before_start": _l("Written agreement before the start"),
    "monthly_on_site": _l("Monthly on-site follow-up by the job broker"),
    "hours_discussed": _l("Follow-ups where ordinary hours were discussed"),
    "fixed_contact": _l("Fixed contact person at the company"),
    "in_company_course": _l("Citizens in a company course"),
    "with_paid_hours": _l("Citizens in a company course with ordinary paid hours"),
    "completed_30_hours": _l("Ended courses completed with 30 paid hours a month"),
}


# --- The period ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The period as measured: `start`..`end` (both included), where `end` is the reference day."""

    start: date
    end: date

    @classmethod
    def of(cls, period_start: date, period_end: date, today: date) -> Window | None:
        """The period cut at today; None when none of it has happened yet."""
        end = min(period_end, today)
        return None if period_start > end else cls(period_start, end)

    def columns(self, idx: int) -> list[sa.ColumnElement]:
        """The period's row in the period table: its days, instants and the reference day's cut-offs,
        worked out here so the SQL needs no date arithmetic (which the two databases do differently)."""
        return [
            sa.literal(idx, sa.Integer()).label("idx"),
            sa.literal(self.start, sa.Date()).label("first_day"),
            sa.literal(self.end, sa.Date()).label("last_day"),
            sa.literal(day_start(self.start), UTCDateTime()).label("first_at"),
            sa.literal(last_instant(self.end), UTCDateTime()).label("last_at"),
            # A course started on or before this day has run at least a month on the reference day…
            sa.literal(add_months(self.end, -1), sa.Date()).label("month_run_from"),
            # …and one started after this day is still in its first year.
            sa.literal(add_months(self.end, -FIRST_YEAR_MONTHS), sa.Date()).label("first_year_after"),
            # The first instant of the on-site window, the 31 days up to the reference day.
            sa.literal(day_start(self.end - timedelta(days=ON_SITE_WINDOW_DAYS - 1)), UTCDateTime()).label(
                "on_site_from"
            ),
        ]


def _period_table(windows: Sequence[Window]) -> sa.Subquery:
    """The periods as a table, one row each (UNION ALL: SQLite cannot name the columns of VALUES)."""
    rows = [sa.select(*w.columns(idx)) for idx, w in enumerate(windows)]
    return (rows[0] if len(rows) == 1 else sa.union_all(*rows)).subquery("period")


# --- The definitions -------------------------------------------------------------------------------


class Level(enum.Enum):
    """What one row of an indicator is: a citizen, a course or a visit."""

    CITIZEN = "citizen"
    PLACEMENT = "placement"
    VISIT = "visit"


# Made once: building a statement from a fresh alias re-adapts every column it touches (queries.py).
_OWNER = aliased(Citizen, name="owner")
_SEEN_VISIT = aliased(Visit, name="seen_visit")
_SEEN_COURSE = aliased(Placement, name="seen_course")
_SEEN_CITIZEN = aliased(Citizen, name="seen_citizen")


@dataclass(frozen=True)
class CitizenFacts:
    """What the citizen indicators need from courses and visits, aggregated once per query (one pass over
    the periods' courses, one over their visits) and joined to the citizens by period, instead of a
    subquery per citizen and indicator.

    `courses`: per period, one row per citizen with a course in follow-up on some day of it, with 0/1 flags.
    `seen`: per period, the citizens with a counted on-site visit by their own jobformidler in its window.
    """

    courses: sa.Subquery
    seen: sa.Subquery

    @classmethod
    def of(cls, period: sa.Subquery, scope: Scope) -> CitizenFacts:
        p, w = Placement, period.c
        on_reference_day = followed_up_between(p, w.last_day, w.last_day)
        courses = (
            sa.select(
                w.idx,
                p.citizen_id,
                _any(
                    on_reference_day, p.start_date <= w.month_run_from, p.start_date > w.first_year_after
                ).label("on_site_due"),
                _any(p.contact_person_id.is_(None)).label("lacks_contact"),
                _any(on_reference_day).label("in_course"),
                _any(
                    on_reference_day,
                    p.kind != PlacementKind.WAGE_SUBSIDY,
                    latest_paid_hours(p, w.last_at) > 0,
                ).label("paid"),
            )
            .select_from(p)
            .join(_OWNER, p.citizen_id == _OWNER.id)
            .join(period, followed_up_between(p, w.first_day, w.last_day))
            .where(in_scope(scope, _OWNER))
            .group_by(w.idx, p.citizen_id)
            .subquery("courses")
        )
        visit, course, citizen = _SEEN_VISIT, _SEEN_COURSE, _SEEN_CITIZEN
        seen = (
            sa.select(w.idx, course.citizen_id)
            .select_from(visit)
            .join(course, visit.placement_id == course.id)
            .join(citizen, course.citizen_id == citizen.id)
            .join(period, visit.performed_at.between(w.on_site_from, w.last_at))
            .where(
                counted_visit(visit),
                visit.on_site.is_(True),
                visit.performed_by_id == citizen.jobformidler_id,
                in_scope(scope, citizen),
            )
            .distinct()
            .subquery("seen")
        )
        return cls(courses, seen)

    def flag(self, name: str) -> sa.ColumnElement[bool]:
        """A course flag, false (never NULL) for a citizen without courses in the period."""
        return sa.func.coalesce(self.courses.c[name], 0) == 1


def _any(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """1 if any of the citizen's courses meets all the conditions, else 0 (portable, unlike bool_or)."""
    return sa.func.max(sa.case((sa.and_(*conditions), 1), else_=0))


Columns = sa.sql.base.ReadOnlyColumnCollection
Condition = Callable[[Columns, CitizenFacts | None], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Definition:
    key: str
    level: Level
    target: Decimal | None
    denominator: Condition
    numerator: Condition  # only ever read together with the denominator


def _facts(facts: CitizenFacts | None) -> CitizenFacts:
    if facts is None:
        raise ValueError("a citizen indicator needs the citizens' facts")
    return facts


def _agreement_denominator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """Courses (of any kind) that started within the period."""
    return Placement.start_date.between(w.first_day, w.last_day)


def _agreement_numerator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…whose written agreement is dated on or before the start date (`has_agreement_before_start`)."""
    return sa.and_(Placement.agreement_date.is_not(None), Placement.agreement_date <= Placement.start_date)


def _on_site_denominator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """Citizens with a course in follow-up on the reference day that has run at least a month by then and
    is still in its first year: started between 12 months (excluded) and 1 month (included) before."""
    return _facts(facts).flag("on_site_due")


def _on_site_numerator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…who had a counted on-site visit by their own jobformidler (the visit's `performed_by_id` is the
    citizen's `jobformidler_id`) on one of their courses within the 31 days up to the reference day."""
    return _facts(facts).seen.c.citizen_id.is_not(None)


def _discussed_denominator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """Counted visits (on site or not) performed within the period."""
    return sa.and_(counted_visit(Visit), Visit.performed_at.between(w.first_at, w.last_at))


def _discussed_numerator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…in which ordinary paid hours were discussed (`Visit.hours_discussed`)."""
    return Visit.hours_discussed.is_(True)


def _contact_denominator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """Citizens with a course in follow-up on at least one day of the period."""
    return _facts(facts).courses.c.citizen_id.is_not(None)


def _contact_numerator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…all of whose courses in follow-up in the period name a contact person at the company."""
    return sa.not_(_facts(facts).flag("lacks_contact"))


def _caseload_denominator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """Citizens on the caseload on the reference day: not inactive (their current status) and registered
    by the end of it."""
    return sa.and_(Citizen.status != CitizenStatus.INACTIVE, Citizen.created_at <= w.last_at)


def _in_course_numerator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…with a course (of any kind) in follow-up on the reference day. A course that has not started yet
    does not count."""
    return _facts(facts).flag("in_course")


def _paid_denominator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """The numerator of `in_company_course`: caseload citizens in a course on the reference day."""
    return sa.and_(_caseload_denominator(w, facts), _in_course_numerator(w, facts))


def _paid_numerator(w: Columns, facts: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…of whom a course in follow-up on the reference day, not a wage-subsidy course (subsidised hours are
    not ordinary), has latest paid hours above 0: the latest counted visit up to the reference day that
    reported paid hours, else the agreement's figure."""
    return _facts(facts).flag("paid")


def _ended_denominator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """Courses that ended within the period: completed, broken off or handed to rehabilitation, by their
    end date. A course completed by reaching the goal keeps no end date (efterværn goes on); it counts as
    ended on the day of the visit that reported ≥ 30 paid hours a month first (`goal_reached_at`)."""
    return sa.or_(
        sa.and_(Placement.status.in_(ENDED), Placement.end_date.between(w.first_day, w.last_day)),
        sa.and_(
            Placement.status == PlacementStatus.COMPLETED,
            Placement.end_date.is_(None),
            goal_reached_at(Placement).between(w.first_at, w.last_at),
        ),
    )


def _ended_numerator(w: Columns, _: CitizenFacts | None) -> sa.ColumnElement[bool]:
    """…that were completed: at least 30 ordinary paid hours a month, or self-supporting."""
    return Placement.status == PlacementStatus.COMPLETED


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            "agreement_before_start",
            Level.PLACEMENT,
            Decimal("0.9"),
            _agreement_denominator,
            _agreement_numerator,
        ),
        Definition(
            "monthly_on_site", Level.CITIZEN, Decimal("0.7"), _on_site_denominator, _on_site_numerator
        ),
        Definition(
            "hours_discussed", Level.VISIT, Decimal("0.9"), _discussed_denominator, _discussed_numerator
        ),
        Definition("fixed_contact", Level.CITIZEN, Decimal("0.7"), _contact_denominator, _contact_numerator),
        Definition(
            "in_company_course", Level.CITIZEN, Decimal("0.4"), _caseload_denominator, _in_course_numerator
        ),
        # Herning reached "just under 40 %" with pay: a result to compare with, not a programme target.
        Definition("with_paid_hours", Level.CITIZEN, None, _paid_denominator, _paid_numerator),
        Definition("completed_30_hours", Level.PLACEMENT, None, _ended_denominator, _ended_numerator),
    )
}
KEYS: tuple[str, ...] = tuple(DEFINITIONS)


# --- Counting --------------------------------------------------------------------------------------


def _rows(level: Level, period: sa.Subquery, scope: Scope) -> tuple[sa.Select, CitizenFacts | None]:
    """The rows an indicator of `level` counts, once per period, joined to their citizen for the scope
    (and, for citizens, to their facts)."""
    w = period.c
    if level is Level.CITIZEN:
        facts = CitizenFacts.of(period, scope)
        courses, seen = facts.courses, facts.seen
        rows = (
            sa.select()
            .select_from(Citizen)
            .join(period, sa.true())
            .outerjoin(courses, sa.and_(courses.c.citizen_id == Citizen.id, courses.c.idx == w.idx))
            .outerjoin(seen, sa.and_(seen.c.citizen_id == Citizen.id, seen.c.idx == w.idx))
        )
        return rows, facts
    rows = sa.select()
    if level is Level.VISIT:
        rows = (
            rows.select_from(Visit)
            .join(Placement, Visit.placement_id == Placement.id)
            .join(period, Visit.performed_at.between(w.first_at, w.last_at))
        )
    else:
        rows = rows.select_from(Placement).join(period, sa.true())
    return rows.join(Citizen, Placement.citizen_id == Citizen.id), None


Counts = dict[str, tuple[int, int]]


def _count(
    level: Level, chosen: Sequence[Definition], windows: Sequence[Window], scope: Scope
) -> list[Counts]:
    """One query for all chosen indicators of a level and all periods: (numerator, denominator) per key,
    per period."""
    period = _period_table(windows)
    rows, facts = _rows(level, period, scope)
    columns, denominators = [], []
    for d in chosen:
        denominator = d.denominator(period.c, facts)
        denominators.append(denominator)
        columns.append(sa.func.count(sa.case((sa.and_(denominator, d.numerator(period.c, facts)), 1))))
        columns.append(sa.func.count(sa.case((denominator, 1))))
    # The OR of the denominators changes no count; it lets the database skip rows (and use its indexes).
    query = (
        rows.add_columns(period.c.idx, *columns)
        .where(in_scope(scope), sa.or_(*denominators))
        .group_by(period.c.idx)
    )
    counts: list[Counts] = [{d.key: (0, 0) for d in chosen} for _ in windows]
    for idx, *values in db.session.execute(query):
        counts[idx] = {d.key: (values[2 * i], values[2 * i + 1]) for i, d in enumerate(chosen)}
    return counts


def _measure(
    scope: Scope, windows: Sequence[Window | None], keys: Sequence[str] | None
) -> list[list[Indicator]]:
    """The chosen indicators for each period (None: a period not begun yet, which has no data)."""
    chosen = [DEFINITIONS[k] for k in (keys or KEYS)]
    begun = [w for w in windows if w is not None]
    counts: list[Counts] = [{} for _ in begun]
    if begun:
        without_jit()
        for level in Level:
            of_level = [d for d in chosen if d.level is level]
            if of_level:
                for mine, theirs in zip(counts, _count(level, of_level, begun, scope), strict=True):
                    mine.update(theirs)
    by_window = iter(counts)
    results = []
    for window in windows:
        found = next(by_window) if window is not None else {}
        results.append([Indicator(d.key, *found.get(d.key, (0, 0)), d.target) for d in chosen])
    return results


def indicators(
    scope: Scope,
    period_start: date,
    period_end: date,
    today: date,
    keys: Sequence[str] | None = None,
) -> list[Indicator]:
    """The indicators (all, or those named in `keys`, in that order) for the scope and period.

    At most one query per row type (citizens, courses, visits): three for all seven indicators.
    """
    return _measure(scope, [Window.of(period_start, period_end, today)], keys)[0]


def indicator(key: str, scope: Scope, period_start: date, period_end: date, today: date) -> Indicator:
    """One indicator (for a drill-down page's heading)."""
    return indicators(scope, period_start, period_end, today, keys=[key])[0]


def indicator_citizens(
    key: str, part: Part, scope: Scope, period_start: date, period_end: date, today: date
) -> sa.Select[tuple[Citizen]]:
    """The citizens behind an indicator: those in its numerator, its denominator, or "missing" (in the
    denominator but not the numerator, e.g. the courses without an agreement before the start).

    For course and visit indicators a citizen is listed once however many of their courses or visits
    count, and can be in both the numerator and "missing" (one course with an agreement, one without).
    Ordered by name; the caller executes it (`db.session.scalars`) and logs the read of personal data.
    """
    definition = DEFINITIONS[key]
    window = Window.of(period_start, period_end, today)
    if window is None:
        return sa.select(Citizen).where(sa.false())
    period = _period_table([window])
    rows, facts = _rows(definition.level, period, scope)
    denominator = definition.denominator(period.c, facts)
    numerator = definition.numerator(period.c, facts)
    without_jit()  # for the caller's execution of the select, later in this transaction
    condition = {
        "numerator": sa.and_(denominator, numerator),
        "denominator": denominator,
        "missing": sa.and_(denominator, sa.not_(numerator)),
    }[part]
    ids = rows.add_columns(Citizen.id).where(in_scope(scope), condition).correlate(None)
    return (
        sa.select(Citizen)
        .where(Citizen.id.in_(ids))
        .order_by(Citizen.first_name, Citizen.last_name, Citizen.id)
    )


# --- The trend -------------------------------------------------------------------------------------


def month_starts(months: int, today: date) -> list[date]:
    """The first days of the last `months` calendar months, oldest first, the current month last."""
    this_month = today.replace(day=1)
    return [add_months(this_month, -n) for n in range(months - 1, -1, -1)]


def monthly_trend(
    scope: Scope, months: int, today: date, keys: Sequence[str] | None = None
) -> list[tuple[date, list[Indicator]]]:
    """The indicators month by month for the last `months` calendar months (the current month up to
    today), oldest first, each month measured exactly as `indicators` measures it. All months are counted
    in the same one query per row type; asking only for the `keys` a chart shows skips row types."""
    starts = month_starts(months, today)
    windows = [Window.of(start, add_months(start, 1) - timedelta(days=1), today) for start in starts]
    return list(zip(starts, _measure(scope, windows, keys), strict=True))
