"""WCAG 2.1 A and AA checks by axe-core on the app's pages, at phone size, for every role.

axe-core (tests/vendor/axe.min.js, test-only) is evaluated in the page through the DevTools protocol, so
the app's Content-Security-Policy stays as it is. What axe cannot judge (plain language, sensible focus
order, how a screen reader reads a chart) still needs a person; this catches the regressions it can.
"""

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.models import Role
from tests.factories import PASSWORD, make_citizen_contact, make_team, make_user
from tests.visit_helpers import STROKES, course, first_visit_today, payload

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent.parent / "vendor" / "axe.min.js").read_text()
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
  return result.violations.map((v) => ({
    rule: v.id, impact: v.impact, help: v.help, where: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


def violations(page: Page) -> list[dict]:
    page.evaluate(AXE + "\n;0")
    return page.evaluate(RUN, WCAG_AA)


@pytest.fixture
def municipality(app):
    team = make_team(name="Virksomhedsteamet")
    me, placement = course(username="jobformidler")
    me.team = team
    first_visit_today(placement)
    make_citizen_contact(placement.citizen, me)  # "Venter på svar" on the home page, with its answer form
    make_user(Role.SUPERVISOR, username="leder", team=team)
    make_user(Role.ADMIN, username="admin")
    return placement


def _log_in(page: Page, server: str, username: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


def _check(page: Page, server: str, paths: list[str], ready: dict[str, str] | None = None) -> dict:
    found = {}
    for path in paths:
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        if ready and path in ready:
            expect(page.locator(ready[path]).first).to_be_visible()
        if problems := violations(page):
            found[path] = problems
    return found


def test_public_pages(page: Page, server: str, municipality):
    assert _check(page, server, ["/login", "/verify"]) == {}


def test_the_jobformidlers_pages(page: Page, server: str, municipality):
    placement = municipality
    _log_in(page, server, "jobformidler")
    visit_form = page.locator("#agenda-today").get_by_role("link", name="Start besøget").get_attribute("href")
    paths = [
        "/",
        "/borgere",
        f"/borgere/{placement.citizen_id}",
        f"/forloeb/{placement.id}",
        visit_form,
        "/virksomheder",
        f"/virksomheder/{placement.workplace.company_id}",
        "/kalender",
        "/konto/adgangskode",
        "/konto/kontaktoplysninger",
        "/enhed",
        f"/borgere/{placement.citizen_id}/kontakt",
    ]
    # A visit the company contact has signed and the citizen has not: its page and the ways to sign.
    key = uuid.uuid4()
    assert page.request.put(f"{server}/api/v1/visits/{key}", data=payload(placement)).status == 201
    signed = page.request.put(
        f"{server}/api/v1/visits/{key}/signatures/company_contact",
        data={"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200},
    )
    assert signed.status == 201
    paths += [
        f"/besoeg/{key}",
        f"/besoeg/{key}/underskriv/citizen",
        f"/besoeg/{key}/samtykke/citizen",
        f"/besoeg/{key}/traek-underskrifter-tilbage",
        f"/besoeg/{key}/sparring",
    ]
    assert _check(page, server, paths) == {}


def test_the_leders_pages(page: Page, server: str, municipality):
    _log_in(page, server, "leder")
    paths = [
        "/leder",
        "/team",
        "/leder/besoeg",
        "/adgangslog",
        "/leder/indikator/monthly_on_site",
        "/leder/indikator/answered_24h",
        "/leder/teammoeder",
    ]
    # The dashboard's trend chart arrives as a second request.
    assert _check(page, server, paths, ready={"/leder": "figure.chart"}) == {}


def test_the_administrators_pages_and_a_form_with_errors(page: Page, server: str, municipality):
    _log_in(page, server, "admin")
    paths = ["/admin/brugere", "/admin/brugere/ny", "/admin/opfoelgningsplan", "/admin/skabeloner"]
    assert _check(page, server, paths) == {}
    page.goto(server + "/admin/brugere/ny")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_text("Ret venligst de markerede felter nedenfor.")).to_be_visible()
    assert violations(page) == []
