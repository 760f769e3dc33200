"""Signatures in the browser: the pad survives a turn of the device; the company signs on its own tablet."""

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.models import Signature
from tests.e2e.conftest import PHONE, on_test_clock
from tests.factories import PASSWORD
from tests.visit_helpers import course, payload

pytestmark = pytest.mark.e2e

INK = """() => {
  const c = document.getElementById('signature-pad');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


@pytest.fixture
def visit(app, client, auth, monkeypatch):
    monkeypatch.setattr("app.sync.views.finish_signed_visit", lambda visit: None)
    _, placement = course(username="jobformidler")
    auth.login("jobformidler")
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    return key


def _login(page: Page, server: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def _draw(page: Page) -> None:
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.15, box["y"] + box["height"] * 0.6)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(
            box["x"] + box["width"] * (0.15 + 0.035 * step),
            box["y"] + box["height"] * (0.6 - (step % 4) * 0.08),
        )
    page.mouse.up()


def test_the_drawing_survives_turning_the_phone(page: Page, server: str, visit):
    """Is the signature still on the pad, and stored, after the phone turns to landscape and back?"""
    _login(page, server)
    page.goto(f"{server}/besoeg/{visit}/underskriv/company_contact")
    _draw(page)
    before = page.evaluate(INK)
    assert before > 100
    page.set_viewport_size({"width": PHONE["height"], "height": PHONE["width"]})  # landscape
    page.wait_for_timeout(200)
    assert page.evaluate(INK) > before  # the same drawing, scaled up to the wider pad
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(200)
    assert page.evaluate(INK) > before * 0.5
    page.get_by_role("button", name="Underskriv", exact=True).click()
    expect(page.locator(".signature-line", has_text="Kontaktperson")).to_contain_text("Underskrevet")
    signature = db.session.scalar(sa.select(Signature))
    assert sum(len(g["points"]) for g in signature.strokes) >= 15


def test_the_company_signs_on_its_own_tablet(page: Page, server: str, visit, browser: Browser):
    """Can the contact person sign in another browser through the link, without logging in, only once?"""
    _login(page, server)
    page.goto(f"{server}/besoeg/{visit}")
    page.locator(".signature-line", has_text="Kontaktperson").get_by_role(
        "button", name="Underskriv på virksomhedens tablet"
    ).click()
    expect(page.get_by_role("img", name="QR-kode til underskriftslinket")).to_be_visible()
    link = page.locator("#signing-link").get_attribute("href")
    assert re.search(r"/s/[\w-]{20,}$", link)

    tablet = on_test_clock(
        browser.new_context(viewport={"width": 800, "height": 1280}, locale="da-DK", has_touch=True)
    )
    other = tablet.new_page()
    other.goto(link)
    expect(other.get_by_role("heading", name="Referat af opfølgningsbesøget")).to_be_visible()
    expect(other.get_by_text("Note om ansvarlighed")).to_be_visible()
    expect(other.get_by_role("button", name="Log ud")).to_have_count(0)
    expect(other.get_by_label("Navn med blokbogstaver")).to_have_value("Hanne Jensen")
    _draw(other)
    other.get_by_role("button", name="Underskriv", exact=True).click()
    expect(other.get_by_text("Tak. Underskriften er gemt.")).to_be_visible()
    other.goto(link)
    expect(other.get_by_text("Underskriftslinket er allerede brugt.")).to_be_visible()
    tablet.close()

    page.goto(f"{server}/besoeg/{visit}")
    expect(page.locator(".signature-line", has_text="Kontaktperson")).to_contain_text("Hanne Jensen")
    assert db.session.scalar(sa.select(Signature.via_token)) is True
