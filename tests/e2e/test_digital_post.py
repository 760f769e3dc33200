"""Digital Post in the browser at phone size: the job broker registers the citizen's CPR number, the visit
is signed on the phone, and the visit page shows the company's and the citizen's Digital Post status."""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.digital_post_server import _digital_post_certificates, digital_post_server  # noqa: F401
from tests.e2e.conftest import screenshot
from tests.e2e.test_accessibility import violations
from tests.e2e.test_signing import _draw, _login
from tests.visit_helpers import course, payload

pytestmark = pytest.mark.e2e

TYPED = "250989-1234"


@pytest.fixture
def visit(app, client, auth, digital_post_server, tmp_path_factory):  # noqa: F811
    """A completed visit of the job broker's citizen Ali Khan, Digital Post as the only channel."""
    app.instance_path = str(tmp_path_factory.getbasetemp() / "instance")
    app.config.update(digital_post_server.config(DELIVERY_CHANNELS=("digital_post",)))
    _, placement = course(username="jobformidler")
    auth.login("jobformidler")
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    return key, placement.citizen_id


def test_cpr_entered_visit_signed_and_both_digital_post_statuses_shown(
    page: Page,
    server: str,
    visit,
    digital_post_server,  # noqa: F811
):
    """Can the job broker register the CPR number (then shown only as registered), have both signers sign
    on the phone, and see on the visit page that Digital Post accepted the summary for the company and for
    the citizen, with the number nowhere on the page?"""
    key, citizen_id = visit
    _login(page, server)
    page.goto(f"{server}/borgere/{citizen_id}")
    expect(page.locator("#cpr-status")).to_contain_text("Intet CPR-nummer")
    page.get_by_role("link", name="Registrér CPR-nummer").click()
    assert violations(page) == []  # WCAG 2.1 A/AA, as tests/e2e/test_accessibility.py checks
    page.get_by_label("CPR-nummer").fill("12345")
    page.get_by_role("button", name="Gem CPR-nummer").click()
    expect(page.locator(".field-error")).to_contain_text("Et CPR-nummer består af 10 cifre")
    assert violations(page) == []
    page.get_by_label("CPR-nummer").fill(TYPED)
    page.get_by_role("button", name="Gem CPR-nummer").click()
    expect(page.locator("#cpr-status")).to_contain_text("CPR-nummer er registreret")
    assert "250989" not in page.content()

    for role, name in (("company_contact", "Kontaktperson"), ("citizen", "Borger")):
        page.goto(f"{server}/besoeg/{key}/underskriv/{role}")
        _draw(page)
        page.get_by_role("button", name="Underskriv", exact=True).click()
        # The last signature seals the summary and sends it before the answer (DELIVER_IN_BACKGROUND is off
        # in tests): a few seconds on a busy machine.
        expect(page.locator(".signature-line", has_text=name)).to_contain_text("Underskrevet", timeout=30_000)

    page.goto(f"{server}/besoeg/{key}")
    deliveries = page.locator("#deliveries")
    expect(deliveries.locator(".delivery")).to_have_count(2)
    company = deliveries.locator(".delivery", has_text="Kontaktperson")
    citizen = deliveries.locator(".delivery", has_text="Borger")
    expect(company).to_contain_text("Digital Post")
    expect(company).to_contain_text("CVR ")
    expect(company).to_contain_text("Modtaget af Digital Post")
    expect(citizen).to_contain_text("med CPR-nummer")
    expect(citizen).to_contain_text("Modtaget af Digital Post")
    assert "250989" not in page.content()
    assert len(digital_post_server.received) == 2
    assert violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, "digital-post-visit")
