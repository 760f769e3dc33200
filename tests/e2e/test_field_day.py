"""A day in the field with no network: prepared at home, filled and signed offline, sent once when back.

Also: a session that ends while offline, the same visit in two tabs, and the warning at log-out."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from app.extensions import db
from app.models import Document, Signature, SignerRole, Visit, VisitState
from tests.e2e.conftest import screenshot
from tests.factories import PASSWORD
from tests.visit_helpers import course, first_visit_today

pytestmark = pytest.mark.e2e

WAITING_NONE = "() => document.getElementById('sync-status').dataset.waitingCount === '0'"


@pytest.fixture
def today_visit(app):
    """A course whose first planned visit is today, on the jobformidler's home page."""
    _, placement = course(username="jobformidler")
    first_visit_today(placement)
    return placement


def _visits() -> list[Visit]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Visit)))


def _log_in(page: Page, server: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()


def _prepared(page: Page) -> None:
    """Logged in and online: the home page keeps the coming visits on the device by itself."""
    page.evaluate("() => navigator.serviceWorker.ready")
    expect(page.locator("#prepare-day [data-status]")).to_contain_text("Klar offline", timeout=20000)
    assert int(page.locator("#prepare-day").get_attribute("data-prepared")) >= 2


def _fill(page: Page, present: str = "Ali og Hanne") -> str:
    topics = page.locator("section.topic")
    expect(topics).to_have_count(7)
    for i in range(7):
        topics.nth(i).locator("label.rating-option").first.click()
        topics.nth(i).get_by_label("Note").fill(f"Offline-notat {i + 1}")
    page.get_by_label("Ordinære timer pr. uge nu").fill("6")
    page.get_by_label("Praktiktimer pr. uge nu").fill("9")
    page.get_by_role("group", name="Kan praktiktimer veksles til ordinære timer?").get_by_label("Ja").check()
    page.get_by_label("Til stede").fill(present)
    page.locator("[name='actions-0-what']").fill("Truckkursus")
    return page.evaluate("() => document.getElementById('visit-form').dataset.uuid")


def _complete_offline(page: Page, server: str, context: BrowserContext, paid_hours: str = "6") -> str:
    """Log in and let the day be prepared; then, offline, open today's visit from home, fill it and
    complete it. Returns the visit's UUID; it waits in the outbox."""
    _log_in(page, server)
    _prepared(page)
    context.set_offline(True)
    page.locator("#agenda-today").get_by_role("link", name="Start besøget").click()
    expect(page.get_by_role("heading", name="Opfølgningsbesøg")).to_be_visible()
    uuid = _fill(page)
    page.get_by_label("Ordinære timer pr. uge nu").fill(paid_hours)
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.locator("#save-status")).to_contain_text("Gemt på enheden.")
    return uuid


def _draw(page: Page, pad: str) -> None:
    canvas = page.locator(pad)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.6)
    page.mouse.down()
    for step in range(1, 20):
        page.mouse.move(x + w * (0.1 + 0.04 * step), y + h * (0.6 - 0.015 * step) + step % 3)
    page.mouse.up()


def _sign_offline(page: Page, role: str) -> None:
    form = page.locator(f"#offline-{role}-signature-form")
    _draw(page, f"#offline-{role}-signature-pad")
    form.get_by_role("button", name="Underskriv", exact=True).click()
    expect(page.locator(f".signature-done[data-role='{role}']")).to_be_visible()


def test_a_visit_prepared_filled_and_signed_offline_arrives_once_with_its_pdf(
    page: Page, server: str, today_visit, context: BrowserContext
):
    """Acceptance 1: prepared online; offline, opened from home, filled, signed twice, reloaded; back
    online the server holds it once, with every field and both signatures, and its sealed summary."""
    uuid = _complete_offline(page, server, context)
    expect(page.get_by_role("heading", name="Underskrifter på enheden")).to_be_visible()
    expect(page.get_by_role("button", name="Gem og gå til underskrifter")).to_be_hidden()  # the form waits
    _sign_offline(page, "company_contact")
    _sign_offline(page, "citizen")
    screenshot(page, "offline-signed-phone")

    page.reload()  # still offline: the page comes from the device, and so does what waits
    expect(page.locator("#sync-status")).to_contain_text("1 besøg venter")
    expect(page.locator(".signature-done")).to_have_count(2)
    expect(page.get_by_label("Til stede")).to_have_value("Ali og Hanne")
    assert _visits() == []

    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    page.wait_for_function(WAITING_NONE, timeout=30000)
    expect(page.get_by_role("link", name="Åbn det forseglede referat (PDF)")).to_be_visible(timeout=60000)
    [visit] = _visits()
    assert str(visit.uuid) == uuid
    assert visit.present == "Ali og Hanne" and visit.actions[0]["what"] == "Truckkursus"
    notes = [answer["note"] for answer in visit.answers.values()]
    assert len(notes) == 7 and all(note.startswith("Offline-notat") for note in notes)
    assert (visit.paid_hours_per_week, visit.internship_hours_per_week) == (6, 9)
    assert visit.state in (VisitState.SIGNED, VisitState.DELIVERED)
    signers = {s.signer_role: s for s in visit.signatures}
    assert set(signers) == {SignerRole.COMPANY_CONTACT, SignerRole.CITIZEN}
    assert all(len(s.strokes) >= 1 and s.signer_name for s in signers.values())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
    assert visit.scheduled_visit_id is not None


def test_a_citizen_who_cannot_draw_consents_offline(page: Page, server: str, today_visit, context):
    """Offline, the company contact draws and the citizen's consent is recorded instead (a refused note
    first, kept as typed); through a reload it waits; online the visit is signed by both, the consent
    recorded by the jobformidler, and its sealed summary is made."""
    uuid = _complete_offline(page, server, context)
    _sign_offline(page, "company_contact")
    page.locator(".signer[data-role='citizen']").get_by_text("Kan ikke tegne en underskrift").click()
    consent = page.locator("#offline-citizen-consent-form")
    consent.get_by_label("Hvordan blev samtykket givet?").fill("Ja")
    consent.get_by_role("button", name="Registrér samtykke").click()
    expect(consent.locator(".consent-error")).to_have_text(
        "Skriv med 10 til 1.000 tegn, hvordan samtykket blev givet."
    )
    note = "Referatet blev læst højt; Ali godkendte det mundtligt."
    consent.get_by_label("Hvordan blev samtykket givet?").fill(note)
    consent.get_by_role("button", name="Registrér samtykke").click()
    expect(page.locator(".signature-done[data-role='citizen']")).to_contain_text("Samtykket er registreret")
    screenshot(page, "offline-consent-phone")
    page.reload()
    expect(page.locator(".signature-done[data-role='citizen']")).to_contain_text("Samtykket er registreret")
    expect(page.locator(".signature-done")).to_have_count(2)

    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    page.wait_for_function(WAITING_NONE, timeout=30000)
    expect(page.get_by_role("link", name="Åbn det forseglede referat (PDF)")).to_be_visible(timeout=60000)
    [visit] = _visits()
    assert str(visit.uuid) == uuid and visit.state in (VisitState.SIGNED, VisitState.DELIVERED)
    signers = {s.signer_role: s for s in visit.signatures}
    assert signers[SignerRole.CITIZEN].consent_note == note
    assert signers[SignerRole.CITIZEN].recorded_by.username == "jobformidler"
    assert signers[SignerRole.COMPANY_CONTACT].strokes


def test_signatures_given_offline_go_with_a_visit_the_server_refuses(
    page: Page, server: str, today_visit, context: BrowserContext
):
    """Completed offline with a mistake only the server sees (40 paid hours a week) and signed twice;
    back online the server refuses the visit. Are the signatures withdrawn with it and the pads offered
    again, and is the corrected visit stored once, with no signature given for the refused content?"""
    uuid = _complete_offline(page, server, context, paid_hours="40")
    _sign_offline(page, "company_contact")
    _sign_offline(page, "citizen")

    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    expect(page.get_by_text("Timer pr. uge skal være mellem 0 og 37.")).to_be_visible(timeout=20000)
    expect(page.locator("#visit-errors")).to_contain_text("Underskrifterne, der blev givet på enheden")
    expect(page.locator("#sync-status")).to_contain_text("1 kræver handling")
    expect(page.locator(".signature-done")).to_have_count(0)
    expect(page.locator("#save-status")).to_be_empty()
    screenshot(page, "offline-refused-signatures-withdrawn-phone")
    waiting = "async () => (await window.eftervaernStore.allEntries()).map((e) => e.uuid)"
    assert page.evaluate(waiting) == [uuid]  # the visit, set aside; its signatures are gone
    assert _visits() == []

    # Later, from any page: the status line leads to what needs action, and from there to the form.
    page.goto(server + "/")
    page.locator("#sync-status").get_by_role("link", name="se hvad der venter").click()
    entry = page.locator(".device-entry")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Ali Khan")
    expect(entry).to_contain_text("Serveren afviste det: Besøget kunne ikke gemmes.")
    expect(entry).to_contain_text("Timer pr. uge skal være mellem 0 og 37.")
    entry.get_by_role("link", name="Åbn besøget").click()
    expect(page.get_by_text("Timer pr. uge skal være mellem 0 og 37.")).to_be_visible()
    expect(page.get_by_label("Ordinære timer pr. uge nu")).to_have_value("40")

    page.get_by_label("Ordinære timer pr. uge nu").fill("6")
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    expect(page.get_by_role("heading", name="Underskrifter")).to_be_visible()  # the visit's page
    expect(page.get_by_role("link", name="Underskriv på denne enhed")).to_have_count(2)
    [visit] = _visits()
    assert str(visit.uuid) == uuid and visit.paid_hours_per_week == 6 and visit.signatures == []


def test_the_device_page_lists_what_waits_and_a_refused_signature_can_be_removed(
    page: Page, server: str, today_visit, context: BrowserContext
):
    """Offline, does "På enheden" (kept by "Forbered dagen") list the waiting visit and its signature;
    can a signature the server refused be removed there (after a question); and does "Send nu" empty it
    once the network is back?"""
    uuid = _complete_offline(page, server, context)
    _sign_offline(page, "company_contact")
    page.locator("#sync-status").get_by_role("link", name="se hvad der venter").click()
    expect(page.get_by_role("heading", name="På enheden")).to_be_visible()
    entries = page.locator(".device-entry")
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Besøg")
    expect(entries.nth(0)).to_contain_text("Ali Khan")
    expect(entries.nth(0)).to_contain_text("Venter på forbindelse")
    expect(entries.nth(1)).to_contain_text("Underskrift")
    expect(entries.nth(1)).to_contain_text("Kontaktperson")
    expect(page.get_by_role("button", name="Fjern fra enheden")).to_have_count(0)  # nothing refused
    screenshot(page, "device-page-offline-phone")

    # As if the server had refused the signature (the contact person signed on the tablet meanwhile).
    page.evaluate(
        """async (key) => {
            const entry = await window.eftervaernStore.getEntry(key);
            Object.assign(entry, { state: "attention", status: 409, errors: {},
                message: "Hanne Jensen har allerede skrevet under for denne rolle." });
            await window.eftervaernStore.putEntry(entry);
        }""",
        f"{uuid}/signatures/company_contact",
    )
    page.reload()
    refused = page.locator(".device-entry.state-attention")
    expect(refused).to_contain_text("Serveren afviste det: Hanne Jensen har allerede skrevet under")
    expect(refused.get_by_role("link", name="Åbn besøgets side")).to_have_attribute("href", f"/besoeg/{uuid}")
    page.once("dialog", lambda dialog: dialog.accept())
    refused.get_by_role("button", name="Fjern fra enheden").click()
    expect(entries).to_have_count(1)

    context.set_offline(False)
    page.get_by_role("button", name="Send nu").click()
    expect(page.get_by_text("Intet venter på enheden.")).to_be_visible(timeout=20000)
    [visit] = _visits()
    assert str(visit.uuid) == uuid and visit.signatures == []


def test_background_sync_is_asked_for_when_a_visit_waits(page: Page, server: str, today_visit, context):
    """Where the browser has Background Sync, a waiting visit registers the outbox's sync tag."""
    _complete_offline(page, server, context)
    tags = page.evaluate(
        "async () => { const r = await navigator.serviceWorker.ready;"
        " return r.sync ? r.sync.getTags() : null; }"
    )
    assert tags == ["eftervaern-outbox"]


def test_a_session_that_ends_offline_keeps_the_visit_until_the_next_log_in(
    page: Page, server: str, today_visit, context: BrowserContext
):
    """Acceptance 4: the session ends while offline; the outbox asks for a log-in and keeps everything;
    after logging in again it sends the visit, once."""
    uuid = _complete_offline(page, server, context)
    context.clear_cookies()  # the session is gone by the time the network is back
    context.set_offline(False)
    page.evaluate("() => window.eftervaernOutbox.flush()")
    expect(page.locator("#sync-status")).to_contain_text("log ind igen")
    expect(page.locator("#sync-status")).to_contain_text("1 besøg venter")
    assert _visits() == []

    _log_in(page, server)
    page.wait_for_function(WAITING_NONE, timeout=30000)
    [visit] = _visits()
    assert str(visit.uuid) == uuid and visit.present == "Ali og Hanne"


def _two_tabs(page: Page, server: str, context: BrowserContext) -> Page:
    """Logged in, today's planned visit's form open in `page` and in another tab, which is returned."""
    _log_in(page, server)
    url = page.locator("#agenda-today").get_by_role("link", name="Start besøget").get_attribute("href")
    page.goto(server + url)
    other = context.new_page()
    other.goto(server + url)
    return other


def test_the_same_visit_in_two_tabs_makes_one_visit(page: Page, server: str, today_visit, context):
    """Acceptance 5: the same planned visit open in two tabs, completed in both: one visit on the server."""
    other = _two_tabs(page, server, context)
    first_uuid = _fill(page, present="Fra fane 1")
    second_uuid = _fill(other, present="Fra fane 2")
    assert first_uuid == second_uuid
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    other.get_by_role("button", name="Gem og gå til underskrifter").click()
    for tab in (page, other):
        tab.wait_for_url("**/besoeg/" + first_uuid, timeout=20000)
    [visit] = _visits()
    assert str(visit.uuid) == first_uuid
    assert visit.present in ("Fra fane 1", "Fra fane 2")


def test_a_tab_with_other_content_keeps_it_when_another_tab_saves_the_visit(
    page: Page, server: str, today_visit, context
):
    """The same planned visit in two tabs, other words typed in each. The first tab saves: the second
    does not go on to the visit's page and drop its words, but keeps them, says so, and saving there
    stores its version as the newer one. One visit, with the second tab's words. A tab where nothing
    was typed goes on to the visit's page."""
    other = _two_tabs(page, server, context)
    url = other.url
    visit_uuid = _fill(page, present="Fra fane 1")
    assert _fill(other, present="Fra fane 2") == visit_uuid
    # A third tab where nothing was typed (it shows the draft it opened with) goes on as before.
    untouched = context.new_page()
    untouched.goto(url)
    expect(untouched.get_by_label("Til stede")).to_be_visible()
    page.get_by_role("button", name="Gem og gå til underskrifter").click()
    page.wait_for_url("**/besoeg/" + visit_uuid, timeout=20000)
    untouched.wait_for_url("**/besoeg/" + visit_uuid, timeout=20000)
    expect(other.locator("#visit-errors")).to_contain_text("Besøget er netop gemt fra en anden fane")
    assert "/besoeg/ny" in other.url
    expect(other.get_by_label("Til stede")).to_have_value("Fra fane 2")
    kept = other.evaluate(
        "async () => (await window.eftervaernStore.getDraft("
        "document.getElementById('visit-form').dataset.draftKey)).fields"
    )
    assert ["present", "Fra fane 2"] in kept  # kept on the device too, should the tab be closed
    [stored] = _visits()
    assert stored.present == "Fra fane 1"
    screenshot(other, "two-tabs-kept")
    other.get_by_role("button", name="Gem og gå til underskrifter").click()
    other.wait_for_url("**/besoeg/" + visit_uuid, timeout=20000)
    [stored] = _visits()
    assert (str(stored.uuid), stored.present) == (visit_uuid, "Fra fane 2")


def test_log_out_warns_while_a_visit_waits(page: Page, server: str, today_visit, context):
    """Logging out with a visit not yet sent asks first; saying no keeps the visit and the session."""
    _complete_offline(page, server, context)
    # Online again, but the server cannot take the visit yet:
    context.route("**/api/v1/visits/**", lambda route: route.fulfill(status=503, body="{}"))
    context.set_offline(False)
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Log ud").click()
    for _ in range(100):  # the warning comes after one more attempt to send
        if messages:
            break
        page.wait_for_timeout(100)
    expect(page.locator("#sync-status")).to_contain_text("1 besøg venter")
    assert messages and messages[0].startswith("1 besøg er endnu ikke nået frem til serveren")
    assert page.evaluate("async () => (await window.eftervaernStore.allEntries()).length") == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_role("button", name="Log ind")).to_be_visible()
    names = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert "eftervaern" not in names


def test_another_user_logging_in_on_the_device_never_sees_what_waits(
    page: Page, server: str, today_visit, context: BrowserContext
):
    """A visit left waiting by one jobformidler is wiped, not sent or shown, when a colleague logs in."""
    course(username="kollega", citizen_email=None)
    _complete_offline(page, server, context)
    form_url = page.url
    assert page.evaluate("async (url) => !!(await caches.match(url))", form_url)
    context.clear_cookies()
    context.set_offline(False)

    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill("kollega")
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator("#sync-status")).to_contain_text("0 besøg venter")
    # Bounded: a store that waits for a deletion blocked by another connection would never answer.
    entries = page.evaluate(
        """async () => await Promise.race([
             window.eftervaernStore.allEntries().then((entries) => entries.length),
             new Promise((_, fail) => setTimeout(() => fail(new Error("the store did not answer")), 15000)),
           ])"""
    )
    assert entries == 0
    assert not page.evaluate("async (url) => !!(await caches.match(url))", form_url)
    assert _visits() == []
    # The app's own files stay for the colleague's forms offline (issue 12, point 1).
    keys = page.evaluate("async () => await caches.keys()")
    assert any(key.startswith("eftervaern-static-") for key in keys)


def test_a_refusal_of_lasting_storage_is_shown(page: Page, server: str, today_visit):
    """Is the note about storage shown exactly when the browser refused persistent storage?"""
    _log_in(page, server)
    page.wait_for_function("() => document.body.dataset.storagePersisted !== undefined")
    persisted = page.evaluate("() => document.body.dataset.storagePersisted")
    note = page.locator("#storage-note")
    if persisted == "yes":
        expect(note).to_be_hidden()
    else:
        expect(note).to_be_visible()
        expect(note).to_contain_text("Browseren gav ikke varig lagerplads")
