"""Background Sync with no page of the app open, after a new log-in, with CSRF protection on as in
production: the service worker sends the waiting visit with the present session's token."""

import re
import time

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.e2e.test_field_day import _complete_offline, _visits, today_visit  # noqa: F401 (a fixture)
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _log_in_without_a_page(context: BrowserContext, server: str) -> None:
    """A new session for the browser (its cookie jar), while no page of the app runs any script."""
    form = context.request.get(server + "/login").text()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = context.request.post(
        server + "/login",
        form={"username": "jobformidler", "password": PASSWORD, "csrf_token": token},
        max_redirects=0,
    )
    assert response.status == 303


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
