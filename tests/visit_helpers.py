"""Shared builders for visit tests: a course ready to be visited and a complete visit payload."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.core.timeutil import local_today
from app.extensions import db
from app.models import PlacementKind, ScheduledVisit
from app.placements.services import create_placement
from app.visits.defaults import ensure_default_template
from tests.factories import make_citizen, make_contact, make_user, make_workplace

# A pad drawing as signature_pad's toData() gives it (CSS pixels of a 500×200 pad).
STROKES = [
    {"points": [{"x": 20 + i * 9, "y": 120 - (i % 5) * 11} for i in range(30)]},
    {"points": [{"x": 60 + i * 7, "y": 80 + (i % 3) * 9} for i in range(20)]},
]


# The course began 27 days ago: its one-week visit is overdue, and its one-month visit, at least 28 days
# after the start, always falls after today whatever the months' lengths (30 days back, it fell on today in
# every month after a 30-day month, and "one visit today" became two).
COURSE_AGE = timedelta(days=27)


def course(username: str = "mette", citizen_email: str | None = "ali@example.org"):
    """A jobformidler with a citizen in a mixed course that started almost a month ago, and its plan."""
    me = make_user(username=username, full_name="Mette Sørensen", email=f"{username}@kommune.example")
    citizen = make_citizen(me, first_name="Ali", last_name="Khan", email=citizen_email)
    workplace = make_workplace(name="Butikken", address="Bryggergade 12")
    contact = make_contact(workplace.company, name="Hanne Jensen", email="hanne@butikken.example")
    today = local_today()
    placement = create_placement(
        citizen,
        {
            "kind": PlacementKind.MIXED,
            "workplace_id": workplace.id,
            "contact_person_id": contact.id,
            "start_date": today - COURSE_AGE,
            "planned_end_date": today + timedelta(days=300),
            "paid_hours_per_week": Decimal(4),
            "internship_hours_per_week": Decimal(11),
        },
        me,
        today,
    )
    return me, placement


def payload(placement, **overrides) -> dict:
    """A complete visit as the API's JSON."""
    template = ensure_default_template()
    today = local_today()
    data = {
        "placement_id": placement.id,
        "template_id": template.id,
        "performed_on": today.isoformat(),
        "kind": "follow_up",
        "on_site": True,
        "present": "Ali, Hanne Jensen, Mette",
        "answers": {
            item.key: {"rating": "good", "note": f"Note om {item.title.lower()}"} for item in template.items
        },
        "paid_hours_per_week": 6,
        "internship_hours_per_week": 9,
        "can_convert": "partly",
        "hours_note": "Kassearbejde kan blive ordinære timer",
        "actions": [
            {
                "what": "Aftal prøvetid ved kassen",
                "who": "Hanne",
                "due": (today + timedelta(days=14)).isoformat(),
            }
        ],
        "next_visit_date": (today + timedelta(days=21)).isoformat(),
    }
    return {**data, **overrides}


def first_visit_today(placement) -> ScheduledVisit:
    """Move the course's first planned visit to today, so it is the one visit under "I dag"."""
    planned = db.session.scalars(
        sa.select(ScheduledVisit)
        .where(ScheduledVisit.placement_id == placement.id)
        .order_by(ScheduledVisit.due_date)
    ).all()
    today = local_today()
    planned[0].due_date = today
    db.session.commit()
    assert [v.due_date for v in planned].count(today) == 1, "the plan has another visit due today"
    return planned[0]
