"""Follow-up discipline: overdue planned visits and caseloads per jobformidler, and how long each citizen in
follow-up has gone without an on-site visit. Aggregated in SQL; the scope is as in `scope.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from app.caseload.services import caseload_counts
from app.core.timeutil import local_date
from app.extensions import db
from app.models import (
    FOLLOWED_UP,
    Citizen,
    Placement,
    Role,
    ScheduledVisit,
    ScheduledVisitStatus,
    User,
    Visit,
)
from app.supervision.queries import counted_visit, followed_up_between, without_jit
from app.supervision.scope import Scope, in_scope

# Made once: a fresh alias re-adapts every column a statement touches (see queries.LATEST_VISIT).
_ON_SITE_COURSE = aliased(Placement, name="on_site_course")
_ON_SITE_VISIT = aliased(Visit, name="on_site_visit")
_FOLLOWED_COURSE = aliased(Placement, name="followed_course")


@dataclass(frozen=True)
class Overdue:
    """A jobformidler's overdue planned visits: how many, and the oldest due date among them."""

    count: int
    oldest_due: date


@dataclass(frozen=True)
class JobformidlerDiscipline:
    """One jobformidler's row in the supervisor's overview."""

    user_id: int
    name: str
    caseload: int  # citizens not inactive, as `caseload_counts` counts them
    cap: int  # CASELOAD_CAP
    overdue: int
    oldest_overdue: date | None
    days_overdue: int | None  # days since the oldest overdue visit was due

    @property
    def over_cap(self) -> bool:
        return self.caseload > self.cap


@dataclass(frozen=True)
class OnSiteGap:
    """A citizen in follow-up and their latest counted on-site visits."""

    citizen_id: int
    name: str
    case_ref: str
    jobformidler_id: int
    last_on_site: date | None  # by anyone
    last_on_site_by_own: date | None  # by the citizen's own jobformidler
    days_since: int | None  # since `last_on_site_by_own`; None: never visited on site by them


def overdue_by_jobformidler(scope: Scope, today: date) -> dict[int, Overdue]:
    """Overdue planned visits per jobformidler (the citizen's), in one grouped query.

    Overdue: a scheduled visit still planned whose due date is before `today`, on a course that is still
    followed up (FOLLOWED_UP: broken-off and handed-over courses are not visited). Jobformidlere with none
    are absent.
    """
    rows = db.session.execute(
        sa.select(Citizen.jobformidler_id, sa.func.count(), sa.func.min(ScheduledVisit.due_date))
        .select_from(ScheduledVisit)
        .join(Placement, ScheduledVisit.placement_id == Placement.id)
        .join(Citizen, Placement.citizen_id == Citizen.id)
        .where(
            in_scope(scope),
            ScheduledVisit.status == ScheduledVisitStatus.PLANNED,
            ScheduledVisit.due_date < today,
            Placement.status.in_(FOLLOWED_UP),
        )
        .group_by(Citizen.jobformidler_id)
    ).all()
    return {user_id: Overdue(count, _as_date(oldest)) for user_id, count, oldest in rows}


def _as_date(value: date | str) -> date:
    # SQLite hands an aggregate of a date column back as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _jobformidlere(scope: Scope) -> list[tuple[int, str]]:
    """The active jobformidler accounts in scope, and anyone else who still has citizens in it (so an
    orphaned caseload shows up), by name."""
    owners = sa.select(Citizen.jobformidler_id).where(in_scope(scope))
    in_user_scope = sa.true() if scope is None else User.id.in_(sorted(scope))
    return [
        (user_id, name)
        for user_id, name in db.session.execute(
            sa.select(User.id, User.full_name)
            .where(
                sa.or_(
                    sa.and_(User.role == Role.JOBFORMIDLER, User.is_active_account, in_user_scope),
                    User.id.in_(owners),
                )
            )
            .order_by(User.full_name, User.id)
        )
    ]


def jobformidler_overview(scope: Scope, today: date) -> list[JobformidlerDiscipline]:
    """Per jobformidler: caseload against the cap and overdue planned visits (three queries)."""
    people = _jobformidlere(scope)
    counts = caseload_counts([user_id for user_id, _ in people])
    overdue = overdue_by_jobformidler(scope, today)
    cap = current_app.config["CASELOAD_CAP"]
    rows = []
    for user_id, name in people:
        late = overdue.get(user_id)
        rows.append(
            JobformidlerDiscipline(
                user_id=user_id,
                name=name,
                caseload=counts.get(user_id, 0),
                cap=cap,
                overdue=late.count if late else 0,
                oldest_overdue=late.oldest_due if late else None,
                days_overdue=(today - late.oldest_due).days if late else None,
            )
        )
    return rows


def _last_on_site(own_only: bool) -> sa.ScalarSelect:
    """The latest counted on-site visit on any of the outer citizen's courses (by their own jobformidler
    only, if `own_only`)."""
    p, v = _ON_SITE_COURSE, _ON_SITE_VISIT
    conditions = [v.placement_id == p.id, p.citizen_id == Citizen.id, counted_visit(v), v.on_site.is_(True)]
    if own_only:
        conditions.append(v.performed_by_id == Citizen.jobformidler_id)
    return sa.select(sa.func.max(v.performed_at)).where(*conditions).correlate(Citizen).scalar_subquery()


def on_site_gaps(scope: Scope, today: date) -> list[OnSiteGap]:
    """Every citizen in scope with a course in follow-up today, with their latest on-site visits; longest
    without one by their own jobformidler first (never visited first of all), then by name.

    In follow-up as for the indicators (`followed_up_between`); a future course does not count yet.
    """
    without_jit()
    p = _FOLLOWED_COURSE
    in_follow_up = (
        sa.exists().where(p.citizen_id == Citizen.id, followed_up_between(p, today, today)).correlate(Citizen)
    )
    rows = db.session.execute(
        sa.select(
            Citizen.id,
            Citizen.first_name,
            Citizen.last_name,
            Citizen.case_ref,
            Citizen.jobformidler_id,
            _last_on_site(own_only=False),
            _last_on_site(own_only=True),
        ).where(in_scope(scope), in_follow_up)
    ).all()
    gaps = [
        OnSiteGap(
            citizen_id=citizen_id,
            name=f"{first} {last}",
            case_ref=case_ref,
            jobformidler_id=jobformidler_id,
            last_on_site=local_date(any_at),
            last_on_site_by_own=local_date(own_at),
            days_since=None if own_at is None else (today - local_date(own_at)).days,
        )
        for citizen_id, first, last, case_ref, jobformidler_id, any_at, own_at in rows
    ]
    never = timedelta.max.days
    return sorted(
        gaps, key=lambda g: (-(never if g.days_since is None else g.days_since), g.name, g.citizen_id)
    )
