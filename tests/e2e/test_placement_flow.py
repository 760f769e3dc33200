"""A jobformidler on a phone creates a course; its first visit shows on the home page."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.core.formatting import date_short
from app.core.timeutil import local_today
from app.models import CitizenStatus
from tests.e2e.conftest import htmx_settled, screenshot
from tests.factories import PASSWORD, make_citizen, make_contact, make_user, make_workplace

pytestmark = pytest.mark.e2e


@pytest.fixture
def setup(app):
    me = make_user(username="jobformidler", full_name="Mette Sørensen")
    citizen = make_citizen(me, first_name="Ali", last_name="Khan", status=CitizenStatus.MATCHING)
    workplace = make_workplace(name="Butikken", address="Bryggergade 12", city="Herning")
    make_contact(workplace.company, name="Hanne Jensen")
    return citizen, workplace


def test_create_a_course_and_see_its_first_visit_in_the_coming_week(page: Page, server: str, setup, app):
    """Does a course created through the form put its first visit under "Kommende 7 dage"?"""
    citizen, _ = setup
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator("#agenda-upcoming")).to_contain_text("Intet planlagt de kommende 7 dage.")

    page.goto(f"{server}/borgere/{citizen.id}")
    page.get_by_role("link", name="Nyt forløb").click()
    expect(page.get_by_label("Arbejdssted")).to_be_visible()
    htmx_settled(page)
    page.get_by_label("Virksomhedspraktik").check()
    page.get_by_label("Arbejdssted").select_option(label="Butikken, Herning")
    # htmx fetches the company's contact persons when the workplace is chosen.
    expect(page.get_by_label("Fast kontaktperson i virksomheden")).to_contain_text("Hanne Jensen")
    page.get_by_label("Fast kontaktperson i virksomheden").select_option(label="Hanne Jensen")
    today = local_today()
    page.get_by_label("Startdato").fill(today.isoformat())
    page.get_by_label("Aftalt slutdato").fill((today + timedelta(weeks=13)).isoformat())
    page.get_by_label("Dato for den skriftlige aftale").fill((today - timedelta(days=2)).isoformat())
    page.get_by_label("(a) Job og ordinære timer").check()
    page.get_by_label("Praktiktimer pr. uge").fill("15")
    page.get_by_label("Arbejdsopgaver").fill("Varemodtagelse og opfyldning")
    screenshot(page, "placement-form-phone")
    page.get_by_role("button", name="Gem").click()

    expect(page.get_by_text("Forløbet er oprettet, og opfølgningsbesøgene er planlagt.")).to_be_visible()
    expect(page.locator("#schedule")).to_contain_text("1 uge")
    screenshot(page, "placement-detail-phone")

    page.get_by_role("link", name="I dag").click()
    upcoming = page.locator("#agenda-upcoming")
    expect(upcoming).to_contain_text("Ali Khan")
    expect(upcoming).to_contain_text("Bryggergade 12")
    first_visit = today + timedelta(days=7)
    expect(upcoming).to_contain_text(f"{first_visit.day:02d}.{first_visit.month:02d}")
    expect(upcoming).to_contain_text(f"uge {first_visit.isocalendar().week}")
    assert date_short(first_visit)
    screenshot(page, "home-phone")


def test_move_a_visit_in_the_plan(page: Page, server: str, setup, app):
    """Can the jobformidler move a planned visit from the course page without leaving it (htmx)?"""
    from app.models import PlacementKind
    from app.placements.services import create_placement

    citizen, workplace = setup
    today = local_today()
    placement = create_placement(
        citizen,
        {
            "kind": PlacementKind.SMALL_JOB,
            "workplace_id": workplace.id,
            "start_date": today,
            "paid_hours_per_week": 4,
        },
        citizen.jobformidler,
        today,
    )
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.goto(f"{server}/forloeb/{placement.id}")
    first = page.locator(".plan-item").first
    first.get_by_text("Flyt eller aflys").click()
    new_date = today + timedelta(days=9)
    first.get_by_label("Ny dato").fill(new_date.isoformat())
    first.get_by_label("Årsag (valgfri)").fill("Kontaktpersonen holder ferie")
    first.get_by_role("button", name="Flyt", exact=True).click()
    expect(page.locator("#schedule")).to_contain_text("Kontaktpersonen holder ferie")
    expect(page.locator("#schedule")).to_contain_text(f"Flyttet fra {date_short(today + timedelta(days=7))}")
