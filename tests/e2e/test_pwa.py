"""The installable, offline-capable app in Debian's Chromium."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Citizen, Role
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, on_test_clock
from tests.factories import PASSWORD, make_citizen, make_team, make_user

pytestmark = pytest.mark.e2e


@pytest.fixture
def user(app):
    me = make_user(username="jobformidler", full_name="Mette Sørensen")
    make_citizen(me, first_name="Ali", last_name="Khan")
    return me


def _login(page: Page, server: str, username: str = "jobformidler") -> None:
    page.goto(server + "/login")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("button", name="Log ud")).to_be_visible()


def _controlled(page: Page) -> None:
    """Wait until the service worker controls the page (after its first install, one reload)."""
    page.evaluate("navigator.serviceWorker.ready")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


def test_chromium_finds_the_app_installable(server, user, playwright, tmp_path):
    """Does Chromium report no installability errors (DevTools protocol, persistent profile)?"""
    context = on_test_clock(
        playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, viewport=PHONE
        )
    )
    try:
        page = context.new_page()
        page.goto(server + "/login")
        page.evaluate("navigator.serviceWorker.ready")
        session = context.new_cdp_session(page)
        errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
    finally:
        context.close()


def test_pages_open_offline_from_the_device(page: Page, server: str, user, context):
    """Offline, does a page seen before open from the device, and an unseen one show the offline page?"""
    _login(page, server)
    _controlled(page)
    page.goto(server + "/borgere")
    expect(page.get_by_text("Ali Khan")).to_be_visible()
    context.set_offline(True)
    page.goto(server + "/borgere")
    expect(page.get_by_text("Ali Khan")).to_be_visible()
    page.goto(server + "/tilgaengelighed")
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()
    context.set_offline(False)


def test_a_new_version_is_offered_and_never_reloads_a_form(page: Page, server: str, user, monkeypatch):
    """With a form half filled, does a new service worker wait, keep the input, and offer itself?"""
    from app.core import pwa

    _login(page, server)
    _controlled(page)
    page.goto(server + "/borgere/ny")
    page.get_by_label("Fornavn").fill("Halvt udfyldt")
    page.evaluate("window.__sameDocument = true")
    version, body = pwa._built(pwa.current_app_static())
    monkeypatch.setattr(pwa, "_built", lambda folder: ("a" * 12, body.replace(version, "a" * 12)))
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    expect(page.locator("#update-banner")).to_contain_text("Der er en ny version klar.")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__sameDocument === true")  # not reloaded
    expect(page.get_by_label("Fornavn")).to_have_value("Halvt udfyldt")
    page.get_by_role("button", name="Genindlæs").click()
    page.wait_for_function("() => window.__sameDocument === undefined")


def test_log_out_wipes_the_device(page: Page, server: str, user):
    """Are the app's caches and IndexedDB gone from the device after log-out?"""
    _login(page, server)
    _controlled(page)
    page.evaluate("""() => new Promise((resolve) => {
        const r = indexedDB.open('eftervaern-outbox', 1);
        r.onupgradeneeded = () => r.result.createObjectStore('entries');
        r.onsuccess = () => { r.result.close(); resolve(); };
    })""")
    assert page.evaluate("caches.keys().then(k => k.length)") > 0
    assert "eftervaern-outbox" in page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))")
    page.get_by_role("button", name="Log ud").click()
    expect(page.get_by_text("Du er logget ud.")).to_be_visible()
    page.wait_for_function(
        "() => caches.keys().then(k => k.filter(x => x.startsWith('eftervaern-')).length === 0)"
    )
    assert page.evaluate("indexedDB.databases().then(d => d.map(x => x.name))") == []


KEPT_PAGES = """async () => {
    const names = (await caches.keys()).filter((name) => name.startsWith("eftervaern-pages-"));
    const kept = [];
    for (const name of names) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) kept.push(new URL(request.url).pathname);
    }
    return kept;
}"""


def test_a_leders_pages_are_not_kept_on_the_device(page: Page, server: str, user, context):
    """The service worker keeps a jobformidler's pages for the field; does it keep none of a leder's
    (the team's citizens), so that offline they give the offline page?"""
    team = make_team(name="Virksomhedsteamet")
    user.team = team
    make_user(Role.SUPERVISOR, username="leder", team=team)
    db.session.commit()
    _login(page, server, "leder")
    _controlled(page)
    citizen = db.session.scalar(sa.select(Citizen))
    for path in ("/leder", "/borgere", f"/borgere/{citizen.id}"):
        page.goto(server + path)
        expect(page.get_by_role("button", name="Log ud")).to_be_visible()
    page.wait_for_timeout(500)  # the worker stores a page after answering with it
    assert page.evaluate(KEPT_PAGES) == []
    context.set_offline(True)
    page.goto(server + "/borgere")
    expect(page.get_by_role("heading", name="Ingen forbindelse")).to_be_visible()
    context.set_offline(False)
