"""Layout stability (issue 14, Lighthouse's layout shift): what the scripts fill in after the first paint
(the sync status line, the day's preparation) has its place kept, so the page does not jump."""

import re
import time

import pytest
from playwright.sync_api import Page, Route, expect

from tests.e2e.test_field_day import _log_in, today_visit  # noqa: F401 (today_visit is a fixture)

pytestmark = pytest.mark.e2e

# Every layout shift not caused by the user's input, with what moved, from the start of each page.
OBSERVE = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) {
      const moved = entry.sources.map((s) => s.node && (s.node.id || s.node.nodeName));
      window.__shifts.push({ value: entry.value, moved: moved });
    }
  }
}).observe({ type: "layout-shift", buffered: true });
"""
SHIFTS = "() => window.__shifts"


# The scripts that fill the status lines in, as a phone's network brings them: after the first paint.
LATE_SCRIPTS = re.compile(r"/static/js/(outbox|prepare)\.[0-9a-f]+\.js$")


def _late(route: Route) -> None:
    time.sleep(0.6)  # the network's slowness, not a wait for the result: the test waits on conditions
    route.continue_()


@pytest.fixture
def browser_context_args(browser_context_args):
    """A phone's viewport, where the status lines wrap and a shift moves the most; no service worker,
    so that every script comes through the (slowed) network."""
    return {
        **browser_context_args,
        "viewport": {"width": 412, "height": 823},
        "is_mobile": True,
        "service_workers": "block",
    }


def test_the_home_page_and_the_visit_form_do_not_jump(page: Page, server: str, today_visit, context):  # noqa: F811
    """On a phone whose network brings the scripts after the first paint: once the status lines are
    filled in, did the home page and the visit form move nothing on screen?"""
    context.add_init_script(OBSERVE)
    _log_in(page, server)
    context.route(LATE_SCRIPTS, _late)
    page.goto(server + "/")
    expect(page.locator("#sync-status")).to_contain_text("0 besøg venter", timeout=20000)
    expect(page.locator("#prepare-day [data-status]")).to_have_text(re.compile(r"\w"), timeout=20000)
    page.wait_for_function("() => document.readyState === 'complete'")
    assert sum(s["value"] for s in page.evaluate(SHIFTS)) < 0.01, page.evaluate(SHIFTS)

    page.goto(server + page.locator("#agenda-today a[data-visit-start]").first.get_attribute("href"))
    expect(page.get_by_role("heading", name="Opfølgningsbesøg")).to_be_visible()
    expect(page.locator("#sync-status")).to_contain_text("0 besøg venter", timeout=20000)
    page.wait_for_function("() => document.readyState === 'complete'")
    assert sum(s["value"] for s in page.evaluate(SHIFTS)) < 0.01, page.evaluate(SHIFTS)
