"""A jobformidler on a phone: log in, see the caseload, log out."""

import re

import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.e2e.conftest import htmx_settled, screenshot
from tests.factories import PASSWORD, make_citizen, make_placement, make_team, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def caseload(app):
    team = make_team(name="Virksomhedsteamet")
    mette = make_user(username="jobformidler", full_name="Mette Sørensen", team=team)
    colleague = make_user(username="kollega", team=team)
    make_user(Role.SUPERVISOR, username="leder", full_name="Lone Leder", team=team)
    ali = make_citizen(mette, first_name="Ali", last_name="Khan")
    make_placement(ali)
    make_citizen(mette, first_name="Birgitte", last_name="Holm")
    make_citizen(colleague, first_name="Carl", last_name="Dahl")
    return mette


def _login(page: Page, server: str, username: str) -> None:
    page.goto(server + "/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_log_in_see_caseload_log_out(page: Page, server: str, caseload):
    """On a phone-sized screen: does log-in show the own caseload, and log-out end the session?"""
    _login(page, server, "jobformidler")
    expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()
    expect(page.get_by_role("link", name="Ali Khan")).to_be_visible()
    expect(page.get_by_role("link", name="Birgitte Holm")).to_be_visible()
    expect(page.get_by_text("Carl Dahl")).to_have_count(0)
    expect(page.get_by_text("2 borgere")).to_be_visible()
    screenshot(page, "caseload-phone")

    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_text("Du er logget ud.")).to_be_visible()
    page.goto(server + "/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_live_search_narrows_the_caseload(page: Page, server: str, caseload):
    """Does typing in the search box narrow the list without a page load (htmx)?"""
    _login(page, server, "jobformidler")
    page.get_by_role("link", name="Borgere").click()
    expect(page.get_by_label("Søg på navn eller sagsnummer")).to_be_visible()
    htmx_settled(page)
    page.get_by_label("Søg på navn eller sagsnummer").fill("birg")
    expect(page.get_by_text("1 borger", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Birgitte Holm")).to_be_visible()
    expect(page.get_by_role("link", name="Ali Khan")).to_have_count(0)


def test_open_a_citizen(page: Page, server: str, caseload):
    """Does tapping a citizen open their page with the course?"""
    _login(page, server, "jobformidler")
    page.get_by_role("link", name="Ali Khan").click()
    expect(page.get_by_role("heading", name="Ali Khan")).to_be_visible()
    expect(page.get_by_role("heading", name="Forløb")).to_be_visible()
    screenshot(page, "citizen-phone")


def test_supervisor_sees_the_team(page: Page, server: str, caseload):
    """Does the supervisor land on the team's dashboard, and find every jobformidler's citizens on the
    team page?"""
    _login(page, server, "leder")
    expect(page.get_by_role("heading", name="Virksomhedsteamet")).to_be_visible()
    expect(page.get_by_role("heading", name="Indikatorer")).to_be_visible()
    page.get_by_role("link", name="Team", exact=True).click()
    expect(page.get_by_role("link", name="Carl Dahl")).to_be_visible()
    expect(page.get_by_role("link", name="Ali Khan")).to_be_visible()
    screenshot(page, "team-phone")
