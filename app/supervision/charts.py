"""Server-rendered SVG charts for the supervisor's pages: a course's hours, and a team's indicator trend.

Plain SVG strings with no library and no JavaScript. Every chart is an accessible image (`role="img"`,
`<title>` and `<desc>` named by `aria-labelledby`, the desc saying in words what the chart shows), scales
with its container (`viewBox`, no fixed width), tells its series apart by dash pattern and marker shape
as well as by colour, and styles itself with presentation attributes only (no `style`, so a strict
Content-Security-Policy holds). All text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import format_date, format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.formatting import hours as format_hours
from app.placements.services import GOAL_MONTHLY_PAID_HOURS
from app.supervision.hours import Trajectory
from app.supervision.indicators import LABELS, Indicator

SVG_NS = "http://www.w3.org/2000/svg"
TEXT = "#1a1a1a"
AXIS = "#595959"
GRID = "#d9d9d9"
# Colours with at least 3:1 contrast on white (WCAG 1.4.11), told apart by dash and marker too.
PALETTE = ("#005a9c", "#b34700", "#1b7a3d", "#7b2d8e", "#333333")
DASHES = ("", "9 4", "2 3", "12 3 3 3", "6 2")
MARKERS = ("circle", "square", "triangle", "diamond", "circle")
GOAL_DASH = "5 4"
TICK_STEPS = (5, 10, 20, 25, 50, 100, 200)
MAX_Y_TICKS = 6
MIN_TICK_GAP = 60  # a dd.mm.yy label is about 50 units wide


@dataclass(frozen=True)
class Plot:
    """The plotting area inside the viewBox."""

    left: float
    top: float
    right: float
    bottom: float

    def y(self, value: float, top_value: float) -> float:
        """The y coordinate of `value` on an axis from 0 (bottom) to `top_value` (top)."""
        return self.bottom - (self.bottom - self.top) * value / top_value


def _n(value: float) -> str:
    """A coordinate, to a tenth of a unit."""
    text = f"{value:.1f}"
    return "0" if text in ("0.0", "-0.0") else text.removesuffix(".0")


def short_date(day: date) -> str:
    """dd.mm.yy, the Danish short date."""
    return day.strftime("%d.%m.%y")


# --- Shared pieces ---------------------------------------------------------------------------------


def _open(chart_id: str, width: int, height: int, title: str, desc: str, css_class: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="{SVG_NS}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" class="chart {escape(css_class)}" font-size="12">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _text(x: float, y: float, content: str, anchor: str = "start", css_class: str = "") -> str:
    klass = f' class="{escape(css_class)}"' if css_class else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" fill="{TEXT}"{klass}>{escape(content)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, extra: str = "") -> str:
    return f'<line x1="{_n(x1)}" y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}" stroke="{stroke}"{extra}/>'


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def _reference_line(css_class: str) -> str:
    """The extra attributes of a goal or target line: thinner than a series, dashed."""
    return f' class="{css_class}" stroke-width="1.5"{_dash(GOAL_DASH)}'


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """A marker 7 units across; the shape tells the series apart without colour."""
    if shape == "square":
        return f'<rect x="{_n(x - 3.5)}" y="{_n(y - 3.5)}" width="7" height="7" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4)},{_n(y + 3)} {_n(x - 4)},{_n(y + 3)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if shape == "diamond":
        points = f"{_n(x)},{_n(y - 4.5)} {_n(x + 4.5)},{_n(y)} {_n(x)},{_n(y + 4.5)} {_n(x - 4.5)},{_n(y)}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{_n(x)}" cy="{_n(y)}" r="3.5" fill="{colour}"/>'


def _legend_entry(x: float, y: float, label: str, colour: str, dash: str, shape: str | None) -> list[str]:
    parts = [_line(x, y, x + 28, y, colour, f' stroke-width="2.5"{_dash(dash)}')]
    if shape:
        parts.append(_marker(shape, x + 14, y, colour))
    parts.append(_text(x + 34, y + 4, label))
    return parts


def _y_axis(plot: Plot, top_value: float, ticks: Sequence[float], label: Callable[[float], str]) -> list[str]:
    """Grid lines with their values, and the y axis."""
    parts = ['<g class="y-axis">']
    for tick in ticks:
        y = plot.y(tick, top_value)
        parts.append(_line(plot.left, y, plot.right, y, GRID))
        parts.append(_text(plot.left - 6, y + 4, label(tick), anchor="end", css_class="tick"))
    parts.append(_line(plot.left, plot.top, plot.left, plot.bottom, AXIS))
    parts.append("</g>")
    return parts


def _x_axis(plot: Plot, labelled: Sequence[tuple[float, str]]) -> list[str]:
    parts = ['<g class="x-axis">', _line(plot.left, plot.bottom, plot.right, plot.bottom, AXIS)]
    for x, label in labelled:
        parts.append(_line(x, plot.bottom, x, plot.bottom + 5, AXIS))
        parts.append(_text(x, plot.bottom + 19, label, anchor="middle", css_class="tick"))
    parts.append("</g>")
    return parts


# --- The hours chart -------------------------------------------------------------------------------

HOURS_WIDTH, HOURS_HEIGHT = 640, 366
HOURS_PLOT = Plot(left=56, top=34, right=612, bottom=280)


@dataclass(frozen=True)
class _Series:
    name: str
    label: str
    colour: str
    dash: str
    shape: str
    values: Sequence[Decimal]


def hours_scale(highest: Decimal | float) -> tuple[int, list[int]]:
    """The axis top and its ticks: the smallest step that needs at most six ticks from 0, always room for
    the goal (30) with a little air above the highest value."""
    need = max(float(highest) * 1.05, float(GOAL_MONTHLY_PAID_HOURS) * 1.2)
    for step in TICK_STEPS:
        top = step * math.ceil(need / step)
        if top // step + 1 <= MAX_Y_TICKS:
            return top, list(range(0, top + 1, step))
    step = TICK_STEPS[-1]
    top = step * math.ceil(need / step)
    return top, list(range(0, top + 1, step))


MAX_TICK_SPAN_DAYS = 20 * 366


def _date_ticks(first: date, last: date, x_of: Callable[[date], float]) -> list[tuple[float, str]]:
    """The first and last day, and between them the first days of months, left out where a label would
    come closer than 60 units to its neighbours."""
    months = []
    day = first.replace(day=1)
    # Month ticks over decades would all be left out anyway; odd stored dates (year 1) must not loop
    # through the calendar or past its end.
    while (last - first).days <= MAX_TICK_SPAN_DAYS and (
        day := date(day.year + day.month // 12, day.month % 12 + 1, 1)
    ) < last:
        months.append(day)
    labelled = [(x_of(first), short_date(first))]
    for month in months:
        x = x_of(month)
        if x - labelled[-1][0] >= MIN_TICK_GAP and x_of(last) - x >= MIN_TICK_GAP:
            labelled.append((x, short_date(month)))
    if last > first:
        labelled.append((x_of(last), short_date(last)))
    return labelled


def _step_path(points: Sequence[tuple[float, float]], right: float) -> str:
    """A step line: each value holds until the next, the last until `right`."""
    (x0, y0), *rest = points
    path = [f"M{_n(x0)} {_n(y0)}"]
    for x, y in rest:
        path.append(f"H{_n(x)} V{_n(y)}")
    path.append(f"H{_n(right)}")
    return " ".join(path)


def _hours_desc(trajectory: Trajectory, last_day: date) -> str:
    first, latest = trajectory.points[0], trajectory.points[-1]
    visits = len(trajectory.points) - 1
    parts = [
        ngettext(
            "Hours a month from %(start)s to %(end)s, as agreed at the start and reported at %(num)d visit.",
            "Hours a month from %(start)s to %(end)s, as agreed at the start and reported at %(num)d visits.",
            visits,
            start=short_date(trajectory.start),
            end=short_date(last_day),
        )
    ]
    values = {
        "first": format_hours(first.paid_monthly),
        "last": format_hours(latest.paid_monthly),
        "day": short_date(latest.day),
    }
    if trajectory.ordinary:
        parts.append(
            _(
                "Ordinary paid hours: %(first)s at the start, %(last)s at the latest report (%(day)s).",
                **values,
            )
        )
    else:
        parts.append(
            _(
                "Wage-subsidy hours (not ordinary): %(first)s at the start, %(last)s at the latest report "
                "(%(day)s).",
                **values,
            )
        )
    parts.append(
        _(
            "Internship hours: %(first)s at the start, %(last)s at the latest report (%(day)s).",
            first=format_hours(first.internship_monthly),
            last=format_hours(latest.internship_monthly),
            day=short_date(latest.day),
        )
    )
    parts.append(
        _(
            "The dashed line marks the goal of %(goal)s ordinary paid hours a month.",
            goal=format_hours(GOAL_MONTHLY_PAID_HOURS),
        )
    )
    return " ".join(parts)


def hours_chart(
    trajectory: Trajectory, until: date, *, title: str | None = None, chart_id: str | None = None
) -> Markup:
    """A course's paid and internship hours a month as two step lines, with the goal of 30 paid hours a
    month as a dashed line. The x axis runs from the start to the course's end date, else to `until`
    (today), and at least to the latest report. `chart_id` must be unique on the page (default from the
    course's id); `title` may contain a name, it is escaped."""
    plot = HOURS_PLOT
    points = trajectory.points
    first = trajectory.start
    last = max(trajectory.end or until, points[-1].day, first)
    span = max((last - first).days, 1)

    def x_of(day: date) -> float:
        return plot.left + (plot.right - plot.left) * (max(day, first) - first).days / span

    highest = max(max(p.paid_monthly, p.internship_monthly) for p in points)
    top, ticks = hours_scale(highest)
    cid = chart_id or f"hours-chart-{trajectory.placement_id}"
    paid_label = _("Ordinary paid hours a month") if trajectory.ordinary else _("Wage-subsidy hours a month")
    series = (
        _Series("paid", paid_label, PALETTE[0], DASHES[0], "circle", [p.paid_monthly for p in points]),
        _Series(
            "internship",
            _("Internship hours a month"),
            PALETTE[1],
            DASHES[1],
            "square",
            [p.internship_monthly for p in points],
        ),
    )
    svg = _open(
        cid,
        HOURS_WIDTH,
        HOURS_HEIGHT,
        title or _("Paid and internship hours a month"),
        _hours_desc(trajectory, last),
        "hours-chart",
    )
    svg.append(_text(plot.left, plot.top - 14, _("Hours a month"), css_class="axis-title"))
    svg += _y_axis(plot, top, ticks, format_hours)
    svg += _x_axis(plot, _date_ticks(first, last, x_of))
    goal_y = plot.y(float(GOAL_MONTHLY_PAID_HOURS), top)
    svg.append(_line(plot.left, goal_y, plot.right, goal_y, TEXT, _reference_line("goal")))
    for line in series:
        xy = [(x_of(p.day), plot.y(float(v), top)) for p, v in zip(points, line.values, strict=True)]
        svg.append(
            f'<path class="series series-{line.name}" d="{_step_path(xy, x_of(last))}" fill="none" '
            f'stroke="{line.colour}" stroke-width="2.5"{_dash(line.dash)}/>'
        )
        svg.append(f'<g class="markers markers-{line.name}">')
        svg += [_marker(line.shape, x, y, line.colour) for x, y in xy]
        svg.append("</g>")
    legend_y = plot.bottom + 48
    goal_text = _("Goal: %(hours)s paid hours a month", hours=format_hours(GOAL_MONTHLY_PAID_HOURS))
    svg.append('<g class="legend">')
    for x, line in zip((plot.left, plot.left + 240), series, strict=True):
        svg += _legend_entry(x, legend_y, line.label, line.colour, line.dash, line.shape)
    svg += _legend_entry(plot.left, legend_y + 22, goal_text, TEXT, GOAL_DASH, None)
    svg.append("</g></svg>")
    return Markup("".join(svg))


# --- The trend chart -------------------------------------------------------------------------------

TREND_WIDTH = 640
TREND_PLOT = Plot(left=48, top=20, right=540, bottom=200)
TREND_LEGEND_ROW = 20


def _series_desc(label: str, values: Sequence[tuple[date, Indicator]], target: Decimal | None) -> str:
    """One series in words: its first and latest month with data, and its target."""
    known = [(month, i) for month, i in values if i.share is not None]
    if not known:
        text = _("%(label)s: no data.", label=label)
    else:
        (first_month, first), (last_month, last) = known[0], known[-1]
        text = _(
            "%(label)s: %(first)s in %(first_month)s, %(last)s in %(last_month)s.",
            label=label,
            first=format_percent(first.share),
            first_month=format_date(first_month, "LLLL y"),
            last=format_percent(last.share),
            last_month=format_date(last_month, "LLLL y"),
        )
    if target is None:
        return text
    return f"{text} {_('Target %(share)s', share=format_percent(target))}."


def _month_label(month: date, first: bool) -> str:
    """ "nov." — with the year on the first month and on each January ("jan. 27"), so twelve fit."""
    return format_date(month, "LLL yy" if first or month.month == 1 else "LLL")


def _share_path(xy: Sequence[tuple[float, float] | None]) -> str:
    """A line through the months with data; a month without data breaks it."""
    parts, pen_down = [], False
    for point in xy:
        if point is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{_n(point[0])} {_n(point[1])}")
        pen_down = True
    return " ".join(parts)


def trend_chart(
    trend: Sequence[tuple[date, Sequence[Indicator]]],
    keys: Sequence[str],
    *,
    title: str | None = None,
    chart_id: str = "trend-chart",
) -> Markup:
    """The shares (0–100 %) of the indicators named in `keys`, month by month, from `monthly_trend`'s
    result; each target is a dashed grey line labelled with its value. At most five series."""
    if not trend or not keys or len(keys) > len(PALETTE):
        raise ValueError("a trend chart needs 1-5 indicators and at least one month")
    plot = TREND_PLOT
    months = [month for month, _values in trend]
    step = (plot.right - plot.left) / max(len(months) - 1, 1)

    def x_of(index: int) -> float:
        return plot.left + step * index if len(months) > 1 else (plot.left + plot.right) / 2

    by_key = {
        key: [(month, next(i for i in values if i.key == key)) for month, values in trend] for key in keys
    }
    targets = {key: by_key[key][0][1].target for key in keys}
    desc = " ".join(_series_desc(str(LABELS[key]), by_key[key], targets[key]) for key in keys)
    height = int(plot.bottom) + 44 + TREND_LEGEND_ROW * len(keys)
    svg = _open(chart_id, TREND_WIDTH, height, title or _("Indicators month by month"), desc, "trend-chart")
    svg += _y_axis(plot, 100, (0, 25, 50, 75, 100), lambda tick: format_percent(tick / 100))
    svg += _x_axis(plot, [(x_of(i), _month_label(month, i == 0)) for i, month in enumerate(months)])
    for target in sorted({t for t in targets.values() if t is not None}):
        y = plot.y(float(target) * 100, 100)
        svg.append(_line(plot.left, y, plot.right, y, AXIS, _reference_line("target")))
        svg.append(
            _text(
                plot.right + 6,
                y + 4,
                _("Target %(share)s", share=format_percent(target)),
                css_class="target-label",
            )
        )
    for n, key in enumerate(keys):
        colour, dash, shape = PALETTE[n], DASHES[n], MARKERS[n]
        xy = [
            None if i.share is None else (x_of(index), plot.y(float(i.share) * 100, 100))
            for index, (_month, i) in enumerate(by_key[key])
        ]
        svg.append(
            f'<path class="series series-{escape(key)}" d="{_share_path(xy)}" fill="none" stroke="{colour}" '
            f'stroke-width="2.5"{_dash(dash)}/>'
        )
        svg.append(f'<g class="markers markers-{escape(key)}">')
        svg += [_marker(shape, p[0], p[1], colour) for p in xy if p is not None]
        svg.append("</g>")
    svg.append('<g class="legend">')
    for n, key in enumerate(keys):
        label = str(LABELS[key])
        if targets[key] is not None:
            label = _("%(label)s (target %(share)s)", label=label, share=format_percent(targets[key]))
        y = plot.bottom + 44 + TREND_LEGEND_ROW * n
        svg += _legend_entry(plot.left, y, label, PALETTE[n], DASHES[n], MARKERS[n])
    svg.append("</g></svg>")
    return Markup("".join(svg))
