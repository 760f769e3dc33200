"""A contact between visits at phone size: recorded offline, sent once when the network is back, answered on
the home page and gone from "Venter på svar"; the leder's 24-hour indicator moves."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.core.timeutil import local_now, utcnow
from app.extensions import db
from app.models import Contact, Role
from tests.e2e.conftest import htmx_settled, on_test_clock
from tests.factories import PASSWORD, make_team, make_user
from tests.visit_helpers import course

pytestmark = pytest.mark.e2e


@pytest.fixture
def placement(app):
    team = make_team(name="Team Nord")
    me, placement = course(username="jobformidler")
    me.team_id = team.id
    make_user(Role.SUPERVISOR, username="leder", team_id=team.id, full_name="Lene Leder")
    db.session.commit()
    return placement


def _contacts() -> list[Contact]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Contact)))


def _log_in(page: Page, server: str, username: str, heading: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible()


def _indicator(page: Page, server: str) -> str:
    page.goto(server + "/leder")
    card = page.locator("#indicator-answered_24h")
    expect(card).to_be_visible()
    return card.locator(".indicator-value").inner_text()


def test_contact_recorded_offline_synced_once_answered_and_counted(
    page: Page, server: str, placement, context, browser: Browser, browser_context_args: dict
):
    """Offline: is the contact kept on the device, stored once when the network is back, listed under
    "Venter på svar" until answered (offline too, with the device's time), and does the leder's indicator
    then count it answered in time?"""
    leder = on_test_clock(browser.new_context(**browser_context_args)).new_page()
    _log_in(leder, server, "leder", "Team Nord")
    assert _indicator(leder, server) == "–"  # nothing answered or overdue yet

    _log_in(page, server, "jobformidler", "Min sagsstamme")
    page.goto(f"{server}/borgere/{placement.citizen_id}/kontakt")
    page.evaluate("() => navigator.serviceWorker.ready")
    page.reload()  # now kept by the service worker for offline use
    expect(page.locator("#contact-form")).to_have_attribute("data-script-ready", "1")
    context.set_offline(True)
    page.get_by_label("SMS").check()
    page.get_by_label("Hvad det handlede om").fill("Vil gerne have flere timer i lageret")
    page.get_by_label("Skal besvares (inden for 24 timer)").check()
    page.get_by_role("button", name="Gem kontakten").click()
    expect(page.locator("#contact-status")).to_contain_text("Gemt på enheden.")
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting-count", "1", timeout=10000)
    expect(page.locator("#sync-status")).to_contain_text("0 besøg venter · 1 kontakt venter")
    assert _contacts() == []

    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting-count", "0", timeout=30000)
    (stored,) = _contacts()
    # When it came in: the device's now as the form opened (the page was kept since it was fetched).
    assert abs((stored.came_in_at - stored.recorded_at).total_seconds()) < 5 * 60
    assert stored.about == "Vil gerne have flere timer i lageret" and stored.channel == "sms"
    assert stored.needs_answer and stored.answer_due_at is not None and stored.recorded_at is not None

    page.goto(server + "/")
    waiting = page.locator("#waiting")
    row = waiting.locator(f"#contact-{stored.id}")
    expect(row).to_contain_text("Vil gerne have flere timer i lageret")
    expect(row).to_contain_text("tilbage")
    htmx_settled(page)
    # Answered with no network: kept on the device with its time, sent when the network is back.
    context.set_offline(True)
    row.get_by_placeholder("Hvordan det blev besvaret").fill("Ringede tilbage")
    row.get_by_role("button", name="Besvaret").click()
    expect(row.locator(".answer-status")).to_contain_text("Gemt på enheden")
    assert _contacts()[0].answered_at is None
    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    expect(page.locator("#sync-status")).to_have_attribute("data-waiting-count", "0", timeout=30000)
    (answered,) = _contacts()
    assert answered.answered_at is not None and answered.answer_note == "Ringede tilbage"
    # The device's time of the answer (whole seconds), not later than the receipt beside it.
    assert answered.answered_at <= answered.answer_received_at + timedelta(seconds=5)
    page.reload()
    expect(page.locator("#waiting-empty")).to_be_visible()
    expect(page.locator("#waiting")).not_to_contain_text("Vil gerne have flere timer")
    assert len(_contacts()) == 1 and _contacts()[0].answered_at is not None

    assert _indicator(leder, server) == "100 %"
    expect(leder.locator("#indicator-answered_24h")).to_contain_text("1 af 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    leder.context.close()


def test_a_contact_form_kept_offline_since_yesterday_opens_on_the_devices_today(
    page: Page, server: str, placement, context
):
    """Does a contact form page kept on the device since an earlier day say today and now, not the day it
    was fetched?"""
    _log_in(page, server, "jobformidler", "Min sagsstamme")
    page.goto(f"{server}/borgere/{placement.citizen_id}/kontakt")
    page.evaluate("() => navigator.serviceWorker.ready")
    page.reload()
    fetched_on = page.get_by_label("Kom ind den").input_value()
    context.set_offline(True)
    context.clock.set_system_time(utcnow() + timedelta(days=1, hours=2))
    page.reload()
    expect(page.locator("#contact-form")).to_have_attribute("data-script-ready", "1")
    tomorrow = (local_now() + timedelta(days=1, hours=2)).date().isoformat()
    expect(page.get_by_label("Kom ind den")).to_have_value(tomorrow)
    assert tomorrow != fetched_on
