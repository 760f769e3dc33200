"""Background Sync with no page of the app open, after a new log-in, with CSRF protection on as in
production: the service worker sends the waiting visit with the present session's token."""

import re
import threading
import time
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from app.extensions import db
from app.models import Document, VisitState
from tests.e2e.test_field_day import (  # noqa: F401 (today_visit is a fixture)
    _complete_offline,
    _sign_offline,
    _visits,
    today_visit,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _log_in_without_a_page(context: BrowserContext, server: str) -> None:
    """A new session for the browser (its cookie jar), while no page of the app runs any script.

    The log-in goes through Playwright's request client, whose cookie jar judges a cookie's Expires by
    the machine's real clock; the server writes it by the suite's frozen clock, so after the frozen
    day's noon the jar would throw the cookie away on arrival. Chromium itself reckons Expires against
    the answer's Date header (as it does for any server whose clock is off), so the new session's cookie
    is put into the browser's jar as a cookie of the browser's session, which outlasts the test.
    """
    form = context.request.get(server + "/login").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = context.request.post(
        server + "/login",
        form={"username": "jobformidler", "password": PASSWORD, "csrf_token": token},
        max_redirects=0,
    )
    assert response.status == 303
    [set_cookie] = [h["value"] for h in response.headers_array if h["name"].lower() == "set-cookie"]
    cookie = SimpleCookie(set_cookie)["session"]
    assert cookie["expires"], "the log-in starts a permanent session"
    context.add_cookies(
        [
            {
                "name": "session",
                "value": cookie.value,
                "url": server,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def _fire_sync(page: Page, server: str) -> None:
    """What the browser does when the network is back: a "sync" event for the outbox's tag, here sent
    through the DevTools protocol so that the test need not wait for the browser's own timing."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"])
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not any(r["scopeURL"].startswith(server) for r in registrations) and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    [registration] = [r for r in registrations if r["scopeURL"].startswith(server) and not r["isDeleted"]]
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": server,
            "registrationId": registration["registrationId"],
            "tag": "eftervaern-outbox",
            "lastChance": False,
        },
    )


def test_the_worker_sends_with_the_present_sessions_token(page: Page, server: str, today_visit, context):  # noqa: F811
    uuid = _complete_offline(page, server, context)
    page.goto("about:blank")  # no page of the app is open any more: the worker must send by itself
    context.clear_cookies()  # the session ended while offline…
    context.set_offline(False)
    _log_in_without_a_page(context, server)  # …and the user logged in again elsewhere in the browser

    _fire_sync(page, server)

    deadline = time.monotonic() + 20
    while not _visits() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    [visit] = _visits()
    assert str(visit.uuid) == uuid and visit.present == "Ali og Hanne"


@pytest.fixture
def slow_summary(monkeypatch):
    """The summary job waits until the test lets it go on: while it waits, the server answers that the
    summary is being made, however fast this machine renders."""
    from app.jobs import tasks

    go_on = threading.Event()
    produce = tasks.produce_document

    def waiting(*args, **kwargs):
        go_on.wait(60)
        return produce(*args, **kwargs)

    monkeypatch.setattr(tasks, "produce_document", waiting)
    yield go_on
    go_on.set()


def test_a_last_signature_sent_by_the_worker_is_tracked_as_summary_being_made(
    page: Page,
    server: str,
    today_visit,  # noqa: F811
    context,
    slow_summary,
):
    """Signed offline, sent by the service worker's Background Sync with no page open: does the next
    page say the summary is being made (as if it had sent it itself), and stop saying so once it is
    ready?"""
    _complete_offline(page, server, context)
    _sign_offline(page, "company_contact")
    _sign_offline(page, "citizen")
    page.goto("about:blank")  # no page of the app is open: the worker sends by itself
    context.set_offline(False)

    _fire_sync(page, server)

    def signed() -> bool:
        return bool(_visits()) and _visits()[0].state == VisitState.SIGNED

    deadline = time.monotonic() + 30
    while not signed() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert signed(), "the worker did not send the visit and its signatures"

    page.goto(server + "/")
    status = page.locator("#sync-status")
    expect(status).to_have_attribute("data-summaries-count", "1", timeout=20000)
    expect(status).to_contain_text("1 referat laves")
    expect(status).to_have_attribute("data-waiting-count", "0")

    slow_summary.set()
    expect(status).to_have_attribute("data-summaries-count", "0", timeout=60000)
    expect(status).not_to_contain_text("referat laves")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
