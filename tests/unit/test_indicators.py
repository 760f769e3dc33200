"""The programme indicators on a dataset whose answers are worked out by hand below.

Period: November 2026, measured on TODAY (23.11.2026, a Monday). Team A is Mette and Jonas; Team B is Bent.
Each citizen's comment says where they count; the expected numbers in the tests add those up.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.models import Citizen, CitizenStatus, PlacementKind, PlacementStatus, VisitState
from app.placements.schedule import add_months
from app.supervision import indicators as ind
from tests.factories import make_citizen, make_contact, make_placement, make_user, make_visit, make_workplace

TODAY = date(2026, 11, 23)
NOV_1, NOV_30 = date(2026, 11, 1), date(2026, 11, 30)
CPH = ZoneInfo("Europe/Copenhagen")
REGISTERED = datetime(2025, 1, 1, tzinfo=UTC)
WEEK_BEFORE = object()  # the agreement a week before the start


def at(day: date, hour: int = 12, minute: int = 0) -> datetime:
    """A moment on a Danish day."""
    return datetime.combine(day, time(hour, minute), tzinfo=CPH)


def citizen(owner, first_name, status=CitizenStatus.IN_COURSE, **overrides) -> Citizen:
    return make_citizen(
        owner, **{"first_name": first_name, "status": status, "created_at": REGISTERED, **overrides}
    )


def course(
    who,
    start,
    kind=PlacementKind.MIXED,
    status=PlacementStatus.ACTIVE,
    agreement=WEEK_BEFORE,
    contact=True,
    paid="4",
    internship="11",
    end=None,
):
    workplace = make_workplace()
    return make_placement(
        who,
        workplace=workplace,
        kind=kind,
        status=status,
        start_date=start,
        end_date=end,
        agreement_date=start - timedelta(days=7) if agreement is WEEK_BEFORE else agreement,
        contact_person=make_contact(workplace.company) if contact else None,
        paid_hours_per_week=Decimal(paid),
        internship_hours_per_week=Decimal(internship),
    )


def visit(placement, by, day, on_site=True, discussed=False, paid=None, state=VisitState.COMPLETED, **kw):
    return make_visit(
        placement,
        by,
        performed_at=kw.pop("performed_at", None) or at(day),
        on_site=on_site,
        hours_discussed=discussed,
        paid_hours_per_week=None if paid is None else Decimal(paid),
        internship_hours_per_week=None,
        state=state,
        **kw,
    )


@pytest.fixture
def world(app):
    """The hand-built dataset. Counted in November unless said otherwise."""
    mette, jonas, bent = (
        make_user(full_name="Mette"),
        make_user(full_name="Jonas"),
        make_user(full_name="Bent"),
    )

    # Anna: course since 1 Sep with contact; on-site by Mette 10 Nov, hours discussed, 5 paid hours.
    # An older internship without contact ended in August and no longer counts anywhere.
    anna = citizen(mette, "Anna")
    visit(course(anna, date(2026, 9, 1)), mette, date(2026, 11, 10), discussed=True, paid="5")
    course(
        anna,
        date(2026, 3, 2),
        PlacementKind.INTERNSHIP,
        PlacementStatus.COMPLETED,
        contact=False,
        end=date(2026, 8, 31),
    )

    # Bo: internship starting today (this week) without agreement or contact, no paid hours; a draft visit
    # (on site, hours discussed, 5 paid hours) counts for nothing.
    bo = citizen(mette, "Bo")
    p = course(bo, TODAY, PlacementKind.INTERNSHIP, agreement=None, contact=False, paid="0", internship="15")
    visit(p, mette, TODAY, discussed=True, paid="5", state=VisitState.DRAFT)

    # Cecilie: småjob since March. On-site 23 Oct by Mette (one day outside the 31 days), a phone call by
    # Mette 5 Nov (hours discussed, no hours reported) and on-site by Jonas 12 Nov (not her own
    # jobformidler; hours not discussed; 4 paid hours). September: on-site by Mette, 6 paid hours.
    cecilie = citizen(mette, "Cecilie")
    p = course(cecilie, date(2026, 3, 2), PlacementKind.SMALL_JOB, agreement=date(2026, 3, 2), paid="3")
    visit(p, mette, date(2026, 9, 15), paid="6")
    visit(p, mette, date(2026, 10, 23))
    visit(p, mette, date(2026, 11, 5), on_site=False, discussed=True)
    visit(p, jonas, date(2026, 11, 12), paid="4")

    # Dorthe: wage subsidy since May, on site by Mette 2 Nov with hours discussed: 25 subsidised hours.
    dorthe = citizen(mette, "Dorthe")
    p = course(dorthe, date(2026, 5, 4), PlacementKind.WAGE_SUBSIDY, paid="25", internship="0")
    visit(p, mette, date(2026, 11, 2), discussed=True, paid="25")

    # Erik: course without contact, broken off 10 Nov; on site by Mette 20 Oct (hours discussed).
    erik = citizen(mette, "Erik", CitizenStatus.MATCHING)
    p = course(
        erik, date(2026, 6, 1), status=PlacementStatus.BROKEN_OFF, contact=False, end=date(2026, 11, 10)
    )
    visit(p, mette, date(2026, 10, 20), discussed=True)

    # Frida: ordinary job since January, completed by reaching the goal (no end date, efterværn goes on).
    # 6.92 a week (29.99 a month) on 6 Oct did not reach it; 6.93 (30.03) on 16 Nov did. An addendum on
    # 17 Nov (hours not discussed) is a correction, not another follow-up.
    frida = citizen(mette, "Frida", CitizenStatus.COMPLETED)
    p = course(frida, date(2026, 1, 5), PlacementKind.ORDINARY, PlacementStatus.COMPLETED, paid="5")
    visit(p, mette, date(2026, 10, 6), discussed=True, paid="6.92")
    goal = visit(p, mette, date(2026, 11, 16), discussed=True, paid="6.93")
    visit(p, mette, date(2026, 11, 17), addendum_of=goal)

    # Gustav: on the caseload, no course.
    citizen(mette, "Gustav", CitizenStatus.MATCHING)

    # Hans: inactive (off the caseload), with a course that ended last year.
    hans = citizen(mette, "Hans", CitizenStatus.INACTIVE)
    course(hans, date(2025, 1, 6), status=PlacementStatus.REHABILITATION, end=date(2025, 6, 30))

    # Ida (Jonas): started 23 Oct, exactly a month ago; on site by Jonas 24 Oct (first of the 31 days).
    ida = citizen(jonas, "Ida")
    p = course(ida, date(2026, 10, 23), agreement=date(2026, 10, 30), paid="2")
    visit(p, jonas, date(2026, 10, 24), paid="2")

    # Jens (Jonas): internship from 2 Nov with an agreement before; 3 paid hours on 9 Nov, 0 on 16 Nov (a
    # signed visit, which counts like a completed one).
    jens = citizen(jonas, "Jens")
    p = course(jens, date(2026, 11, 2), PlacementKind.INTERNSHIP, paid="0", internship="20")
    visit(p, jonas, date(2026, 11, 9), discussed=True, paid="3")
    visit(p, jonas, date(2026, 11, 16), discussed=True, paid="0", state=VisitState.SIGNED)

    # Karen (Jonas): course 9-20 Nov, agreement after the start, handed to the rehabilitation team.
    karen = citizen(jonas, "Karen", CitizenStatus.REHABILITATION)
    course(
        karen,
        date(2026, 11, 9),
        status=PlacementStatus.REHABILITATION,
        agreement=date(2026, 11, 12),
        end=date(2026, 11, 20),
    )

    # Mads: småjob completed with an end date, 13 Nov.
    mads = citizen(mette, "Mads", CitizenStatus.COMPLETED)
    course(
        mads,
        date(2025, 12, 1),
        PlacementKind.SMALL_JOB,
        PlacementStatus.COMPLETED,
        paid="8",
        end=date(2026, 11, 13),
    )

    # Nina: a course that starts next week (agreement already made).
    nina = citizen(mette, "Nina")
    course(nina, date(2026, 11, 30), status=PlacementStatus.PLANNED, agreement=date(2026, 11, 20))

    # Ole: ordinary job since 23.11.2025 — a full year today, past the first-year monthly contact; 10 paid
    # hours in the agreement and no visit.
    ole = citizen(mette, "Ole")
    course(ole, date(2025, 11, 23), PlacementKind.ORDINARY, paid="10")

    # Rasmus: registered tomorrow, so not on today's caseload.
    citizen(mette, "Rasmus", CitizenStatus.MATCHING, created_at=datetime(2026, 11, 24, 8, tzinfo=UTC))

    # Team B. Lars: ordinary job from 3 Nov with agreement; on site by Bent 9 Nov, hours not discussed.
    lars = citizen(bent, "Lars")
    p = course(lars, date(2026, 11, 3), PlacementKind.ORDINARY, paid="37")
    visit(p, bent, date(2026, 11, 9), paid="5")
    # Per: course since July without contact, no paid hours, never visited.
    per = citizen(bent, "Per")
    course(per, date(2026, 7, 1), PlacementKind.ORDINARY, contact=False, paid="0", internship="0")

    return SimpleNamespace(a=frozenset({mette.id, jonas.id}), b=frozenset({bent.id}))


@dataclass(frozen=True)
class Expected:
    numerator: int
    denominator: int


def _by_key(result: list[ind.Indicator]) -> dict[str, Expected]:
    return {i.key: Expected(i.numerator, i.denominator) for i in result}


# Everyone, November 2026 (see the comments in `world`).
ALL = {
    "agreement_before_start": Expected(2, 4),  # Bo ✗, Jens ✓, Karen ✗, Lars ✓ (Nina starts next week)
    "monthly_on_site": Expected(4, 6),  # Anna, Dorthe, Frida, Ida ✓; Cecilie, Per ✗
    # Anna, Cecilie (Mette), Dorthe, Frida, Jens ×2 ✓; Cecilie (Jonas), Lars ✗
    "hours_discussed": Expected(6, 8),
    "fixed_contact": Expected(10, 13),  # Bo, Erik, Per ✗
    # Not Erik, Gustav, Karen, Mads, Nina; Hans and Rasmus are not on the caseload.
    "in_company_course": Expected(10, 15),
    "with_paid_hours": Expected(6, 10),  # Anna, Cecilie, Frida, Ida, Lars, Ole ✓; Bo, Dorthe, Jens, Per ✗
    "completed_30_hours": Expected(2, 4),  # Frida, Mads ✓; Erik, Karen ✗
}
TEAM_A = {
    "agreement_before_start": Expected(1, 3),
    "monthly_on_site": Expected(4, 5),
    "hours_discussed": Expected(6, 7),
    "fixed_contact": Expected(9, 11),
    "in_company_course": Expected(8, 13),
    "with_paid_hours": Expected(5, 8),
    "completed_30_hours": Expected(2, 4),
}


def test_every_indicator_on_the_whole_municipality(world):
    """Do all seven indicators give the hand-counted numerators and denominators for everyone?"""
    result = ind.indicators(None, NOV_1, NOV_30, TODAY)
    assert [i.key for i in result] == list(ind.KEYS)
    assert _by_key(result) == ALL


def test_scope_restricts_to_one_team(world):
    """Does a team's scope count only the citizens of its jobformidlere?"""
    assert _by_key(ind.indicators(world.a, NOV_1, NOV_30, TODAY)) == TEAM_A
    team_b = _by_key(ind.indicators(world.b, NOV_1, NOV_30, TODAY))
    for key, expected in ALL.items():  # the two teams add up to the whole
        assert team_b[key].numerator + TEAM_A[key].numerator == expected.numerator, key
        assert team_b[key].denominator + TEAM_A[key].denominator == expected.denominator, key


def test_shares_and_targets(world):
    """Are the shares exact and compared with the programme targets (none for two of them)?"""
    result = {i.key: i for i in ind.indicators(world.a, NOV_1, NOV_30, TODAY)}
    on_site = result["monthly_on_site"]
    assert on_site.share == Decimal("0.8") and on_site.target == Decimal("0.7") and on_site.meets_target
    assert on_site.percent == 80
    agreement = result["agreement_before_start"]
    assert agreement.share == Decimal(1) / Decimal(3) and agreement.percent == 33
    assert agreement.meets_target is False
    assert result["hours_discussed"].meets_target is False  # 6 of 7 = 86 % < 90 %
    assert result["in_company_course"].meets_target is True  # 8 of 13 = 62 % ≥ 40 %
    assert result["with_paid_hours"].target is None and result["with_paid_hours"].meets_target is None
    assert result["completed_30_hours"].share == Decimal("0.5")
    assert result["completed_30_hours"].meets_target is None


def test_no_data_is_none_not_zero(app):
    """With no citizens, courses or visits, is every share None ("no data") rather than 0 or an error?"""
    make_user()
    result = ind.indicators(None, NOV_1, NOV_30, TODAY)
    assert [(i.numerator, i.denominator) for i in result] == [(0, 0)] * len(ind.KEYS)
    assert all(i.share is None and i.percent is None and i.meets_target is None for i in result)


def test_courses_without_visits_have_no_visit_data(app):
    """With courses but no visits at all, is hours_discussed "no data" and monthly on-site 0 of n?"""
    mette = make_user()
    course(citizen(mette, "Anna"), date(2026, 9, 1))
    result = {i.key: i for i in ind.indicators(None, NOV_1, NOV_30, TODAY)}
    assert result["hours_discussed"].share is None
    assert (result["monthly_on_site"].numerator, result["monthly_on_site"].denominator) == (0, 1)
    assert result["monthly_on_site"].share == Decimal(0) and result["monthly_on_site"].meets_target is False


def test_an_empty_team_and_a_future_period_have_no_data(world):
    """Does an empty scope, or a period that has not begun, count nothing?"""
    assert all(i.denominator == 0 for i in ind.indicators(frozenset(), NOV_1, NOV_30, TODAY))
    december = ind.indicators(None, date(2026, 12, 1), date(2026, 12, 31), TODAY)
    assert all(i.denominator == 0 for i in december)


def test_asking_for_some_keys(world):
    """Can the caller ask for some indicators only, in its own order?"""
    result = ind.indicators(None, NOV_1, NOV_30, TODAY, keys=["completed_30_hours", "hours_discussed"])
    assert _by_key(result) == {k: ALL[k] for k in ("completed_30_hours", "hours_discussed")}
    assert [i.key for i in result] == ["completed_30_hours", "hours_discussed"]
    assert ind.indicator("fixed_contact", None, NOV_1, NOV_30, TODAY).numerator == 10


def _names(key, part, scope):
    query = ind.indicator_citizens(key, part, scope, NOV_1, NOV_30, TODAY)
    return [c.first_name for c in db.session.scalars(query)]


@pytest.mark.parametrize(
    ("key", "part", "names"),
    [
        ("monthly_on_site", "missing", ["Cecilie", "Per"]),
        ("monthly_on_site", "numerator", ["Anna", "Dorthe", "Frida", "Ida"]),
        ("agreement_before_start", "numerator", ["Jens", "Lars"]),
        ("agreement_before_start", "missing", ["Bo", "Karen"]),
        ("fixed_contact", "missing", ["Bo", "Erik", "Per"]),
        ("hours_discussed", "missing", ["Cecilie", "Lars"]),
        # Cecilie had one visit with hours discussed and one without: she is in both lists.
        ("hours_discussed", "numerator", ["Anna", "Cecilie", "Dorthe", "Frida", "Jens"]),
        ("in_company_course", "missing", ["Erik", "Gustav", "Karen", "Mads", "Nina"]),
        ("with_paid_hours", "missing", ["Bo", "Dorthe", "Jens", "Per"]),
        ("completed_30_hours", "denominator", ["Erik", "Frida", "Karen", "Mads"]),
        ("completed_30_hours", "numerator", ["Frida", "Mads"]),
    ],
)
def test_the_citizens_behind_an_indicator(world, key, part, names):
    """Does the drill-down list exactly the citizens behind the numerator, denominator or the missing?"""
    assert _names(key, part, None) == names


def test_the_drill_down_keeps_to_the_scope(world):
    """Does a team's drill-down leave out the other team's citizens?"""
    assert _names("fixed_contact", "missing", world.a) == ["Bo", "Erik"]
    assert _names("monthly_on_site", "missing", world.b) == ["Per"]
    future = ind.indicator_citizens(
        "fixed_contact", "denominator", None, date(2027, 1, 1), date(2027, 1, 31), TODAY
    )
    assert db.session.scalars(future).all() == []


def test_the_drill_down_matches_the_counts(world):
    """For citizen indicators, is the number of listed citizens the count itself?"""
    for i in ind.indicators(world.a, NOV_1, NOV_30, TODAY):
        if ind.DEFINITIONS[i.key].level is ind.Level.CITIZEN:
            assert len(_names(i.key, "numerator", world.a)) == i.numerator, i.key
            assert len(_names(i.key, "denominator", world.a)) == i.denominator, i.key


def test_monthly_trend(world):
    """Does the trend measure each calendar month on its own last day, the current one on today?

    October for team A, measured on 31.10: in follow-up, a month old and in the first year are Anna,
    Cecilie, Dorthe, Erik (broken off only in November), Frida, Mads (ended 13 Nov) and Ole (a year only
    in November); Ida started 23 Oct. On site by their own jobformidler 1-31 Oct: Cecilie (23 Oct), Erik
    (20 Oct), Frida (6 Oct). Visits: September one (hours not discussed), October four (Cecilie 23 Oct,
    Erik, Frida, Ida; hours discussed with Erik and Frida).
    """
    trend = ind.monthly_trend(world.a, 3, TODAY, keys=["monthly_on_site", "hours_discussed"])
    assert [month for month, _ in trend] == [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]
    rows = [{i.key: (i.numerator, i.denominator) for i in values} for _, values in trend]
    assert rows[1] == {"monthly_on_site": (3, 7), "hours_discussed": (2, 4)}
    assert rows[0]["hours_discussed"] == (0, 1)
    november = {i.key: (i.numerator, i.denominator) for i in ind.indicators(world.a, NOV_1, NOV_30, TODAY)}
    assert rows[2] == {k: november[k] for k in rows[2]}


def test_trend_months_across_a_year_end(app):
    """Are the last 12 months the calendar months back into last year, oldest first?"""
    starts = ind.month_starts(12, date(2027, 1, 31))
    assert starts[0] == date(2026, 2, 1) and starts[-1] == date(2027, 1, 1) and len(starts) == 12


def test_a_visit_late_on_the_last_evening_of_a_month(app):
    """Does a visit at 23:30 on 31 October (22:30 UTC) count in October, and one at 00:30 on 1 November
    (23:30 UTC the day before) in November?"""
    mette = make_user()
    p = course(citizen(mette, "Anna"), date(2026, 9, 1))
    visit(p, mette, None, discussed=True, performed_at=at(date(2026, 10, 31), 23, 30))
    visit(p, mette, None, performed_at=at(date(2026, 11, 1), 0, 30))
    october = ind.indicator("hours_discussed", None, date(2026, 10, 1), date(2026, 10, 31), TODAY)
    november = ind.indicator("hours_discussed", None, NOV_1, NOV_30, TODAY)
    assert (october.numerator, october.denominator) == (1, 1)
    assert (november.numerator, november.denominator) == (0, 1)


def test_a_month_of_running_across_a_leap_day(app):
    """Measured on 31.03.2028, has a course from 29.02.2028 run a month, and one from 01.03.2028 not?"""
    mette = make_user()
    course(citizen(mette, "Anna"), date(2028, 2, 29))
    course(citizen(mette, "Bo"), date(2028, 3, 1))
    march = ind.indicator_citizens(
        "monthly_on_site", "denominator", None, date(2028, 3, 1), date(2028, 3, 31), date(2028, 4, 15)
    )
    assert [c.first_name for c in db.session.scalars(march)] == ["Anna"]


def test_the_on_site_window_is_31_days(app):
    """On 23.11, does an own on-site visit on 24.10 count and one on 23.10 not?"""
    mette = make_user()
    for name, day in (("Anna", date(2026, 10, 24)), ("Bo", date(2026, 10, 23))):
        visit(course(citizen(mette, name), date(2026, 8, 3)), mette, day)
    assert _names("monthly_on_site", "numerator", None) == ["Anna"]


def test_the_goal_threshold_follows_monthly_hours(app):
    """Is a course "ended by reaching the goal" on the visit whose hours make at least 30 a month
    (6.93 a week, 30.03), and not on one just under it (6.92, 29.99), as course_progress decides?"""
    mette = make_user()
    for name, weekly in (("Anna", "6.93"), ("Bo", "6.92")):
        p = course(citizen(mette, name), date(2026, 5, 4), status=PlacementStatus.COMPLETED)
        visit(p, mette, date(2026, 11, 10), paid=weekly)
    assert _names("completed_30_hours", "denominator", None) == ["Anna"]


def test_the_trend_agrees_with_each_months_indicators(world):
    """Is every month of the trend (all counted in one query per row type) what `indicators` gives for that
    month alone?"""
    trend = ind.monthly_trend(None, 4, TODAY)
    for month, values in trend:
        month_end = add_months(month, 1) - timedelta(days=1)
        assert values == ind.indicators(None, month, month_end, TODAY), month
    assert sum(i.denominator for _, values in trend for i in values) > 0
