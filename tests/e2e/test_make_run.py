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
def make_env(tmp_path) -> dict:
    """The environment of a new user's shell, with the demo's files in the test's own directory."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "SAML_IDP_METADATA_FILE": str(tmp_path / "test-idp-metadata.xml"),
    }
    env.pop("TEST_DATABASE_URL", None)
    return env


@pytest.fixture
def make_run(tmp_path, make_env):
    """`make run` on a free port with its own SQLite file, stopped (whole process group) afterwards."""
    port = _free_port()
    env = make_env
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
        yield url, tmp_path / "make-run.log", port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
        log.close()


def test_make_run_serves_demo_data_and_the_demo_login_works(page: Page, make_run):
    """After `make run`, does jobformidler/demo1234 reach a home page listing their caseload?"""
    url, log, _ = make_run
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


def test_the_demos_sso_button_works_against_the_test_idp(page: Page, make_run, make_env, tmp_path):
    """With `make saml-idp` started beside `make run`, does the SSO button log the demo jobformidler in?"""
    url, _, port = make_run
    idp_port = _free_port()
    log = (tmp_path / "saml-idp.log").open("w")
    idp = subprocess.Popen(
        ["make", "--no-print-directory", "saml-idp", f"PORT={port}", f"SAML_IDP_PORT={idp_port}"],
        cwd=ROOT,
        env=make_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "test-idp-metadata.xml").exists():
            assert process_alive(idp), (tmp_path / "saml-idp.log").read_text()
            assert time.monotonic() < deadline, "make saml-idp wrote no metadata within 60 s"
            time.sleep(0.5)
        page.goto(url + "/login")
        expect(page.get_by_label("Adgangskode")).to_be_visible()  # the demo keeps password log-in
        page.get_by_role("link", name="Log ind med kommunens log-ind").click()
        page.get_by_role("button", name="Mette Kjærgaard").click()
        page.get_by_role("button", name="Fortsæt til tjenesten").click()
        expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()
        expect(page.locator(".topbar .who")).to_contain_text("Mette Kjærgaard")
    finally:
        os.killpg(idp.pid, signal.SIGTERM)
        idp.wait(timeout=10)
        log.close()


def process_alive(process: subprocess.Popen) -> bool:
    return process.poll() is None
