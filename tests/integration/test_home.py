"""The jobformidler's home: today, overdue and the next 7 days, as a page and as htmx fragments."""

import json
import re
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.core.timeutil import local_today, zone
from app.extensions import db
from app.models import Citizen, Placement, PlacementStatus, ScheduledVisit, ScheduledVisitStatus
from tests.factories import (
    make_citizen,
    make_placement,
    make_scheduled_visit,
    make_user,
    make_visit,
    make_workplace,
)


@pytest.fixture
def day(app):
    today = local_today()
    me = make_user(username="mette", full_name="Mette Sørensen")
    other = make_user(username="jonas")

    def course(first_name, company_address="Bryggergade 12"):
        citizen = make_citizen(me, first_name=first_name, last_name="Hansen")
        return make_placement(citizen, workplace=make_workplace(address=company_address))

    ali, bodil, carl, dorte = course("Ali"), course("Bodil"), course("Carl"), course("Dorte")
    make_scheduled_visit(ali, today)
    make_scheduled_visit(bodil, today - timedelta(days=3))
    make_scheduled_visit(carl, today + timedelta(days=7))
    make_scheduled_visit(dorte, today + timedelta(days=8))  # beyond the week
    make_scheduled_visit(course("Erik"), today, status=ScheduledVisitStatus.CANCELLED)
    ended = course("Frida")
    ended.status = PlacementStatus.BROKEN_OFF
    make_scheduled_visit(ended, today)
    # Noon twelve Danish days ago: 12 × 24 hours back from late evening crosses midnight when the clocks
    # changed in between (found on 2026-10-25 at 23:30).
    twelve_days_ago = datetime.combine(today - timedelta(days=12), time(12, 0), tzinfo=zone())
    make_visit(ali, me, performed_at=twelve_days_ago)
    make_scheduled_visit(make_placement(make_citizen(other, first_name="Gustav")), today)
    return today


def _section(html: str, key: str) -> str:
    start = html.index(f'id="agenda-{key}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_home_shows_today_overdue_and_the_next_seven_days(client, auth, day):
    """Is each planned visit in the right section, with company, address and time since the last visit?"""
    auth.login("mette")
    html = client.get("/").text
    today, overdue, upcoming = (_section(html, k) for k in ("today", "overdue", "upcoming"))
    assert "Ali Hansen" in today and "Bryggergade 12" in today and "for 12 dage siden" in today
    assert "Bodil Hansen" in overdue and "3 dage forsinket" in overdue
    assert "Carl Hansen" in upcoming and f"uge {(day + timedelta(days=7)).isocalendar().week}" in upcoming
    assert "aldrig besøgt" in upcoming
    for absent in ("Dorte", "Erik", "Frida", "Gustav"):
        assert absent not in html.split('id="caseload-rows"')[0]  # not in the agenda


def test_home_headings_are_danish(client, auth, day):
    """Are the three sections headed I dag, Forsinkede and Kommende 7 dage?"""
    auth.login("mette")
    html = client.get("/").text
    for heading in ("I dag", "Forsinkede", "Kommende 7 dage", "Min sagsstamme"):
        assert heading in html


def test_agenda_fragment(client, auth, day):
    """Does htmx get only the agenda when it targets #agenda?"""
    auth.login("mette")
    response = client.get("/", headers={"HX-Request": "true", "HX-Target": "agenda"})
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith("{#") is False
    assert 'id="agenda"' in response.text and "Ali Hansen" in response.text
    assert 'id="caseload-rows"' not in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_caseload_fragment_of_home(client, auth, day):
    """Does htmx get only the caseload rows when it targets #caseload-rows?"""
    auth.login("mette")
    response = client.get("/", headers={"HX-Request": "true", "HX-Target": "caseload-rows"})
    assert "<html" not in response.text and 'id="agenda"' not in response.text
    assert 'id="caseload-rows"' in response.text and "Dorte Hansen" in response.text


def test_boosted_navigation_gets_the_whole_page(client, auth, day):
    """Does a boosted link (HX-Request without a known target) still get the whole page?"""
    auth.login("mette")
    response = client.get("/", headers={"HX-Request": "true", "HX-Boosted": "true", "HX-Target": "body"})
    assert "<html" in response.text


def test_empty_day(client, auth):
    """Does a jobformidler with nothing planned see friendly empty sections?"""
    make_user(username="ny")
    auth.login("ny")
    html = client.get("/").text
    assert "Ingen besøg planlagt i dag." in html
    assert "Ingen forsinkede besøg." in html


def test_a_course_completed_by_paid_hours_is_still_followed_up(client, auth, app):
    """Does a course that reached 30 paid hours a month keep its planned visits on the agenda (efterværn)?"""
    me = make_user(username="mette")
    placement = make_placement(make_citizen(me, first_name="Hassan"), status=PlacementStatus.COMPLETED)
    make_scheduled_visit(placement, local_today())
    auth.login("mette")
    assert "Hassan" in _section(client.get("/").text, "today")


def _prepare_urls(client) -> list[str]:
    return json.loads(re.search(r"data-urls='([^']*)'", client.get("/").text).group(1))


def _ids() -> dict[str, tuple[int, int, int]]:
    rows = db.session.execute(
        sa.select(Citizen.first_name, Citizen.id, Placement.id, ScheduledVisit.id)
        .join(Placement, Placement.citizen_id == Citizen.id)
        .join(ScheduledVisit, ScheduledVisit.placement_id == Placement.id)
    ).all()
    return {name: (citizen_id, placement_id, sv_id) for name, citizen_id, placement_id, sv_id in rows}


def test_prepare_the_day_names_the_coming_visits_of_the_own_caseload_only(client, auth, day):
    """Does "Forbered dagen" name, first, each coming visit's form, course page and citizen page (after
    the home page and the page of what waits on the device), then the user's other active courses, and
    nothing of others or of ended courses?"""
    auth.login("mette")
    urls = _prepare_urls(client)
    ids = _ids()
    expected = ["/", "/enhed"]
    for name in ("Ali", "Bodil", "Carl"):  # today, overdue, within the week
        citizen_id, placement_id, sv_id = ids[name]
        expected += [
            f"/besoeg/ny?forloeb={placement_id}&planlagt={sv_id}",
            f"/forloeb/{placement_id}",
            f"/borgere/{citizen_id}",
        ]
    assert sorted(urls[: len(expected)]) == sorted(expected)
    citizen_id, placement_id, sv_id = ids["Dorte"]  # her next visit is beyond the week
    assert urls[len(expected) : len(expected) + 3] == [
        f"/forloeb/{placement_id}",
        f"/borgere/{citizen_id}",
        f"/besoeg/ny?forloeb={placement_id}&planlagt={sv_id}",
    ]
    # Erik's course has no planned visit left: its pages come last, without a form.
    erik_citizen, erik_placement, _ = ids["Erik"]
    assert set(urls[len(expected) + 3 :]) == {f"/forloeb/{erik_placement}", f"/borgere/{erik_citizen}"}
    for name in ("Frida", "Gustav"):  # a broken-off course; another jobformidler's citizen
        assert not any(u.endswith(f"/{ids[name][0]}") or f"={ids[name][1]}&" in u for u in urls)
    for page in urls:  # every named page opens for the user (so the device can keep it)
        assert client.get(page).status_code == 200


def test_prepare_the_day_keeps_within_its_stated_bound(client, auth, day, app):
    """With a bound of 5 pages, are the 5 most needed named, and does the page state the bound?"""
    app.config["FIELD_PAGES_MAX"] = 5
    auth.login("mette")
    urls = _prepare_urls(client)
    assert len(urls) == 5 and urls[:2] == ["/", "/enhed"]
    assert "højst 5 sider" in client.get("/").text
