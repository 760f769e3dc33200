"""The outbox: a completed visit reaches the server exactly once, whatever the network does."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Visit
from tests.factories import PASSWORD
from tests.visit_helpers import course

pytestmark = pytest.mark.e2e


@pytest.fixture
def placement(app):
    return course(username="jobformidler")[1]


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit))


def _open_form(page: Page, server: str, placement) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()
    page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
    page.evaluate("() => navigator.serviceWorker.ready")


def _fill(page: Page) -> str:
    topics = page.locator("section.topic")
    for i in range(topics.count()):
        topics.nth(i).locator("label.rating-option").first.click()
    page.get_by_role("group", name="Kan praktiktimer veksles til ordinære timer?").get_by_label("Ja").check()
    page.get_by_label("Til stede").fill("Ali og Hanne")
    return page.evaluate("() => document.getElementById('visit-form').dataset.uuid")


def test_two_server_errors_then_the_visit_arrives_once(page: Page, server: str, placement, app):
    """With the server answering 503 twice, does the outbox retry and store the visit exactly once?"""
    _open_form(page, server, placement)
    uuid = _fill(page)
    app.config["TEST_SYNC_FAILURES"] = 2
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.locator("#save-status")).to_contain_text("Gemt på enheden.")
    page.wait_for_function(
        "() => document.getElementById('sync-status').dataset.waitingCount === '0'", timeout=30000
    )
    assert app.config["TEST_SYNC_FAILURES"] == 0
    assert _count() == 1
    assert str(db.session.scalar(sa.select(Visit.uuid))) == uuid


def test_a_refused_visit_needs_action_keeps_its_data_and_arrives_once_fixed(
    page: Page, server: str, placement
):
    """Is a 422 set aside as "kræver handling" with its field error, and after the fix stored once?"""
    _open_form(page, server, placement)
    uuid = _fill(page)
    page.get_by_label("Ordinære timer pr. uge nu").fill("40")
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.locator("#sync-status")).to_contain_text("1 kræver handling")
    expect(page.get_by_text("Timer pr. uge skal være mellem 0 og 37.")).to_be_visible()
    expect(page.get_by_label("Til stede")).to_have_value("Ali og Hanne")
    assert _count() == 0
    page.get_by_label("Ordinære timer pr. uge nu").fill("7")
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.get_by_role("heading", name="Underskrifter")).to_be_visible()
    assert _count() == 1 and str(db.session.scalar(sa.select(Visit.uuid))) == uuid


def test_completed_offline_survives_a_reload_and_arrives_once_online(
    page: Page, server: str, placement, context
):
    """Offline: is the completed visit kept through a reload, and stored once when the network is back?"""
    _open_form(page, server, placement)
    page.reload()  # the form page is now kept by the service worker
    uuid = _fill(page)
    context.set_offline(True)
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.locator("#save-status")).to_contain_text("Gemt på enheden.")
    page.reload()
    expect(page.locator("#sync-status")).to_contain_text("1 besøg venter")
    assert _count() == 0
    context.set_offline(False)
    page.wait_for_function(
        "() => document.getElementById('sync-status').dataset.waitingCount === '0'", timeout=20000
    )
    assert _count() == 1 and str(db.session.scalar(sa.select(Visit.uuid))) == uuid
