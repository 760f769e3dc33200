"""Hours over a course, and the 225-hour rule computed as a step function (worked out by hand below)."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import AgreementRevision, PlacementKind, PlacementStatus, VisitState
from app.supervision import hours
from tests.factories import make_citizen, make_placement, make_user, make_visit

TODAY = date(2026, 11, 23)
CPH = ZoneInfo("Europe/Copenhagen")


def at(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=CPH)


@pytest.fixture
def mette(app):
    return make_user(full_name="Mette")


def course(citizen, start, kind=PlacementKind.MIXED, paid="0", internship="0", **overrides):
    return make_placement(
        citizen,
        kind=kind,
        start_date=start,
        paid_hours_per_week=Decimal(paid),
        internship_hours_per_week=Decimal(internship),
        **overrides,
    )


def report(placement, by, day, paid=None, internship=None, **overrides):
    return make_visit(
        placement,
        by,
        performed_at=at(day),
        paid_hours_per_week=None if paid is None else Decimal(paid),
        internship_hours_per_week=None if internship is None else Decimal(internship),
        **overrides,
    )


def test_the_trajectory_of_a_course(mette):
    """Agreement as it stood at the start, then each counted visit in order; a missing figure carries
    the previous one; drafts, addenda and visits without figures are left out."""
    p = course(make_citizen(mette), date(2026, 6, 1), paid="6", internship="11")
    # The internship hours were settled before the start; the paid hours were raised from 4 after it.
    db.session.add_all(
        [
            AgreementRevision(
                placement=p,
                changed_at=at(date(2026, 5, 25)),
                changes={"internship_hours_per_week": ["15", "11"]},
            ),
            AgreementRevision(
                placement=p, changed_at=at(date(2026, 7, 1)), changes={"paid_hours_per_week": ["4", "6"]}
            ),
        ]
    )
    db.session.commit()
    report(p, mette, date(2026, 9, 14), paid="7.5")  # performed later, inserted first
    report(p, mette, date(2026, 7, 3), paid="5", internship="10")
    report(p, mette, date(2026, 8, 1), paid="20", internship="0", state=VisitState.DRAFT)
    signed = report(p, mette, date(2026, 9, 20), paid="9", internship="9", state=VisitState.SIGNED)
    report(p, mette, date(2026, 9, 21), paid="30", internship="0", addendum_of=signed)
    report(p, mette, date(2026, 10, 1))  # no hours reported

    trajectory = hours.hours_trajectory(p)
    assert [(pt.day, pt.paid_weekly, pt.internship_weekly, pt.is_agreement) for pt in trajectory.points] == [
        (date(2026, 6, 1), Decimal("4"), Decimal("11"), True),
        (date(2026, 7, 3), Decimal("5"), Decimal("10"), False),
        (date(2026, 9, 14), Decimal("7.5"), Decimal("10"), False),
        (date(2026, 9, 20), Decimal("9"), Decimal("9"), False),
    ]
    assert [pt.paid_monthly for pt in trajectory.points] == [
        Decimal("17.3"),
        Decimal("21.6"),
        Decimal("32.5"),
        Decimal("39.0"),
    ]
    assert trajectory.points[0].internship_monthly == Decimal("47.6")
    assert trajectory.ordinary and trajectory.start == date(2026, 6, 1) and trajectory.end is None


def test_a_wage_subsidy_trajectory_is_not_ordinary(mette):
    """Is a wage-subsidy course's trajectory marked as not ordinary paid hours?"""
    p = course(make_citizen(mette), date(2026, 6, 1), PlacementKind.WAGE_SUBSIDY, paid="25")
    assert hours.hours_trajectory(p).ordinary is False


def test_the_rule_window_is_twelve_months_up_to_today():
    """Is the window the 365 days (366 across 29 February) ending today?"""
    assert hours.rule_window(TODAY) == (date(2025, 11, 24), TODAY)
    first, last = hours.rule_window(date(2028, 3, 1))
    assert (first, (last - first).days + 1) == (date(2027, 3, 2), 366)
    first, last = hours.rule_window(date(2028, 2, 29))
    assert (first, (last - first).days + 1) == (date(2027, 3, 1), 366)


def test_step_hours_by_hand():
    """7 a week for 14 days, then 3.5 a week for 4 days (to the end), counted from the window's day 3:
    7 × 12/7 + 3.5 × 4/7 = 12 + 2 = 14 hours."""
    steps = [(date(2026, 1, 1), Decimal(7)), (date(2026, 1, 15), Decimal("3.5"))]
    window = (date(2026, 1, 3), date(2026, 12, 31))
    assert hours.step_hours(steps, date(2026, 1, 1), date(2026, 1, 18), window) == Decimal(14)
    # The window ending on 10 January cuts the first step to 8 days and leaves out the second.
    assert (
        hours.step_hours(steps, date(2026, 1, 1), date(2026, 1, 18), (date(2026, 1, 3), date(2026, 1, 10)))
        == 8
    )


def test_the_225_hour_rule_by_hand(mette):
    """The window is 24.11.2025-23.11.2026.

    Mixed course from 10.11.2025, broken off 31.03.2026: agreed 4 a week until the visit of 05.01.2026
    (24.11-04.01: 42 days → 24 h), 7 a week until 02.03 (56 days → 56 h), 10 a week to the end
    (02.03-31.03: 30 days → 300/7 h). Småjob from 01.06.2026, 3 a week, still running: a draft's 8
    hours do not count and a visit reporting internship hours only leaves the 3 standing (176 days →
    528/7 h). Wage subsidy (20 a week) and the internship's hours do not count. Total 24 + 56 + 828/7 =
    198.2857… h: 198.2 shown (rounded down), 26.8 missing (rounded up).
    """
    citizen = make_citizen(mette)
    mixed = course(
        citizen,
        date(2025, 11, 10),
        paid="4",
        internship="10",
        status=PlacementStatus.BROKEN_OFF,
        end_date=date(2026, 3, 31),
    )
    report(mixed, mette, date(2026, 1, 5), paid="7")
    report(mixed, mette, date(2026, 3, 2), paid="10")
    report(mixed, mette, date(2026, 4, 15), paid="30")  # after the end: nothing more
    small = course(citizen, date(2026, 6, 1), PlacementKind.SMALL_JOB, paid="3")
    report(small, mette, date(2026, 9, 1), paid="8", state=VisitState.DRAFT)
    report(small, mette, date(2026, 10, 1), internship="2")
    course(citizen, date(2026, 4, 1), PlacementKind.WAGE_SUBSIDY, paid="20")
    course(citizen, date(2026, 4, 1), PlacementKind.INTERNSHIP, internship="30")

    standing = hours.rule_225(citizen.id, TODAY)
    assert standing.hours == Decimal("198.2")
    assert standing.shortfall == Decimal("26.8")
    assert standing.hours + standing.shortfall == standing.required == Decimal(225)
    assert standing.met is False
    assert (standing.window_start, standing.window_end) == (date(2025, 11, 24), TODAY)


def test_exactly_225_hours_meet_the_rule(mette):
    """7 hours a week for exactly 225 days is 225 hours: met; a day less is 224: 1 hour short."""
    met, short = make_citizen(mette), make_citizen(mette)
    course(met, TODAY - timedelta(days=224), PlacementKind.ORDINARY, paid="7")
    course(short, TODAY - timedelta(days=223), PlacementKind.ORDINARY, paid="7")
    standings = hours.rule_225_standings([met.id, short.id], TODAY)
    assert (standings[met.id].hours, standings[met.id].met, standings[met.id].shortfall) == (
        Decimal("225.0"),
        True,
        Decimal("0.0"),
    )
    assert (standings[short.id].hours, standings[short.id].met, standings[short.id].shortfall) == (
        Decimal("224.0"),
        False,
        Decimal("1.0"),
    )


@pytest.mark.parametrize(("today", "expected"), [(date(2028, 3, 1), "366.0"), (date(2027, 3, 1), "365.0")])
def test_a_leap_year_window_holds_one_day_more(mette, today, expected):
    """7 a week all year is 366 hours in a window across 29.02.2028, 365 in an ordinary one."""
    citizen = make_citizen(mette)
    course(citizen, date(2026, 1, 5), PlacementKind.ORDINARY, paid="7")
    assert hours.rule_225(citizen.id, today).hours == Decimal(expected)


def test_courses_at_the_same_time_add_up_and_citizens_without_hours_get_zero(mette):
    """Two småjobs at once add up; a citizen with no course is 0 hours, 225 short."""
    busy, idle = make_citizen(mette), make_citizen(mette)
    start = TODAY - timedelta(days=69)  # 70 days
    course(busy, start, PlacementKind.SMALL_JOB, paid="2")
    course(busy, start, PlacementKind.SMALL_JOB, paid="3")
    standings = hours.rule_225_standings([busy.id, idle.id], TODAY)
    assert standings[busy.id].hours == Decimal("50.0")  # (2 + 3) × 70 / 7
    assert (standings[idle.id].hours, standings[idle.id].shortfall) == (Decimal("0.0"), Decimal("225.0"))
