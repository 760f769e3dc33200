"""What the supervisor's dashboard shows, gathered for one scope and period (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.contacts import indicators as contact_indicators
from app.placements.schedule import add_months
from app.supervision import discipline, indicators
from app.supervision.indicators import Indicator
from app.supervision.scope import Scope

# The periods the dashboard offers; the default is the last three months.
PERIODS = {
    "month": _l("This month"),
    "3m": _l("Last 3 months"),
    "12m": _l("Last 12 months"),
}
DEFAULT_PERIOD = "3m"
# The trend chart draws these, month by month (the chart takes at most five).
TREND_KEYS = ("monthly_on_site", "hours_discussed", "agreement_before_start")
TREND_MONTHS = 12
GAPS_SHOWN = 15


def period_bounds(period: str, today: date) -> tuple[date, date]:
    """The first and last day of a named period ending today."""
    if period == "month":
        return today.replace(day=1), today
    months = 12 if period == "12m" else 3
    return add_months(today, -months) + timedelta(days=1), today


@dataclass
class Dashboard:
    period: str
    start: date
    end: date
    indicators: list[Indicator]
    team: list[discipline.JobformidlerDiscipline]
    gaps: list[discipline.OnSiteGap]
    gaps_total: int

    @property
    def overdue_total(self) -> int:
        return sum(row.overdue for row in self.team)

    @property
    def over_cap(self) -> list[discipline.JobformidlerDiscipline]:
        return [row for row in self.team if row.over_cap]


def dashboard(scope: Scope, period: str, today: date) -> Dashboard:
    """The indicators for the period, each jobformidler's caseload and overdue visits, and the citizens
    longest without an on-site visit by their own jobformidler."""
    period = period if period in PERIODS else DEFAULT_PERIOD
    start, end = period_bounds(period, today)
    gaps = discipline.on_site_gaps(scope, today)
    return Dashboard(
        period=period,
        start=start,
        end=end,
        indicators=[
            *indicators.indicators(scope, start, end, today),
            *contact_indicators.indicators(scope, start, end, today, current_app.config["RUN_UP_WEEKS"]),
        ],
        team=discipline.jobformidler_overview(scope, today),
        gaps=gaps[:GAPS_SHOWN],
        gaps_total=len(gaps),
    )


def trend(scope: Scope, today: date) -> list[tuple[date, list[Indicator]]]:
    return indicators.monthly_trend(scope, TREND_MONTHS, today, keys=TREND_KEYS)
