"""SQL building blocks the supervision modules share, so an indicator, its drill-down, the discipline
lists and the charts' data all use one definition of "counted visit", "in follow-up" and "paid hours now"."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from app.core.timeutil import zone
from app.extensions import db
from app.models import FOLLOWED_UP, PlacementKind, Visit, VisitState
from app.placements.services import reaches_goal

# An entity or an alias of it; SQLAlchemy's own alias type does not narrow to the model's columns.
PlacementLike = Any
VisitLike = Any

# Aliases are made once: building a statement from a fresh alias re-adapts every column it touches, which
# cost more than running the query; fixed names also keep SQLAlchemy's compiled-statement cache warm.
LATEST_VISIT = aliased(Visit, name="latest_visit")
GOAL_VISIT = aliased(Visit, name="goal_visit")


def without_jit() -> None:
    """Keep PostgreSQL from compiling the rest of this transaction's queries to machine code.

    PostgreSQL JIT-compiles a query whose *estimated* cost passes `jit_above_cost`, and correlated
    subqueries inflate the estimate: on 100,000 visits compiling took 0.1-1.6 s for indicator queries that
    run in 20-50 ms. `SET LOCAL` ends with the transaction; other databases have no JIT.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


def day_start(day: date) -> datetime:
    """Midnight at the start of a Danish day, as the UTC instant visit timestamps are compared with."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


def last_instant(day: date) -> datetime:
    """The last microsecond of a Danish day (the finest time both databases store), so a day's end is
    inclusive and BETWEEN can name its expression once (a subquery is then not repeated)."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def counted_visit(visit: VisitLike = Visit) -> sa.ColumnElement[bool]:
    """A visit that counts: completed or later (not a draft), and not an addendum, which corrects a visit
    already counted rather than being another follow-up."""
    return sa.and_(visit.state != VisitState.DRAFT, visit.addendum_of_id.is_(None))


def followed_up_between(placement: PlacementLike, first: date, last: date) -> sa.ColumnElement[bool]:
    """The course was in follow-up on at least one day of `first`..`last`.

    In follow-up from its start date until its end date (open-ended without one). The status is only known
    as it is now, so a course counts if it is still followed up (FOLLOWED_UP: planned, active, or completed
    with efterværn going on) or, for a past day, if it has since ended with an end date after that day.
    """
    return sa.and_(
        placement.start_date <= last,
        sa.or_(placement.end_date.is_(None), placement.end_date >= first),
        sa.or_(placement.status.in_(FOLLOWED_UP), placement.end_date.is_not(None)),
    )


def latest_paid_hours(placement: PlacementLike, until: Any) -> sa.ColumnElement[Any]:
    """The course's weekly paid hours as last reported up to the instant `until` (a value or a column):
    the latest counted visit that reported them, else the agreement's figure."""
    visit = LATEST_VISIT
    reported = (
        sa.select(visit.paid_hours_per_week)
        .where(
            visit.placement_id == placement.id,
            counted_visit(visit),
            visit.paid_hours_per_week.is_not(None),
            visit.performed_at <= until,
        )
        .order_by(*(column.desc() for column in visit.chronological()))
        .limit(1)
        .scalar_subquery()
    )
    return sa.func.coalesce(reported, placement.paid_hours_per_week)


def goal_reached_at(placement: PlacementLike) -> sa.ScalarSelect[Any]:
    """When the course reached the paid-hours goal: the first counted visit reporting ≥ 30 ordinary paid
    hours a month (the visit whose save completed the course). Wage-subsidy hours never reach it."""
    visit = GOAL_VISIT
    return (
        sa.select(sa.func.min(visit.performed_at))
        .where(
            visit.placement_id == placement.id,
            counted_visit(visit),
            reaches_goal(visit.paid_hours_per_week),
            placement.kind != PlacementKind.WAGE_SUBSIDY,
        )
        .scalar_subquery()
    )
