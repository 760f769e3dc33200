"""Chaos (issue 12): gunicorn and its worker on their own database, Chromium with a persistent profile.
Five visits with two signatures each are queued offline; back online, the server is killed with SIGKILL
0.5, 0.75 or 1.0 s later and started again 5 s after that. Each time: exactly 5 visits, 10 signatures
and 5 sealed PDFs, and the device says nothing waits only when that is true."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserType, expect

from app import create_app
from app.extensions import db
from app.models import Document, Signature, Visit
from app.placements.services import create_placement
from app.reports.seal import verify
from tests.conftest import _config
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, on_test_clock
from tests.e2e.test_field_day import _fill, _sign_offline
from tests.factories import PASSWORD, make_citizen, make_contact, make_workplace
from tests.servers import BIN, ROOT, Process, free_port, gunicorn, wait_http, worker
from tests.visit_helpers import course

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]
VISITS = 5
STATUS = """() => {
  const bar = document.getElementById('sync-status');
  return [bar.dataset.waitingCount, bar.dataset.summariesCount];
}"""


def _env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        FLASK_APP="app:create_app",
        DATABASE_URL=f"sqlite:///{tmp_path / 'chaos.db'}",
        TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}",
        SECRET_KEY="chaos-test-secret-0123456789abcdefghij",
        SWEEP_SECONDS="2",
        JOB_GRACE_SECONDS="4",
        SMTP_PORT=str(free_port()),  # nobody listens: deliveries fail and wait, summaries do not
        PYTHONUNBUFFERED="1",
    )
    return env


def _placements(env: dict[str, str]) -> list[int]:
    """The server's database, migrated, with five courses of the demo jobformidler."""
    init = subprocess.run([str(BIN / "flask"), "init-db"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert init.returncode == 0, init.stderr
    setup = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
    with setup.app_context():
        me, first = course(username="jobformidler")
        ids = [first.id]
        for n in range(1, VISITS):
            citizen = make_citizen(me, first_name=f"Borger{n}", last_name="Test", email=f"b{n}@example.org")
            workplace = make_workplace(name=f"Butik {n}")
            contact = make_contact(workplace.company, name=f"Kontakt {n}", email=f"k{n}@firma.example")
            fields = {
                "kind": first.kind,
                "workplace_id": workplace.id,
                "contact_person_id": contact.id,
                "start_date": first.start_date,
                "planned_end_date": first.planned_end_date,
                "paid_hours_per_week": first.paid_hours_per_week,
                "internship_hours_per_week": first.internship_hours_per_week,
            }
            ids.append(create_placement(citizen, fields, me, first.start_date).id)
        db.session.remove()
        db.engine.dispose()
    return ids


def _counts(url: str) -> tuple[int, int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return tuple(
                conn.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Visit, Signature, Document)
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize("kill_after", [0.5, 0.75, 1.0])
def test_server_killed_while_the_device_sends(browser_type: BrowserType, tmp_path, kill_after):
    """SIGKILL during the sync, restart 5 s later: 5 visits, 10 signatures, 5 sealed PDFs, and "nothing
    waits" on the device only once all of that is on the server?"""
    env = _env(tmp_path)
    placements = _placements(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"

    def start() -> list[Process]:
        processes = [gunicorn("web", port, env, tmp_path), worker("worker", env, tmp_path, threads=2)]
        for process in processes:
            process.start()
        wait_http(base + "/ping")
        return processes

    processes = start()
    # On the suite's clock, as the servers are (tests/suite_clock.py): the forms date the visits by it.
    context = on_test_clock(
        browser_type.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=CHROMIUM_ARGS,
            viewport=PHONE,
            locale="da-DK",
            timezone_id="Europe/Copenhagen",
        )
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(base + "/login")
        page.get_by_label("Brugernavn").fill("jobformidler")
        page.get_by_label("Adgangskode").fill(PASSWORD)
        page.get_by_role("button", name="Log ind").click()
        expect(page.get_by_role("heading", name="Min sagsstamme")).to_be_visible()
        tabs = []
        for placement_id in placements:  # each form opened online, in its own tab
            tab = context.new_page()
            tab.goto(f"{base}/besoeg/ny?forloeb={placement_id}")
            expect(tab.get_by_role("heading", name="Opfølgningsbesøg")).to_be_visible()
            tabs.append(tab)
        context.set_offline(True)
        for tab in tabs:
            tab.bring_to_front()  # a background tab's timers are throttled
            _fill(tab)
            tab.get_by_role("button", name="Gem og gå til underskrifter").click()
            expect(tab.locator("#save-status")).to_contain_text("Gemt på enheden.")
            _sign_offline(tab, "company_contact")
            _sign_offline(tab, "citizen")
        page.reload()
        expect(page.locator("#sync-status")).to_contain_text(f"{VISITS} besøg venter")

        context.set_offline(False)
        page.evaluate("() => { window.eftervaernOutbox.flush(); }")
        time.sleep(kill_after)
        for process in processes:
            process.kill()
        time.sleep(5)
        processes = start()

        deadline = time.monotonic() + 180
        while True:
            waiting, making = page.evaluate(STATUS)
            if waiting == "0" and making == "0":
                # The device says all is done: it must be true.
                assert _counts(env["DATABASE_URL"]) == (VISITS, 2 * VISITS, VISITS)
                break
            assert time.monotonic() < deadline, (waiting, making, _counts(env["DATABASE_URL"]))
            page.evaluate("() => { window.eftervaernOutbox.flush(); }")
            time.sleep(1)
        expect(page.locator("#sync-status")).to_contain_text("0 besøg venter")
        expect(page.locator("#sync-status")).not_to_contain_text("laves")

        check = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"]})
        with check.app_context():
            pdfs = db.session.scalars(sa.select(Document.pdf)).all()
            assert len(pdfs) == VISITS and all(verify(pdf).valid for pdf in pdfs)  # sealed, intact
            db.session.remove()
            db.engine.dispose()
    finally:
        context.close()
        for process in processes:
            process.stop()
