"""The whole visit on a phone: open today's visit, fill every topic, two signatures, the sealed PDF."""

import io
import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.core.timeutil import local_today
from app.extensions import db
from app.models import Delivery, DeliveryStatus, Document, Visit, VisitState
from app.reports.seal import outside_event_loop, seal_key, verify
from tests.e2e.conftest import on_test_clock, screenshot
from tests.factories import PASSWORD
from tests.visit_helpers import course, first_visit_today

pytestmark = pytest.mark.e2e


@pytest.fixture
def today_visit(app, smtp_server):
    app.config.update(smtp_server.config)
    _, placement = course(username="jobformidler")
    first_visit_today(placement)
    return placement, smtp_server


def _draw(page: Page) -> None:
    """A signature drawn with the mouse: two strokes across the pad."""
    page.locator("#signature-pad").scroll_into_view_if_needed()
    box = page.locator("#signature-pad").bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    for start, end in (((0.1, 0.6), (0.45, 0.3)), ((0.45, 0.7), (0.9, 0.4))):
        page.mouse.move(x + w * start[0], y + h * start[1])
        page.mouse.down()
        for step in range(1, 16):
            t = step / 15
            page.mouse.move(
                x + w * (start[0] + (end[0] - start[0]) * t),
                y + h * (start[1] + (end[1] - start[1]) * t) + (t * 8 % 5),
            )
        page.mouse.up()


def test_visit_from_home_to_sealed_pdf(page: Page, server: str, today_visit, tmp_path, app):
    """Can a visit be opened from home, filled, signed twice and turned into a sealed PDF/A-3b summary?"""
    placement, smtp = today_visit
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()

    page.locator("#agenda-today").get_by_role("link", name="Start besøget").click()
    expect(page.get_by_role("heading", name="Opfølgningsbesøg")).to_be_visible()
    topics = page.locator("section.topic")
    expect(topics).to_have_count(7)
    for i in range(7):
        topic = topics.nth(i)
        topic.locator("label.rating-option").first.click()  # "Går godt"
        topic.get_by_label("Note").fill(f"Notat til emne {i + 1}")
    page.get_by_label("Ordinære timer pr. uge nu").fill("7.5")
    page.get_by_label("Praktiktimer pr. uge nu").fill("8")
    page.get_by_role("group", name="Kan praktiktimer veksles til ordinære timer?").get_by_label(
        "Delvist"
    ).check()
    page.locator("[name='actions-0-what']").fill("Prøvevagt i kassen")
    page.locator("[name='actions-0-who']").fill("Hanne")
    page.get_by_label("Næste besøg").fill((local_today() + timedelta(days=14)).isoformat())
    screenshot(page, "visit-form-phone")
    page.get_by_role("button", name="Gem og gå til underskrifter").click()

    expect(page.get_by_role("heading", name=re.compile("^Besøg "))).to_be_visible()
    for role in ("Kontaktperson", "Borger"):
        page.locator(".signature-line", has_text=role).get_by_role(
            "link", name="Underskriv på denne enhed"
        ).click()
        expect(page.locator("#signature-pad")).to_be_visible()
        _draw(page)
        screenshot(page, f"signature-{role.lower()}-phone")
        page.get_by_role("button", name="Underskriv", exact=True).click()
        expect(page.locator(".signature-line", has_text=role)).to_contain_text("Underskrevet", timeout=20000)

    # Signing answered at once; a worker makes, seals and sends the summary, and the page shows it then.
    expect(page.get_by_role("link", name="Åbn det forseglede referat (PDF)")).to_be_visible(timeout=60000)
    screenshot(page, "visit-signed-phone")
    visit = db.session.scalar(sa.select(Visit))
    assert visit.state in (VisitState.SIGNED, VisitState.DELIVERED)
    assert len(visit.signatures) == 2 and all(s.strokes for s in visit.signatures)

    pdf = page.request.get(f"{server}/besoeg/{visit.uuid}/referat.pdf").body()
    path = tmp_path / "referat.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Ali Khan" in text and placement.workplace.company.name in text
    assert "7,5" in text and "Prøvevagt i kassen" in text

    trust = ValidationContext(trust_roots=[seal_key().certificate])
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    status = outside_event_loop(validate_pdf_signature, embedded, trust)
    assert status.intact and status.valid and status.bottom_line
    assert verify(pdf).valid
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"pdfaid:part(>|=\")3", xmp) and re.search(r"pdfaid:conformance(>|=\")B", xmp), xmp

    # Both recipients got the PDF by e-mail.
    contact, citizen = placement.contact_person.email, placement.citizen.email
    assert len(smtp.to(contact)) == 1 and len(smtp.to(citizen)) == 1
    attached = next(smtp.to(contact)[0].iter_attachments()).get_content()
    assert attached == db.session.scalar(sa.select(Document.pdf))
    assert {d.status for d in db.session.scalars(sa.select(Delivery))} == {DeliveryStatus.SENT}

    # Anyone can check the summary; one changed byte is reported invalid.
    changed = bytearray(pdf)
    middle = len(changed) // 3
    changed[middle] = (changed[middle] + 1) % 256
    tampered = tmp_path / "aendret.pdf"
    tampered.write_bytes(bytes(changed))
    anonymous = on_test_clock(page.context.browser.new_context())
    check = anonymous.new_page()
    check.goto(server + "/verify")
    check.set_input_files("#document", str(path))
    check.get_by_role("button", name="Kontrollér dokumentet").click()
    expect(check.get_by_text("Dokumentet er uændret og forseglet af")).to_be_visible()
    check.goto(server + "/verify")
    check.set_input_files("#document", str(tampered))
    check.get_by_role("button", name="Kontrollér dokumentet").click()
    expect(
        check.get_by_text("Dokumentet er ændret eller ikke forseglet af denne installation")
    ).to_be_visible()
    anonymous.close()
