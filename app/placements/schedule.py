"""The efterværn follow-up plan: which visits a course gets, and when.

Pure date arithmetic with no database access, so it is tested directly.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


def add_months(start: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class FollowUpRule:
    """One step of the plan: a visit `days` and `months` after the start of employment."""

    days: int = 0
    months: int = 0

    @property
    def code(self) -> str:
        """A language-neutral label kept on the scheduled visit, e.g. "7d" or "3m"."""
        return (
            f"{self.months}m"
            if not self.days
            else f"{self.days}d"
            if not self.months
            else (f"{self.months}m{self.days}d")
        )

    def due_date(self, start: date) -> date:
        return add_months(start, self.months) + timedelta(days=self.days)


def default_rules(last_month: int = 12) -> list[FollowUpRule]:
    """After 1 week, 1 month and 3 months, then monthly until `last_month` months after the start."""
    return [FollowUpRule(days=7), FollowUpRule(months=1)] + [
        FollowUpRule(months=m) for m in range(3, last_month + 1)
    ]


def plan_dates(start: date, rules: list[FollowUpRule] | None = None) -> list[tuple[str, date]]:
    """The (code, due date) pairs of a course that starts on `start`, in date order."""
    rules = default_rules() if rules is None else rules
    return sorted(((r.code, r.due_date(start)) for r in rules), key=lambda pair: pair[1])
