"""Browser tests: Debian's Chromium driven by Playwright against the app served in a thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext
from werkzeug.serving import make_server

from app.core.timeutil import utcnow

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
PHONE = {"width": 390, "height": 844}
# Without the networking flags Chromium floods this machine's closed network (shared/TOOLCHAIN.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, quiet on this machine's closed network (see shared/TOOLCHAIN.md)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A phone in Denmark."""
    return {
        **browser_context_args,
        "viewport": PHONE,
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "da-DK",
        "timezone_id": "Europe/Copenhagen",
    }


def on_test_clock(context: BrowserContext) -> BrowserContext:
    """Set a browser context's clock to the suite's frozen clock, which may be on another day than the
    machine's (`make test-calendar`); time then runs on in the pages as it does on the server."""
    context.clock.set_system_time(utcnow())
    return context


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    """pytest-playwright's context, on the suite's clock."""
    return on_test_clock(context)


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1, in a thread of this process.

    In-process rather than pytest-flask's forked live_server: the test and the server share the
    database without inheriting open connections across fork(), and a test can change the app's
    configuration (fault switches, clocks) while the browser uses it.
    """
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=5)


def screenshot(page, name: str) -> Path:
    """Keep a screenshot for a person to look at (screenshots/ is not committed)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def htmx_settled(page) -> None:
    """Wait until htmx has wired up what it last swapped in.

    htmx inserts new content with the class ``htmx-added`` and attaches its triggers about 20 ms later,
    when it removes that class. A person cannot type in that gap; Playwright can, and would go unheard.
    """
    page.wait_for_function("() => document.querySelector('.htmx-added') === null")
