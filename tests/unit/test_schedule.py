"""The follow-up plan's date arithmetic."""

from datetime import date

import pytest

from app.placements.schedule import FollowUpRule, add_months, default_rules, plan_dates


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),  # month end clamps
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day a year on
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),  # across the year
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_add_months(start, months, expected):
    """Does adding months keep the day, clamped to the end of shorter months?"""
    assert add_months(start, months) == expected


def test_default_plan_is_one_week_one_month_three_months_then_monthly():
    """Does a course get visits at 1 week, 1 month, 3 months, then monthly to 12 months?"""
    plan = plan_dates(date(2026, 1, 5))
    assert [code for code, _ in plan] == ["7d", "1m"] + [f"{m}m" for m in range(3, 13)]
    assert plan[0][1] == date(2026, 1, 12)
    assert plan[1][1] == date(2026, 2, 5)
    assert plan[2][1] == date(2026, 4, 5)
    assert plan[-1][1] == date(2027, 1, 5)


def test_plan_from_a_month_end_start():
    """Does a course starting 31 January get its visits at each month's end?"""
    dates = dict(plan_dates(date(2024, 1, 31)))
    assert dates["1m"] == date(2024, 2, 29)
    assert dates["3m"] == date(2024, 4, 30)
    assert dates["12m"] == date(2025, 1, 31)


def test_custom_rules_are_sorted_by_date():
    """Are rules given out of order still planned in date order?"""
    rules = [FollowUpRule(months=2), FollowUpRule(days=14)]
    assert plan_dates(date(2026, 1, 1), rules) == [("14d", date(2026, 1, 15)), ("2m", date(2026, 3, 1))]


def test_rule_codes():
    """Is each rule's code language-neutral and unambiguous?"""
    assert FollowUpRule(days=7).code == "7d"
    assert FollowUpRule(months=3).code == "3m"
    assert FollowUpRule(months=1, days=3).code == "1m3d"
    assert len(default_rules(6)) == 6
