"""Danish dates, hours and plan labels."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale, format_date

from app.core.formatting import (
    date_long,
    date_short,
    date_weekday,
    datetime_short,
    days_since,
    device_datetime,
    device_time,
    hours,
    plan_label,
)
from app.core.timeutil import local_date, local_today
from app.extensions import db
from app.placements.services import course_progress
from tests.factories import make_citizen, make_placement, make_user, make_visit


def test_short_date_is_day_month_year_with_dots(app):
    """Is a date written 23.11.2026?"""
    assert date_short(date(2026, 11, 23)) == "23.11.2026"


def test_long_date_in_danish(app):
    """Is the long date 'mandag d. 23. november 2026'?"""
    with force_locale("da"):
        assert date_long(date(2026, 11, 23)) == "mandag d. 23. november 2026"
    with force_locale("en"):
        assert date_long(date(2026, 11, 23)) == "Monday 23 November 2026"


def test_times_are_local_24_hour(app):
    """Is a UTC timestamp shown in Copenhagen time on the 24-hour clock (winter and summer)?"""
    assert datetime_short(datetime(2026, 11, 23, 13, 5, tzinfo=UTC)) == "23.11.2026 14:05"
    assert datetime_short(datetime(2026, 7, 1, 13, 5, tzinfo=UTC)) == "01.07.2026 15:05"


def test_local_date_of_a_late_evening_utc_timestamp(app):
    """Is 23:30 UTC on 23 November already 24 November in Denmark?"""
    assert local_date(datetime(2026, 11, 23, 23, 30, tzinfo=UTC)) == date(2026, 11, 24)
    assert local_date("2026-11-23 23:30:00.000000") == date(2026, 11, 24)


@pytest.mark.parametrize(("value", "text"), [(Decimal("7.50"), "7,5"), (Decimal("30"), "30"), (None, "")])
def test_hours_use_a_decimal_comma(app, value, text):
    """Are hours written with a comma and no trailing zeros?"""
    with force_locale("da"):
        assert hours(value) == text


def test_plan_labels(app):
    """Are plan codes written as weeks and months in Danish, singular and plural?"""
    with force_locale("da"):
        assert plan_label("7d") == "1 uge"
        assert plan_label("1m") == "1 måned"
        assert plan_label("3m") == "3 måneder"
        assert plan_label("10d") == "10 dage"


def test_days_since(app):
    """Is the time since the last visit said plainly?"""
    today = date(2026, 11, 23)
    with force_locale("da"):
        assert days_since(None, today) == "aldrig besøgt"
        assert days_since(today, today) == "i dag"
        assert days_since(date(2026, 11, 20), today) == "for 3 dage siden"


def test_a_plan_date_in_another_year_shows_the_year(app):
    """Is a planned visit in another year than this one written with its year (fre. 22.01.2027 · uge 3),
    and one this year without?"""
    this_year = local_today().year
    other = date(this_year + 1, 1, 22)
    with force_locale("da"):
        assert (
            date_weekday(other)
            == f"{format_date(other, 'EEE')} 22.01.{this_year + 1} · uge {other.isocalendar().week}"
        )
        same = date(this_year, 6, 3)
        assert date_weekday(same) == f"{format_date(same, 'EEE')} 03.06 · uge {same.isocalendar().week}"


def test_device_times_are_shown_in_the_devices_own_time(app):
    """Is a signature drawn at 22:37 on a Danish phone shown as 22:37, and one drawn on a phone set to
    UTC+05:30 shown in that time with its offset?"""
    moment = datetime(2026, 12, 1, 21, 37, tzinfo=UTC)
    with app.test_request_context():
        assert device_datetime(moment, 60) == "01.12.2026 22:37"
        assert device_datetime(moment, None) == "01.12.2026 22:37"
        assert device_time(moment, 330) == "03:07 (UTC+05:30)"


def test_progress_is_measured_on_the_danish_day_of_the_latest_visit(app):
    """A visit at 00:30 Danish summer time is the day before in UTC: is its progress on the Danish day?"""
    jf = make_user()
    placement = make_placement(make_citizen(jf))
    make_visit(placement, jf, performed_at=datetime(2026, 7, 1, 22, 30, tzinfo=UTC), paid_hours_per_week=4)
    db.session.refresh(placement)
    assert course_progress(placement).measured_on == date(2026, 7, 2)
