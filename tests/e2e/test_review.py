"""The leder's review in the browser: the dashboard at phone and desktop width, the history narrowed to one
jobformidler, and a visit's sealed PDF opened from it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Role, VisitState
from app.models.base import utcnow
from app.reports.seal import verify
from app.reports.services import produce_document
from tests.e2e.conftest import htmx_settled, screenshot
from tests.factories import PASSWORD, make_citizen, make_placement, make_team, make_user, make_visit
from tests.visit_helpers import course

pytestmark = pytest.mark.e2e


@pytest.fixture
def team(app):
    """A team: Mette with Ali (a signed visit with its sealed summary), Jonas with Bodil."""
    nord = make_team(name="Team Nord")
    make_user(Role.SUPERVISOR, username="leder", full_name="Lene Leder", team=nord)
    mette, ali = course(username="mette")
    mette.team = nord
    jonas = make_user(username="jonas", full_name="Jonas Berg", team=nord)
    bodil = make_placement(make_citizen(jonas, first_name="Bodil", last_name="Berg"))
    db.session.commit()
    signed = make_visit(ali, mette, state=VisitState.SIGNED, performed_at=utcnow() - timedelta(days=3))
    make_visit(ali, mette, performed_at=utcnow() - timedelta(days=40), on_site=False)
    make_visit(bodil, jonas, performed_at=utcnow() - timedelta(days=5))
    document = produce_document(signed)
    return {"signed": signed, "reference": document.reference}


def _log_in(page: Page, server: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("leder")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_leder_dashboard_history_and_pdf(page: Page, server: str, team, context):
    """Does the leder land on the dashboard, narrow the history to one jobformidler and open a sealed PDF?"""
    _log_in(page, server)
    expect(page.get_by_role("heading", name="Indikatorer")).to_be_visible()
    expect(page.locator("#trend svg")).to_be_visible(timeout=15000)  # loaded on its own
    expect(page.locator("#indicator-hours_discussed .indicator-value")).to_have_text("0 %")
    screenshot(page, "dashboard-phone")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(page.locator("#trend svg")).to_be_visible(timeout=15000)
    screenshot(page, "dashboard-desktop")
    page.set_viewport_size({"width": 390, "height": 844})

    page.get_by_role("link", name="Besøg", exact=True).click()
    expect(page.get_by_role("heading", name="Besøgshistorik")).to_be_visible()
    expect(page.locator("#history-count")).to_contain_text("3 besøg")
    htmx_settled(page)
    page.get_by_label("Jobformidler").select_option(label="Mette Sørensen")
    expect(page.locator("#history-count")).to_contain_text("2 besøg")
    expect(page.locator("#history-rows")).not_to_contain_text("Bodil Berg")
    assert "jobformidler=" in page.url  # the filter is in the address, so back and reload keep it
    screenshot(page, "history-phone")

    link = page.locator("#history-rows").get_by_role("link", name="PDF")
    expect(link).to_have_count(1)
    response = page.request.get(server + link.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    result = verify(response.body())
    assert result.valid and result.reference == team["reference"]

    page.locator("#history-rows").get_by_role("link", name="Åbn").first.click()
    expect(page.get_by_role("heading", name="Journalnotat")).to_be_visible()
    expect(page.locator("#journal-text")).to_have_value(re.compile(r"^Opfølgning \d\d\.\d\d\.\d{4}\n"))
