"""Follow-up discipline: overdue planned visits, caseloads against the cap, days since on-site visits."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.models import CitizenStatus, PlacementStatus, Role, ScheduledVisitStatus, VisitState
from app.supervision import discipline
from tests.factories import make_citizen, make_placement, make_scheduled_visit, make_user, make_visit

TODAY = date(2026, 11, 23)
CPH = ZoneInfo("Europe/Copenhagen")


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=CPH)


@pytest.fixture
def team(app):
    app.config["CASELOAD_CAP"] = 2
    mette = make_user(full_name="Mette Mortensen")
    jonas = make_user(full_name="Jonas Jensen")
    bent = make_user(full_name="Bent Bentsen")  # another team
    return mette, jonas, bent


def test_overdue_visits_per_jobformidler(team):
    """Are only planned visits past their due date on followed-up courses counted, with the oldest date?"""
    mette, jonas, bent = team
    active = make_placement(make_citizen(mette), start_date=date(2026, 9, 1))
    make_scheduled_visit(active, date(2026, 11, 20))
    make_scheduled_visit(active, date(2026, 11, 10))
    make_scheduled_visit(active, TODAY)  # due today: not overdue yet
    make_scheduled_visit(active, date(2026, 11, 1), status=ScheduledVisitStatus.DONE)
    make_scheduled_visit(active, date(2026, 11, 2), status=ScheduledVisitStatus.CANCELLED)
    goal_reached = make_placement(make_citizen(mette), status=PlacementStatus.COMPLETED)
    make_scheduled_visit(goal_reached, date(2026, 11, 16))  # efterværn goes on: still overdue
    broken = make_placement(make_citizen(mette), status=PlacementStatus.BROKEN_OFF)
    make_scheduled_visit(broken, date(2026, 10, 1))  # not followed up any more
    make_scheduled_visit(make_placement(make_citizen(bent)), date(2026, 11, 22))

    overdue = discipline.overdue_by_jobformidler({mette.id, jonas.id}, TODAY)
    assert overdue == {mette.id: discipline.Overdue(count=3, oldest_due=date(2026, 11, 10))}
    everyone = discipline.overdue_by_jobformidler(None, TODAY)
    assert everyone[bent.id] == discipline.Overdue(1, date(2026, 11, 22))


def test_overview_flags_a_caseload_above_the_cap(team):
    """Is each jobformidler in scope listed with caseload (inactive citizens off it), cap and overdue?"""
    mette, jonas, bent = team
    for status in (
        CitizenStatus.IN_COURSE,
        CitizenStatus.MATCHING,
        CitizenStatus.COMPLETED,
        CitizenStatus.INACTIVE,
    ):
        make_citizen(mette, status=status)
    placement = make_placement(make_citizen(jonas))
    make_scheduled_visit(placement, date(2026, 11, 2))
    make_citizen(bent)

    rows = discipline.jobformidler_overview({mette.id, jonas.id}, TODAY)
    assert [(r.name, r.caseload, r.cap, r.over_cap) for r in rows] == [
        ("Jonas Jensen", 1, 2, False),
        ("Mette Mortensen", 3, 2, True),
    ]
    jonas_row = rows[0]
    assert (jonas_row.overdue, jonas_row.oldest_overdue, jonas_row.days_overdue) == (1, date(2026, 11, 2), 21)
    assert (rows[1].overdue, rows[1].oldest_overdue, rows[1].days_overdue) == (0, None, None)


def test_overview_of_everyone_shows_idle_and_orphaned_caseloads(team):
    """With no scope, is every active jobformidler listed (even with no citizens), a deactivated one who
    still has citizens too, and supervisors and administrators not?"""
    gone = make_user(full_name="Åse Afgået", is_active_account=False)
    make_citizen(gone)
    make_user(Role.SUPERVISOR, full_name="Susanne Leder")
    make_user(Role.ADMIN, full_name="Anders Admin")
    make_user(full_name="Inaktiv Uden Borgere", is_active_account=False)
    rows = discipline.jobformidler_overview(None, TODAY)
    assert sorted(r.name for r in rows) == ["Bent Bentsen", "Jonas Jensen", "Mette Mortensen", "Åse Afgået"]
    assert {r.name: r.caseload for r in rows}["Åse Afgået"] == 1


def test_days_since_the_last_on_site_visit(team):
    """For each citizen in follow-up: the last on-site visit by anyone and by their own jobformidler,
    never-visited first; drafts, phone calls, broken-off and future courses left out."""
    mette, jonas, _ = team
    seen = make_citizen(mette, first_name="Anna")
    p = make_placement(seen, start_date=date(2026, 8, 3))
    make_visit(p, mette, performed_at=at(date(2026, 10, 1)))
    make_visit(p, mette, performed_at=at(date(2026, 11, 3)))
    make_visit(p, jonas, performed_at=at(date(2026, 11, 20)))  # a colleague stood in
    make_visit(p, mette, performed_at=at(date(2026, 11, 22)), on_site=False)  # a phone call

    never = make_citizen(mette, first_name="Bo")
    p = make_placement(never, start_date=date(2026, 10, 5))
    make_visit(p, mette, performed_at=at(date(2026, 11, 18)), state=VisitState.DRAFT)

    recent = make_citizen(mette, first_name="Cecilie")
    make_visit(make_placement(recent, start_date=date(2026, 11, 2)), mette, performed_at=at(TODAY))

    broken = make_citizen(mette, first_name="Erik")
    make_placement(broken, status=PlacementStatus.BROKEN_OFF, end_date=date(2026, 11, 1))
    make_placement(make_citizen(mette, first_name="Nina"), start_date=date(2026, 12, 1))
    make_placement(make_citizen(jonas, first_name="Ida"), start_date=date(2026, 9, 1))

    gaps = discipline.on_site_gaps({mette.id}, TODAY)
    assert [(g.name.split()[0], g.last_on_site, g.last_on_site_by_own, g.days_since) for g in gaps] == [
        ("Bo", None, None, None),
        ("Anna", date(2026, 11, 20), date(2026, 11, 3), 20),
        ("Cecilie", TODAY, TODAY, 0),
    ]
    assert gaps[1].case_ref == seen.case_ref and gaps[1].jobformidler_id == mette.id
    assert [g.name.split()[0] for g in discipline.on_site_gaps(None, TODAY)] == [
        "Bo",
        "Ida",
        "Anna",
        "Cecilie",
    ]


def test_a_visit_late_in_the_evening_counts_on_its_danish_day(team):
    """Is an on-site visit at 00:30 Danish time (23:30 UTC the day before) dated on the Danish day?"""
    mette, _, _ = team
    p = make_placement(make_citizen(mette), start_date=date(2026, 9, 1))
    make_visit(p, mette, performed_at=datetime(2026, 11, 19, 23, 30, tzinfo=UTC))
    (gap,) = discipline.on_site_gaps({mette.id}, TODAY)
    assert gap.last_on_site_by_own == date(2026, 11, 20) and gap.days_since == 3
