"""The device's own clock in the record: a visit completed and signed offline keeps when that happened,
and a phone whose clock is wrong is noted rather than hidden."""

from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from app.core.timeutil import utcnow
from tests.e2e.test_field_day import (  # noqa: F401  (today_visit is a fixture)
    WAITING_NONE,
    _complete_offline,
    _fill,
    _log_in,
    _sign_offline,
    _visits,
    today_visit,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("today_visit")]


def test_a_visit_done_offline_hours_ago_keeps_the_devices_times(
    page: Page, server: str, context: BrowserContext
):
    """Completed and signed offline two hours before the phone had network again: does the server keep
    those two-hour-old times for the visit and both signatures (not the time they arrived), with the
    receipt time beside them, and no clock note (the phone's clock was right)?"""
    done_at = utcnow() - timedelta(hours=2)
    context.clock.set_system_time(done_at)
    _complete_offline(page, server, context)
    _sign_offline(page, "company_contact")
    _sign_offline(page, "citizen")

    context.clock.set_system_time(utcnow())  # two hours later, back in network
    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    page.wait_for_function(WAITING_NONE, timeout=30000)
    [visit] = _visits()
    for moment in (visit.started_at, visit.completed_at, *(s.signed_at for s in visit.signatures)):
        assert abs(moment - done_at) < timedelta(minutes=3), moment
    assert abs(visit.performed_at - done_at) < timedelta(minutes=3)
    assert abs(visit.received_at - utcnow()) < timedelta(minutes=3)
    assert not visit.clock_skew_noted and not any(s.clock_skew_noted for s in visit.signatures)

    page.goto(f"{server}/besoeg/{visit.uuid}")
    times = page.locator(".record-times")
    expect(times).to_contain_text("Startet på enheden")
    expect(times).to_contain_text("Modtaget af serveren")
    expect(page.locator(".clock-note")).to_have_count(0)


def test_a_phone_whose_clock_is_fast_is_noted_on_the_visit(page: Page, server: str, context: BrowserContext):
    """With the phone's clock 40 minutes fast, is the visit stored with both clocks and does its page say
    that the device's clock was ahead?"""
    context.clock.set_system_time(utcnow() + timedelta(minutes=40))
    _log_in(page, server)
    page.locator("#agenda-today").get_by_role("link", name="Start besøget").click()
    _fill(page)
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.get_by_role("heading", name="Underskrifter")).to_be_visible(timeout=20000)
    [visit] = _visits()
    assert 38 * 60 <= visit.clock_skew_seconds <= 42 * 60
    expect(page.locator(".clock-note")).to_contain_text("minutter foran")
