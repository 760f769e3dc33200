"""Courses and their follow-up plans."""

from __future__ import annotations

from app.extensions import db
from app.models import Placement, ScheduledVisit
from app.placements.schedule import FollowUpRule, plan_dates


def generate_schedule(placement: Placement, rules: list[FollowUpRule] | None = None) -> list[ScheduledVisit]:
    """Add the planned follow-up visits for a course from its start date (the caller commits)."""
    visits = [
        ScheduledVisit(placement=placement, due_date=due, label=code, source="plan", original_due_date=due)
        for code, due in plan_dates(placement.start_date, rules)
        if placement.end_date is None or due <= placement.end_date
    ]
    db.session.add_all(visits)
    return visits
