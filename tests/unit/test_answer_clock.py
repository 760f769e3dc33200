"""The 24-hour answer's clock (app.contacts.services.answer_deadline), and the run-up weeks before a course.

Pure functions: fixed moments in Copenhagen time, no database and no frozen "today" involved.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.contacts.services import answer_deadline, hotline_until, is_working_day, run_up_weeks
from app.models import Placement

CPH = ZoneInfo("Europe/Copenhagen")


def at(*parts: int, fold: int = 0) -> datetime:
    return datetime(*parts, tzinfo=CPH, fold=fold)


def local(moment: datetime) -> datetime:
    return moment.astimezone(CPH)


@pytest.mark.parametrize(
    ("came_in", "due", "why"),
    [
        (at(2026, 11, 24, 14, 0), at(2026, 11, 25, 14, 0), "a Tuesday: the next day at the same time"),
        (at(2026, 11, 27, 14, 0), at(2026, 11, 30, 14, 0), "a Friday: the weekend does not run"),
        (at(2026, 11, 28, 10, 0), at(2026, 12, 1, 0, 0), "a Saturday: the clock starts Monday at 00:00"),
        (at(2026, 11, 29, 23, 59), at(2026, 12, 1, 0, 0), "a Sunday just before midnight"),
        (at(2026, 11, 24, 23, 30), at(2026, 11, 25, 23, 30), "late evening: across midnight"),
        (at(2026, 11, 24, 0, 0), at(2026, 11, 25, 0, 0), "exactly at midnight"),
        (at(2026, 5, 13, 9, 15), at(2026, 5, 15, 9, 15), "the day before Kristi himmelfartsdag (14.05.2026)"),
        (at(2026, 5, 14, 11, 0), at(2026, 5, 16, 0, 0), "on Kristi himmelfartsdag: Friday runs in full"),
        (at(2026, 4, 1, 12, 0), at(2026, 4, 7, 12, 0), "before Easter: skærtorsdag to 2. påskedag are off"),
        (
            at(2026, 12, 24, 10, 0),
            at(2026, 12, 28, 10, 0),
            "juleaftensdag: 25, 26 December, Sunday off",
        ),
        (at(2026, 12, 31, 10, 0), at(2027, 1, 4, 10, 0), "New Year's Eve: 1 January and the weekend are off"),
        (at(2026, 3, 27, 15, 0), at(2026, 3, 30, 15, 0), "the Friday before summer time begins (29.03.2026)"),
        (at(2026, 10, 23, 15, 0), at(2026, 10, 26, 15, 0), "the Friday before winter time (25.10.2026)"),
        (at(2026, 3, 29, 12, 0), at(2026, 3, 31, 0, 0), "on the Sunday summer time begins"),
        (at(2026, 10, 25, 2, 30, fold=1), at(2026, 10, 27, 0, 0), "in the repeated hour of winter time"),
    ],
)
def test_working_hours_leave_out_weekends_and_public_holidays(came_in, due, why):
    """Does the working-hours clock run only on Danish working days, whatever the day and time?"""
    assert local(answer_deadline(came_in, "working", CPH)) == due, why


def test_store_bededag_is_a_working_day_again():
    """Is Store Bededag (abolished from 2024) a working day, as the holiday library knows?"""
    assert is_working_day(date(2026, 5, 1)) is True  # the fourth Friday after Easter in 2026
    assert is_working_day(date(2026, 5, 14)) is False  # Kristi himmelfartsdag
    assert is_working_day(date(2026, 5, 1), ("public", "optional")) is False  # 1 May, optional day off


def test_optional_days_off_are_left_out_when_the_municipality_says_so():
    """With the optional days off, does Grundlovsdag (Friday 05.06.2026) not run?"""
    came_in = at(2026, 6, 4, 10, 0)
    assert local(answer_deadline(came_in, "working", CPH)) == at(2026, 6, 5, 10, 0)
    assert local(answer_deadline(came_in, "working", CPH, ("public", "optional"))) == at(2026, 6, 8, 10, 0)


@pytest.mark.parametrize(
    ("came_in", "due_utc", "why"),
    [
        (at(2026, 11, 27, 14, 0), datetime(2026, 11, 28, 13, 0, tzinfo=UTC), "a Friday: the weekend runs"),
        (at(2026, 11, 24, 23, 30), datetime(2026, 11, 25, 22, 30, tzinfo=UTC), "across midnight"),
        # 24 real hours: the clocks go forward at 02:00 on 29.03, so the wall clock shows 15:00.
        (at(2026, 3, 28, 14, 0), datetime(2026, 3, 29, 13, 0, tzinfo=UTC), "across the start of summer time"),
        # The clocks go back at 03:00 on 25.10, so the wall clock shows 13:00.
        (at(2026, 10, 24, 14, 0), datetime(2026, 10, 25, 12, 0, tzinfo=UTC), "across the end of summer time"),
        (at(2026, 5, 13, 9, 15), datetime(2026, 5, 14, 7, 15, tzinfo=UTC), "public holidays run too"),
    ],
)
def test_calendar_hours_are_24_real_hours(came_in, due_utc, why):
    """Does the calendar clock give exactly 24 elapsed hours, across midnight and both DST changes?"""
    due = answer_deadline(came_in, "calendar", CPH)
    assert due == due_utc, why
    assert due - came_in == timedelta(hours=24)


def test_dst_wall_clock_in_calendar_mode():
    """Does the wall clock read one hour later in spring and one hour earlier in autumn?"""
    assert local(answer_deadline(at(2026, 3, 28, 14, 0), "calendar", CPH)) == at(2026, 3, 29, 15, 0)
    assert local(answer_deadline(at(2026, 10, 24, 14, 0), "calendar", CPH)) == at(2026, 10, 25, 13, 0)


def test_a_naive_time_or_an_unknown_mode_is_refused():
    """Is a time without a zone, or a clock mode nobody configured, an error rather than a guess?"""
    with pytest.raises(ValueError):
        answer_deadline(datetime(2026, 11, 24, 14, 0), "working", CPH)
    with pytest.raises(ValueError):
        answer_deadline(at(2026, 11, 24, 14, 0), "weekdays", CPH)


def test_run_up_weeks_from_registration_to_the_start_week():
    """Are the run-up weeks the Monday–Sunday weeks before the start week, from the week the course was
    registered, at most four, each with its contacts?"""
    start = date(2026, 12, 16)  # a Wednesday in week 51
    weeks = run_up_weeks(
        start,
        registered_on=date(2026, 11, 26),  # Thursday in week 48
        contact_days=[date(2026, 11, 27), date(2026, 12, 9), date(2026, 12, 10), date(2026, 12, 14)],
        today=date(2026, 12, 6),
    )
    assert [w.iso_week for w in weeks] == [48, 49, 50]
    assert [w.contacts for w in weeks] == [1, 0, 2]  # the contact on 14.12 is in the start week
    assert [w.past for w in weeks] == [True, True, False]
    long_ago = run_up_weeks(start, date(2026, 9, 1), [], date(2026, 12, 8), max_weeks=4)
    assert [w.iso_week for w in long_ago] == [47, 48, 49, 50]
    assert (
        run_up_weeks(start, date(2026, 12, 14), [], date(2026, 12, 8)) == []
    )  # registered in the start week


def test_hotline_runs_three_months_from_the_start():
    """Does the hotline end the day before the same date three months on (or as configured)?"""
    course = Placement(start_date=date(2026, 11, 30))
    assert hotline_until(course, 3) == date(2027, 2, 27)
    assert hotline_until(Placement(start_date=date(2026, 1, 15)), 6) == date(2026, 7, 14)
