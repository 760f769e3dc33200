"""The SVG charts, read back as XML: accessibility, series, goal and target lines, escaping."""

import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from app.models import PlacementKind
from app.supervision import charts
from app.supervision.hours import HoursPoint, Trajectory
from app.supervision.indicators import Indicator

TODAY = date(2026, 11, 23)
NS = {"svg": "http://www.w3.org/2000/svg"}
NASTY = 'Ane <&> "Bo"'


def trajectory(kind=PlacementKind.MIXED, end=None, paid=("4", "5", "7.5"), internship=("11", "10", "10")):
    days = (date(2026, 6, 1), date(2026, 7, 3), date(2026, 9, 14))
    points = tuple(
        HoursPoint(day, Decimal(p), Decimal(i), is_agreement=n == 0)
        for n, (day, p, i) in enumerate(zip(days, paid, internship, strict=True))
    )
    return Trajectory(7, kind, days[0], end, points)


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def tick_positions(root: ET.Element) -> list[tuple[str, float]]:
    """The y axis's labels and the y of their grid lines (a label sits 4 units below its line)."""
    axis = root.find("svg:g[@class='y-axis']", NS)
    return [(t.text, float(t.get("y")) - 4) for t in axis.findall("svg:text", NS)]


def assert_accessible(root: ET.Element, chart_id: str) -> None:
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    title, desc = root[0], root[1]
    assert (title.tag, title.get("id")) == (f"{{{NS['svg']}}}title", f"{chart_id}-title")
    assert (desc.tag, desc.get("id")) == (f"{{{NS['svg']}}}desc", f"{chart_id}-desc")
    assert desc.text.strip()
    # Responsive: a viewBox and no fixed size; no style attribute a strict CSP would block.
    assert root.get("viewBox") and root.get("width") is None and root.get("height") is None
    assert "style=" not in ET.tostring(root, encoding="unicode")


def test_hours_chart_is_an_accessible_image(app):
    """Is the chart role=img with a title and description named by aria-labelledby, sized by viewBox?"""
    root = parse(charts.hours_chart(trajectory(), TODAY))
    assert_accessible(root, "hours-chart-7")
    assert root.find("svg:title", NS).text == "Ordinære timer og praktiktimer om måneden"


def test_hours_chart_escapes_a_name(app):
    """Is a name with <, & and quotes escaped in the title (and read back unchanged)?"""
    svg = charts.hours_chart(trajectory(), TODAY, title=f"Timer for {NASTY}", chart_id='h"1')
    assert "Ane &lt;&amp;&gt; &#34;Bo&#34;" in str(svg) and NASTY not in str(svg)
    root = parse(svg)
    assert root.find("svg:title", NS).text == f"Timer for {NASTY}"
    assert root.get("aria-labelledby") == 'h"1-title h"1-desc'


def test_hours_chart_draws_two_step_series_told_apart_without_colour(app):
    """Two step lines with different colours AND dash patterns, one marker per point (circle/square)?"""
    root = parse(charts.hours_chart(trajectory(), TODAY))
    paid = root.find("svg:path[@class='series series-paid']", NS)
    internship = root.find("svg:path[@class='series series-internship']", NS)
    assert len(root.findall("svg:path", NS)) == 2
    assert paid.get("stroke") != internship.get("stroke")
    assert paid.get("stroke-dasharray") is None and internship.get("stroke-dasharray")
    # A step line: one vertical move per later point, then on to the right edge (today).
    assert paid.get("d").count("V") == 2 and paid.get("d").endswith(f"H{charts.HOURS_PLOT.right:g}")
    assert len(root.findall("svg:g[@class='markers markers-paid']/svg:circle", NS)) == 3
    assert len(root.findall("svg:g[@class='markers markers-internship']/svg:rect", NS)) == 3


def test_the_goal_line_sits_at_30_hours_a_month(app):
    """Is the dashed goal line at 30 on the hour axis (interpolated between the 0 and top ticks)?"""
    root = parse(charts.hours_chart(trajectory(), TODAY))
    ticks = tick_positions(root)
    # Internship 47.6 a month at most (11 a week, rounded down), with 5 % room: the axis ends at 50.
    assert [label for label, _ in ticks] == ["0", "10", "20", "30", "40", "50"]
    (_, y0), (top_label, y_top) = ticks[0], ticks[-1]
    goal = root.find("svg:line[@class='goal']", NS)
    expected = y0 - (y0 - y_top) * 30 / float(top_label)
    assert float(goal.get("y1")) == pytest.approx(expected, abs=0.1) and goal.get("y1") == goal.get("y2")
    assert goal.get("stroke-dasharray")


def test_the_paid_markers_sit_at_their_monthly_hours(app):
    """Is the last paid marker at 32.5 hours a month (7.5 a week × 52/12)?"""
    root = parse(charts.hours_chart(trajectory(), TODAY))
    (_, y0), (top_label, y_top) = tick_positions(root)[0], tick_positions(root)[-1]
    last = root.findall("svg:g[@class='markers markers-paid']/svg:circle", NS)[-1]
    assert float(last.get("cy")) == pytest.approx(y0 - (y0 - y_top) * 32.5 / float(top_label), abs=0.1)


def test_hours_chart_dates_and_description_are_danish(app):
    """Are axis dates dd.mm.yy from the start to today, and the description in Danish with decimal commas?"""
    root = parse(charts.hours_chart(trajectory(), TODAY))
    labels = [t.text for t in root.findall("svg:g[@class='x-axis']/svg:text", NS)]
    assert labels[0] == "01.06.26" and labels[-1] == "23.11.26"
    assert "01.07.26" in labels and len(labels) == len(set(labels))
    desc = root.find("svg:desc", NS).text
    assert "fra 01.06.26 til 23.11.26" in desc and "registreret ved 2 besøg" in desc
    assert "Ordinære timer: 17,3 ved start, 32,5 ved seneste registrering (14.09.26)" in desc
    assert "30 ordinære timer om måneden" in desc


def test_hours_chart_in_english(app):
    """Does an English user get English texts?"""
    with force_locale("en"):
        root = parse(charts.hours_chart(trajectory(), TODAY))
    assert root.find("svg:title", NS).text == "Paid and internship hours a month"
    assert "Ordinary paid hours: 17.3 at the start" in root.find("svg:desc", NS).text


def test_an_ended_course_runs_to_its_end_date(app):
    """Does the x axis of an ended course stop at its end date, not today?"""
    root = parse(charts.hours_chart(trajectory(end=date(2026, 10, 30)), TODAY))
    assert [t.text for t in root.findall("svg:g[@class='x-axis']/svg:text", NS)][-1] == "30.10.26"


def test_wage_subsidy_hours_are_named_as_such(app):
    """Are a wage-subsidy course's paid hours labelled as wage-subsidy hours, not ordinary ones?"""
    root = parse(charts.hours_chart(trajectory(kind=PlacementKind.WAGE_SUBSIDY), TODAY))
    legend = [t.text for t in root.findall("svg:g[@class='legend']/svg:text", NS)]
    assert legend[0] == "Timer med løntilskud om måneden"
    assert "Timer med løntilskud (ikke ordinære)" in root.find("svg:desc", NS).text


def test_the_hour_axis_grows_with_the_hours(app):
    """With 37 paid hours a week (160.3 a month), does the axis reach 200 and every marker stay inside?"""
    root = parse(charts.hours_chart(trajectory(paid=("37", "37", "37")), TODAY))
    assert [label for label, _ in tick_positions(root)] == ["0", "50", "100", "150", "200"]
    ys = [float(c.get("cy")) for c in root.findall("svg:g[@class='markers markers-paid']/svg:circle", NS)]
    assert all(charts.HOURS_PLOT.top <= y <= charts.HOURS_PLOT.bottom for y in ys)


def test_a_course_with_only_its_agreement(app):
    """Does a course with no visits yet draw one point per series and still a goal line?"""
    only = HoursPoint(TODAY, Decimal(0), Decimal(15), is_agreement=True)
    root = parse(charts.hours_chart(Trajectory(1, PlacementKind.INTERNSHIP, TODAY, None, (only,)), TODAY))
    assert len(root.findall("svg:g[@class='markers markers-paid']/svg:circle", NS)) == 1
    assert root.find("svg:line[@class='goal']", NS) is not None


# --- The trend chart -------------------------------------------------------------------------------

MONTHS = [date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)]


def trend():
    on_site = [(3, 4), (4, 5), (5, 6), (4, 5)]
    discussed = [(9, 10), (0, 0), (8, 10), (6, 7)]  # no visits in September: no data, a gap
    return [
        (
            month,
            [
                Indicator("monthly_on_site", *on_site[n], Decimal("0.7")),
                Indicator("hours_discussed", *discussed[n], Decimal("0.9")),
                Indicator("completed_30_hours", 0, 0, None),
            ],
        )
        for n, month in enumerate(MONTHS)
    ]


def test_trend_chart_is_accessible_and_escapes_its_title(app):
    """Is the trend chart an accessible image, with a title containing <&> escaped?"""
    svg = charts.trend_chart(trend(), ["monthly_on_site"], title=f"Team {NASTY}")
    assert "Team Ane &lt;&amp;&gt;" in str(svg)
    root = parse(svg)
    assert_accessible(root, "trend-chart")
    assert root.find("svg:title", NS).text == f"Team {NASTY}"


def test_trend_chart_series_gaps_and_markers(app):
    """One line per indicator with its own dash pattern; a month without data breaks the line."""
    root = parse(charts.trend_chart(trend(), ["monthly_on_site", "hours_discussed"]))
    on_site = root.find("svg:path[@class='series series-monthly_on_site']", NS)
    discussed = root.find("svg:path[@class='series series-hours_discussed']", NS)
    assert on_site.get("d").count("M") == 1 and on_site.get("d").count("L") == 3
    assert discussed.get("d").count("M") == 2 and discussed.get("d").count("L") == 1
    assert on_site.get("stroke-dasharray") != discussed.get("stroke-dasharray")
    assert len(root.findall("svg:g[@class='markers markers-monthly_on_site']/*", NS)) == 4
    assert len(root.findall("svg:g[@class='markers markers-hours_discussed']/*", NS)) == 3
    labels = [t.text for t in root.findall("svg:g[@class='x-axis']/svg:text", NS)]
    assert labels == ["aug. 26", "sep.", "okt.", "nov."]


def test_trend_chart_marks_each_target(app):
    """Is there a dashed target line at 70 % and one at 90 % on the 0-100 % axis?"""
    root = parse(charts.trend_chart(trend(), ["monthly_on_site", "hours_discussed", "completed_30_hours"]))
    ticks = tick_positions(root)
    assert len(ticks) == 5
    (_, y0), (_, y100) = ticks[0], ticks[-1]
    targets = sorted(float(line.get("y1")) for line in root.findall("svg:line[@class='target']", NS))
    assert targets == [
        pytest.approx(y0 - (y0 - y100) * 0.9, abs=0.1),
        pytest.approx(y0 - (y0 - y100) * 0.7, abs=0.1),
    ]
    desc = root.find("svg:desc", NS).text
    assert "75\xa0% i august 2026, 80\xa0% i november 2026. Mål 70\xa0%." in desc
    assert desc.endswith("med 30 ordinære timer om måneden: ingen data.")


def test_trend_chart_refuses_nothing_to_draw(app):
    """Is a chart without months or indicators, or with too many series, refused?"""
    with pytest.raises(ValueError):
        charts.trend_chart([], ["monthly_on_site"])
    with pytest.raises(ValueError):
        charts.trend_chart(trend(), [])
    with pytest.raises(ValueError):
        charts.trend_chart(trend(), ["monthly_on_site"] * 6)
