"""Hours over time: a course's paid- and internship-hours trajectory, and a citizen's standing against the
225-hour rule (225 hours of ordinary, unsupported work within the last 12 months, DOMAIN.md step 4).

Both read the same reports: the agreement as it stood on the start date, then every counted visit (not a
draft, not an addendum) in the order performed. A visit that reports no paid (or internship) figure leaves
the previous one standing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import sqlalchemy as sa

from app.core.timeutil import local_date
from app.extensions import db
from app.models import AgreementRevision, Placement, PlacementKind, Visit
from app.placements.schedule import add_months
from app.placements.services import monthly_hours
from app.supervision.queries import counted_visit, day_start

RULE_HOURS = Decimal(225)
RULE_MONTHS = 12
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class HoursPoint:
    """The weekly hours that stand from `day`: the agreement's at the start, then each visit's."""

    day: date
    paid_weekly: Decimal
    internship_weekly: Decimal
    is_agreement: bool = False

    @property
    def paid_monthly(self) -> Decimal:
        return monthly_hours(self.paid_weekly)

    @property
    def internship_monthly(self) -> Decimal:
        return monthly_hours(self.internship_weekly)


@dataclass(frozen=True)
class Trajectory:
    """A course's hours over time. For a wage-subsidy course the paid hours are subsidised, not ordinary."""

    placement_id: int
    kind: PlacementKind
    start: date
    end: date | None  # the day the course ended, if it has
    points: tuple[HoursPoint, ...]

    @property
    def ordinary(self) -> bool:
        """Do the paid hours count as ordinary hours (toward the goal and the 225-hour rule)?"""
        return self.kind != PlacementKind.WAGE_SUBSIDY


# --- Reading the reports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Report:
    at: datetime
    paid: Decimal | None
    internship: Decimal | None


def _agreement_at_start(
    placement: Placement, revisions: Iterable[AgreementRevision]
) -> tuple[Decimal, Decimal]:
    """The agreed weekly (paid, internship) hours as they stood on the start date: changes made after the
    start day are undone from the revisions (which keep the old values)."""
    paid, internship = placement.paid_hours_per_week, placement.internship_hours_per_week
    for revision in sorted(revisions, key=lambda r: r.changed_at, reverse=True):
        if local_date(revision.changed_at) <= placement.start_date:
            break
        changes = revision.changes
        if "paid_hours_per_week" in changes:
            paid = Decimal(changes["paid_hours_per_week"][0] or 0)
        if "internship_hours_per_week" in changes:
            internship = Decimal(changes["internship_hours_per_week"][0] or 0)
    return Decimal(paid or 0), Decimal(internship or 0)


def _reports(placement_ids: Sequence[int], before: datetime | None = None) -> dict[int, list[_Report]]:
    """The counted visits' reported hours per course, in the order performed."""
    if not placement_ids:
        return {}
    query = (
        sa.select(
            Visit.placement_id, Visit.performed_at, Visit.paid_hours_per_week, Visit.internship_hours_per_week
        )
        .where(
            Visit.placement_id.in_(placement_ids),
            counted_visit(Visit),
            sa.or_(Visit.paid_hours_per_week.is_not(None), Visit.internship_hours_per_week.is_not(None)),
        )
        .order_by(Visit.placement_id, *Visit.chronological())
    )
    if before is not None:
        query = query.where(Visit.performed_at < before)
    reports: dict[int, list[_Report]] = defaultdict(list)
    for placement_id, at, paid, internship in db.session.execute(query):
        reports[placement_id].append(_Report(at, paid, internship))
    return reports


def _revisions(placement_ids: Sequence[int]) -> dict[int, list[AgreementRevision]]:
    revisions: dict[int, list[AgreementRevision]] = defaultdict(list)
    if placement_ids:
        for revision in db.session.scalars(
            sa.select(AgreementRevision).where(AgreementRevision.placement_id.in_(placement_ids))
        ):
            revisions[revision.placement_id].append(revision)
    return revisions


def _points(
    placement: Placement, revisions: Iterable[AgreementRevision], reports: Iterable[_Report]
) -> list[HoursPoint]:
    paid, internship = _agreement_at_start(placement, revisions)
    points = [HoursPoint(placement.start_date, paid, internship, is_agreement=True)]
    for report in reports:
        paid = report.paid if report.paid is not None else paid
        internship = report.internship if report.internship is not None else internship
        points.append(HoursPoint(local_date(report.at), Decimal(paid), Decimal(internship)))
    return points


def hours_trajectory(placement: Placement) -> Trajectory:
    """The course's hours: the agreement at the start, then each counted visit that reported hours
    (two queries; the read of personal data is the caller's to log)."""
    points = _points(
        placement, _revisions([placement.id])[placement.id], _reports([placement.id])[placement.id]
    )
    return Trajectory(placement.id, placement.kind, placement.start_date, placement.end_date, tuple(points))


# --- The 225-hour rule -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule225:
    """A citizen's ordinary hours within the last 12 months against the 225 the rule requires."""

    hours: Decimal  # rounded down to one decimal
    required: Decimal
    met: bool  # decided on the unrounded hours
    shortfall: Decimal  # hours still missing, rounded up to one decimal; 0 when met
    window_start: date
    window_end: date


def rule_window(today: date) -> tuple[date, date]:
    """The 12 months up to and including today: from the day after the same date a year earlier
    (24.11.2025–23.11.2026: 365 days, or 366 across a 29 February)."""
    return add_months(today, -RULE_MONTHS) + timedelta(days=1), today


def step_hours(
    steps: Sequence[tuple[date, Decimal]], start: date, last_day: date, window: tuple[date, date]
) -> Decimal:
    """Hours worked by a step function of weekly figures, counted inside `window` (both days included).

    Each (day, weekly hours) figure holds from its day (not before the course's `start`) until the day
    before the next figure, the last one until `last_day`; a day is a seventh of a week. Not rounded.
    """
    first_counted, last_counted = window
    total = Decimal(0)
    for i, (day, weekly) in enumerate(steps):
        begin = max(day, start, first_counted)
        until = steps[i + 1][0] - timedelta(days=1) if i + 1 < len(steps) else last_day
        end = min(until, last_day, last_counted)
        if end >= begin:
            total += Decimal(weekly) * (end - begin + timedelta(days=1)).days / 7
    return total


def rule_225_standings(citizen_ids: Sequence[int], today: date) -> dict[int, Rule225]:
    """The 225-hour standing of each citizen (every id gets one), in three queries whatever their number.

    Ordinary paid hours of every course that is not wage subsidy (internship hours never count), estimated
    from the weekly figures as a step function (`step_hours`): each figure holds until the next report or
    the course's end (its end date, else today). Courses running at once add up.
    """
    first, last = rule_window(today)
    placements = db.session.scalars(
        sa.select(Placement).where(
            Placement.citizen_id.in_(citizen_ids),
            Placement.kind != PlacementKind.WAGE_SUBSIDY,
            Placement.start_date <= last,
            sa.or_(Placement.end_date.is_(None), Placement.end_date >= first),
        )
    ).all()
    ids = [p.id for p in placements]
    reports = _reports(ids, before=day_start(last + timedelta(days=1)))
    revisions = _revisions(ids)
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for placement in placements:
        points = _points(placement, revisions[placement.id], reports[placement.id])
        last_day = min(placement.end_date or last, last)
        steps = [(p.day, p.paid_weekly) for p in points]
        totals[placement.citizen_id] += step_hours(steps, placement.start_date, last_day, (first, last))
    return {citizen_id: _standing(totals[citizen_id], first, last) for citizen_id in citizen_ids}


def _standing(hours: Decimal, first: date, last: date) -> Rule225:
    """Hours are rounded down and the shortfall up, so an estimate never shows the rule met too early and
    hours + shortfall is exactly 225 until it is met."""
    return Rule225(
        hours=hours.quantize(ONE_DECIMAL, ROUND_FLOOR),
        required=RULE_HOURS,
        met=hours >= RULE_HOURS,
        shortfall=max(RULE_HOURS - hours, Decimal(0)).quantize(ONE_DECIMAL, ROUND_CEILING),
        window_start=first,
        window_end=last,
    )


def rule_225(citizen_id: int, today: date) -> Rule225:
    """One citizen's standing against the 225-hour rule (see `rule_225_standings`)."""
    return rule_225_standings([citizen_id], today)[citizen_id]
