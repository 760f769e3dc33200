"""A lost phone: the administrator ends the user's sessions; when the phone next reaches the server it
wipes what it keeps, except the visits it has not sent, which go out after its user logs in again."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from app.auth import sessions
from app.extensions import db
from app.models import Visit
from tests.e2e.test_pwa import _controlled, _login
from tests.visit_helpers import course, payload

pytestmark = pytest.mark.e2e

COUNT = """(store) => idb.openDB('eftervaern').then(async (d) => {
    const n = await d.count(store); d.close(); return n; })"""
ONLINE = "() => fetch('/ping', {cache: 'no-store'}).then((r) => r.ok, () => false)"
PAGE_CACHES = "() => caches.keys().then(k => k.filter(x => x.startsWith('eftervaern-pages-')).length)"


def _until(page: Page, script: str, arg, expected, seconds: float = 10) -> None:
    """Poll an async page function until it answers `expected` (wait_for_function does not await)."""
    deadline = time.monotonic() + seconds
    while (value := page.evaluate(script, arg)) != expected:
        assert time.monotonic() < deadline, (script, value)
        page.wait_for_timeout(100)


def test_an_ended_session_wipes_the_device_but_keeps_unsent_visits_for_its_user(
    page: Page, server: str, context
):
    """After "Log ud på alle enheder", does the phone at its next contact drop its page copies, drafts
    and other storage, keep the unsent visit (not shown on the log-in page), and send it after the same
    user logs in again?"""
    me, placement = course("jobformidler")
    _login(page, server)
    _controlled(page)
    page.goto(server + "/borgere")
    expect(page.get_by_text("Ali Khan")).to_be_visible()
    key = str(uuid.uuid4())
    context.set_offline(True)
    page.evaluate(
        """([key, body]) => Promise.all([
            window.eftervaernStore.putEntry({uuid: key, url: '/api/v1/visits/' + key, body: body,
                contentType: 'application/json', createdAt: Date.now(), attempts: 0, state: 'pending',
                nextAttempt: 0, label: 'Ali Khan'}),
            window.eftervaernStore.putDraft({key: 'kladde', uuid: 'x', fields: {note: 'Ali'}, savedAt: 1}),
            localStorage.setItem('eftervaern-last-sync', '1'),
        ])""",
        [key, json.dumps(payload(placement))],
    )
    assert page.evaluate(PAGE_CACHES) > 0 and page.evaluate(COUNT, "drafts") == 1

    assert sessions.end_sessions_of(me.id, "admin") == 1  # the administrator, for a lost phone
    context.set_offline(False)
    _until(page, ONLINE, None, True)  # the network is back (else the device's copy of the page answers)
    page.goto(server + "/borgere")
    expect(page.get_by_role("button", name="Log ind")).to_be_visible()
    assert page.evaluate("document.body.dataset.wipeDevice") == "ended"
    _until(page, COUNT, "drafts", 0)
    _until(page, PAGE_CACHES, None, 0)
    assert page.evaluate("localStorage.getItem('eftervaern-last-sync')") is None
    assert page.evaluate(COUNT, "outbox") == 1  # the only copy of the visit stays on the device
    expect(page.get_by_text("Ali Khan")).to_have_count(0)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0

    page.goto(server + "/login")
    _login(page, server)
    _until(page, COUNT, "outbox", 0)
    db.session.rollback()
    assert str(db.session.scalar(sa.select(Visit.uuid))) == key


def test_an_open_page_learns_from_the_api_that_its_session_ended(page: Page, server: str, context):
    """With a page open, does the outbox's next send (401 session_ended) wipe the device's page copies
    and drafts, and keep the unsent visit?"""
    me, placement = course("jobformidler")
    _login(page, server)
    _controlled(page)
    page.goto(server + "/borgere")
    context.set_offline(True)
    key = str(uuid.uuid4())
    page.evaluate(
        """([key, body]) => Promise.all([
            window.eftervaernStore.putEntry({uuid: key, url: '/api/v1/visits/' + key, body: body,
                contentType: 'application/json', createdAt: Date.now(), attempts: 0, state: 'pending',
                nextAttempt: 0}),
            window.eftervaernStore.putDraft({key: 'kladde', uuid: 'x', fields: {}, savedAt: 1}),
        ])""",
        [key, json.dumps(payload(placement))],
    )
    sessions.end_sessions_of(me.id, "password")
    context.set_offline(False)
    page.evaluate("window.eftervaernOutbox.flush()")
    _until(page, COUNT, "drafts", 0)
    _until(page, PAGE_CACHES, None, 0)
    assert page.evaluate(COUNT, "outbox") == 1
