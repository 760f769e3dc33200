"""`make run` as a new user runs it: the demo app answers at its address and the demo log-in works."""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def make_run(tmp_path):
    """`make run` on a free port with its own SQLite file, stopped (whole process group) afterwards."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    env.pop("TEST_DATABASE_URL", None)
    log = (tmp_path / "make-run.log").open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / "make-run.log").read_text()
            try:
                with urllib.request.urlopen(url + "/login", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("make run did not answer within 120 s")
        yield url, tmp_path / "make-run.log"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


def test_make_run_serves_demo_data_and_the_demo_login_works(page: Page, make_run):
    """After `make run`, does jobformidler/demo1234 reach a home page listing their caseload?"""
    url, log = make_run
    assert "demo1234" in log.read_text()  # the demo log-ins are printed at start
    # The background worker runs beside the web server (summaries and e-mails are its jobs).
    deadline = time.monotonic() + 60
    while "Huey consumer started" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.5)
    page.goto(url + "/")
    page.get_by_label("Brugernavn").fill("jobformidler")
    page.get_by_label("Adgangskode").fill("demo1234")
    page.get_by_role("button", name="Log ind").click()
    expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^1\d borgere$"))).to_be_visible()
