"""The four indicators of contacts between visits, beside those of app/supervision/indicators.py and with the
same conventions there (period `period_start`..`period_end` cut at today, `scope` by the citizen's current
jobformidler, Indicator with numerator, denominator and target, drill-down by numerator/denominator/missing).

Definitions:

- `answered_24h` (≥ 9 in 10), one row per contact: contacts that need an answer, came in within the period,
  and were answered or whose 24-hour deadline (`Contact.answer_due_at`, worked out under the municipality's
  clock when saved) has passed by now; numerator: answered by the deadline. A contact still within its 24
  hours and unanswered is not counted yet.
- `weekly_contact` (≥ 7 in 10), one row per course: courses that started within the period and had a
  run-up (a week or more between the week they were registered and the week they start, at most
  RUN_UP_WEEKS); numerator: every run-up week (Monday to Sunday) had a contact with the citizen.
- `feedback_monthly` (≥ 9 in 10), one row per jobformidler: active jobformidlere in scope who made a
  counted visit within the period; numerator: feedback (VisitFeedback) was given by someone else on one
  of their visits within the period.
- `meetings_hours` (≥ 7 in 10), one row per team meeting: meetings held within the period by the teams of
  the jobformidlere in scope; numerator: the citizens whose ordinary hours were discussed were recorded
  (at least one).

They are counted in a few queries and a pass in Python (the run-up weeks are the same function as the
course page's), on data that is small per team and period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.contacts.services import run_up_weeks, weekly_contact_kept
from app.core.timeutil import local_date, utcnow
from app.extensions import db
from app.models import (
    Citizen,
    Contact,
    ContactParty,
    Placement,
    Role,
    TeamMeeting,
    TeamMeetingCitizen,
    User,
    Visit,
    VisitFeedback,
)
from app.supervision.indicators import LABELS, Indicator, Window
from app.supervision.queries import counted_visit, day_start, last_instant
from app.supervision.scope import Scope, in_scope

TARGETS = {
    "answered_24h": Decimal("0.9"),
    "weekly_contact": Decimal("0.7"),
    "feedback_monthly": Decimal("0.9"),
    "meetings_hours": Decimal("0.7"),
}
KEYS = tuple(TARGETS)
LABELS.update(
    {
        "answered_24h": _l("Contacts answered within 24 hours"),
        "weekly_contact": _l("Weekly contact before the course starts"),
        "feedback_monthly": _l("Job brokers with feedback on a visit"),
        "meetings_hours": _l("Team meetings where ordinary hours were shared"),
    }
)


@dataclass(frozen=True)
class Rows:
    """An indicator's rows: each with its citizen ids (none for a jobformidler or a meeting) and a name."""

    counted: list[tuple[bool, list[int], str]]


def _answered(scope: Scope, window: Window) -> Rows:
    now = utcnow()
    contacts = db.session.scalars(
        sa.select(Contact)
        .join(Citizen, Contact.citizen_id == Citizen.id)
        .where(
            in_scope(scope),
            Contact.needs_answer.is_(True),
            Contact.came_in_at.between(day_start(window.start), last_instant(window.end)),
            sa.or_(Contact.answered_at.is_not(None), Contact.answer_due_at < now),
        )
    )
    return Rows([(bool(c.answered_in_time), [c.citizen_id], "") for c in contacts])


def _weekly(scope: Scope, window: Window, today: date, max_weeks: int) -> Rows:
    courses = list(
        db.session.scalars(
            sa.select(Placement)
            .join(Citizen, Placement.citizen_id == Citizen.id)
            .where(in_scope(scope), Placement.start_date.between(window.start, window.end))
        )
    )
    days: dict[int, list[date]] = {}
    if courses:
        for citizen_id, at in db.session.execute(
            sa.select(Contact.citizen_id, Contact.came_in_at).where(
                Contact.citizen_id.in_({p.citizen_id for p in courses}), Contact.party == ContactParty.CITIZEN
            )
        ):
            days.setdefault(citizen_id, []).append(local_date(at))
    rows = []
    for p in courses:
        weeks = run_up_weeks(
            p.start_date, local_date(p.created_at), days.get(p.citizen_id, []), today, max_weeks
        )
        kept = weekly_contact_kept(weeks)
        if kept is not None:
            rows.append((kept, [p.citizen_id], ""))
    return Rows(rows)


def _feedback(scope: Scope, window: Window) -> Rows:
    first, last = day_start(window.start), last_instant(window.end)
    users = sa.select(User).where(User.role == Role.JOBFORMIDLER, User.is_active_account.is_(True))
    if scope is not None:
        users = users.where(User.id.in_(sorted(scope)))
    made = sa.select(Visit.performed_by_id).where(
        counted_visit(Visit), Visit.performed_at.between(first, last)
    )
    got = (
        sa.select(Visit.performed_by_id)
        .join(VisitFeedback, VisitFeedback.visit_id == Visit.id)
        .where(
            counted_visit(Visit),
            Visit.performed_at.between(first, last),
            VisitFeedback.given_by_id != Visit.performed_by_id,
        )
    )
    with_feedback = set(db.session.scalars(got))
    return Rows(
        [
            (u.id in with_feedback, [], u.full_name)
            for u in db.session.scalars(users.where(User.id.in_(made)).order_by(User.full_name))
        ]
    )


def _meetings(scope: Scope, window: Window) -> Rows:
    meetings = sa.select(TeamMeeting).where(TeamMeeting.held_on.between(window.start, window.end))
    if scope is not None:
        teams = sa.select(User.team_id).where(User.id.in_(sorted(scope)), User.team_id.is_not(None))
        meetings = meetings.where(TeamMeeting.team_id.in_(teams))
    shared = set(db.session.scalars(sa.select(TeamMeetingCitizen.meeting_id).distinct()))
    return Rows(
        [
            (m.id in shared, [], m.held_on.strftime("%d.%m.%Y"))
            for m in db.session.scalars(meetings.order_by(TeamMeeting.held_on))
        ]
    )


def _rows(key: str, scope: Scope, window: Window, today: date, max_weeks: int) -> Rows:
    if key == "answered_24h":
        return _answered(scope, window)
    if key == "weekly_contact":
        return _weekly(scope, window, today, max_weeks)
    if key == "feedback_monthly":
        return _feedback(scope, window)
    return _meetings(scope, window)


def indicators(
    scope: Scope, period_start: date, period_end: date, today: date, max_weeks: int = 4
) -> list[Indicator]:
    """The four indicators for the scope and period (every denominator 0 for a period not begun)."""
    window = Window.of(period_start, period_end, today)
    results = []
    for key in KEYS:
        rows = _rows(key, scope, window, today, max_weeks).counted if window else []
        results.append(Indicator(key, sum(1 for ok, _, _ in rows if ok), len(rows), TARGETS[key]))
    return results


def drill_down(
    key: str, part: str, scope: Scope, period_start: date, period_end: date, today: date, max_weeks: int = 4
) -> tuple[list[int], list[str]]:
    """The rows behind an indicator's part: citizen ids (contacts, courses) or names (jobformidlere,
    meetings)."""
    window = Window.of(period_start, period_end, today)
    rows = _rows(key, scope, window, today, max_weeks).counted if window else []
    chosen = [r for r in rows if part == "denominator" or (part == "numerator") == r[0]]
    ids = sorted({i for _, citizen_ids, _ in chosen for i in citizen_ids})
    names = [name for _, _, name in chosen if name]
    return ids, names
