"""Drafts: what is typed in a visit is kept on the device through a reload and a browser restart."""

import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Visit
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, on_test_clock
from tests.factories import PASSWORD
from tests.visit_helpers import course

pytestmark = pytest.mark.e2e


@pytest.fixture
def placement(app):
    return course(username="jobformidler")[1]


def _login(page: Page, server: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()


def _type_some(page: Page) -> str:
    topics = page.locator("section.topic")
    topics.nth(0).locator("label.rating-option").nth(2).click()  # "Udfordring"
    topics.nth(0).get_by_label("Note").fill("Kom for sent to gange")
    page.get_by_label("Til stede").fill("Ali og Hanne")
    _wait_until_stored(page, "Ali og Hanne")
    return page.evaluate("document.getElementById('visit-form').dataset.uuid")


def _wait_until_stored(page: Page, text: str) -> None:
    """Wait until the draft on the device holds ``text`` (writes follow the last keystroke after a pause)."""
    stored = """async (text) => {
        const form = document.getElementById('visit-form');
        const draft = await window.eftervaernStore.getDraft(form.dataset.draftKey);
        return Boolean(draft && draft.fields && draft.fields.some(([, value]) => value === text));
    }"""
    deadline = time.monotonic() + 5
    while not page.evaluate(stored, text):
        assert time.monotonic() < deadline, f"the draft on the device never held {text!r}"
        page.wait_for_timeout(50)


def _kept(page: Page, uuid: str) -> None:
    expect(page.locator("#draft-note")).to_be_visible()
    topic = page.locator("section.topic").nth(0)
    expect(topic.get_by_label("Note")).to_have_value("Kom for sent to gange")
    expect(topic.locator("input[value='challenge']")).to_be_checked()
    expect(page.get_by_label("Til stede")).to_have_value("Ali og Hanne")
    assert page.evaluate("document.getElementById('visit-form').dataset.uuid") == uuid


def test_a_draft_survives_a_reload_and_keeps_its_uuid(page: Page, server: str, placement):
    """After a reload, is everything typed back, with the same visit UUID, and gone once saved?"""
    _login(page, server)
    page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
    uuid = _type_some(page)
    page.reload()
    _kept(page, uuid)
    for i in range(1, 7):
        page.locator("section.topic").nth(i).locator("label.rating-option").first.click()
    page.get_by_role("group", name="Kan praktiktimer veksles til ordinære timer?").get_by_label("Nej").check()
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.get_by_role("heading", name="Underskrifter")).to_be_visible()
    assert str(db.session.scalar(sa.select(Visit.uuid))) == uuid
    page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
    expect(page.locator("#draft-note")).to_be_hidden()


def test_a_draft_survives_closing_the_browser(server: str, placement, playwright, tmp_path):
    """With the same browser profile, is the draft there after the browser was closed and opened again?"""
    profile = str(tmp_path / "profile")

    def launch():
        return on_test_clock(
            playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE, locale="da-DK"
            )
        )

    context = launch()
    page = context.new_page()
    _login(page, server)
    page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
    uuid = _type_some(page)
    context.close()

    context = launch()
    try:
        page = context.new_page()
        page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
        _kept(page, uuid)
    finally:
        context.close()


def test_words_typed_just_before_leaving_the_page_are_kept(page: Page, server: str, placement):
    """Leaving the form at once after typing (before the pause that starts a write) still keeps the words."""
    _login(page, server)
    page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
    _type_some(page)
    page.locator("section.topic").nth(1).get_by_label("Note").fill("Tager ansvar for lageret")
    page.goto(server + "/")  # at once: the 300 ms pause has not passed
    page.goto(f"{server}/besoeg/ny?forloeb={placement.id}")
    note = page.locator("section.topic").nth(1).get_by_label("Note")
    expect(note).to_have_value("Tager ansvar for lageret")
