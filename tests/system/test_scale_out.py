"""Scale-out with real parts (issue 14): PostgreSQL and Redis started by the test, two gunicorn
processes on two ports, two `flask worker` processes. 20 visits are signed through both web processes
while one worker is killed with SIGKILL in the middle of making a summary."""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app import create_app
from app.core.timeutil import local_today
from app.extensions import db
from app.models import Delivery, DeliveryStatus, Document, PlacementKind, Visit
from app.placements.services import create_placement
from tests.conftest import _config
from tests.factories import PASSWORD, make_citizen, make_contact, make_user, make_workplace
from tests.servers import (
    BIN,
    ROOT,
    Browserless,
    app_env,
    free_port,
    gunicorn,
    postgres_database,
    redis_server,
    wait_http,
    worker,
)
from tests.visit_helpers import STROKES, payload

VISITS = 20
pytestmark = pytest.mark.timeout(600)


def _courses(database_url: str, redis_url: str) -> tuple[list[dict], list[str]]:
    """A jobformidler with 20 courses, each with its own contact person's and citizen's address.
    Returns each visit's API payload and every recipient address."""
    setup = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": database_url, "TASK_QUEUE_URL": redis_url})
    with setup.app_context():
        me = make_user(username="mette", full_name="Mette Sørensen", email="mette@kommune.example")
        payloads, addresses = [], []
        for n in range(VISITS):
            citizen = make_citizen(
                me, first_name=f"Borger{n}", last_name="Khan", email=f"borger{n}@example.org"
            )
            workplace = make_workplace(name=f"Butik {n}")
            contact = make_contact(workplace.company, name=f"Kontakt {n}", email=f"kontakt{n}@firma.example")
            placement = create_placement(
                citizen,
                {
                    "kind": PlacementKind.MIXED,
                    "workplace_id": workplace.id,
                    "contact_person_id": contact.id,
                    "start_date": local_today() - timedelta(days=30),
                    "planned_end_date": local_today() + timedelta(days=300),
                    "paid_hours_per_week": Decimal(4),
                    "internship_hours_per_week": Decimal(11),
                },
                me,
                local_today(),
            )
            payloads.append(payload(placement))
            addresses += [citizen.email, contact.email]
        db.session.remove()
        db.engine.dispose()
    return payloads, addresses


def _count(database_url: str, query) -> int:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    finally:
        engine.dispose()


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {what}")
        time.sleep(0.25)


def test_two_web_processes_and_two_workers_one_killed(tmp_path, smtp_server):
    """Exactly 20 summaries, each delivery received once, and rate limits counted across both web
    processes, with one worker SIGKILLed in the middle of a summary job?"""
    with postgres_database() as database_url, redis_server() as redis_url:
        env = app_env(
            database_url,
            redis_url,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_server.port),
            SWEEP_SECONDS="1",
            JOB_GRACE_SECONDS="3",
            SIGNING_RATE_LIMIT="6 per minute",
        )
        init = subprocess.run(
            [str(BIN / "flask"), "init-db"], env=env, capture_output=True, text=True, cwd=ROOT
        )
        assert init.returncode == 0, init.stderr
        payloads, addresses = _courses(database_url, redis_url)

        ports = [free_port(), free_port()]
        processes = [gunicorn(f"web{i}", port, env, tmp_path) for i, port in enumerate(ports)]
        victim, survivor = worker("worker-victim", env, tmp_path), worker("worker-survivor", env, tmp_path)
        processes += [victim, survivor]
        try:
            for process in processes:
                process.start()
            for port in ports:
                wait_http(f"http://127.0.0.1:{port}/ping")
            _wait(lambda: "Huey consumer started" in victim.log() + survivor.log(), 60, "workers up")

            clients = [Browserless(f"http://127.0.0.1:{port}") for port in ports]
            for client in clients:
                client.login("mette", PASSWORD)

            def sign(n: int) -> None:
                key = uuid.uuid4()
                first, second = (
                    clients[n % 2],
                    clients[(n + 1) % 2],
                )  # the visit through one, a signature through the other
                status, answer = first.request("PUT", f"/api/v1/visits/{key}", body=payloads[n])
                assert status == 201, answer
                for client, role in ((first, "company_contact"), (second, "citizen")):
                    signature = {"name": f"Navn {n}", "strokes": STROKES, "width": 500, "height": 200}
                    status, answer = client.request(
                        "PUT", f"/api/v1/visits/{key}/signatures/{role}", body=signature
                    )
                    assert status == 201, answer

            with ThreadPoolExecutor(4) as pool:
                futures = [pool.submit(sign, n) for n in range(VISITS)]
                # Killed while it makes a summary: it takes one job at a time, and its log names the job.
                _wait(
                    lambda: re.search(r"Executing app\.jobs\.tasks\.make_summary", victim.log()),
                    120,
                    "a summary job",
                )
                victim.kill()
                for future in futures:
                    future.result()

            summaries = sa.select(Document.id)
            sent = sa.select(Delivery.id).where(Delivery.status == DeliveryStatus.SENT)
            _wait(lambda: _count(database_url, sent) == 2 * VISITS, 180, "every delivery sent")
            time.sleep(4)  # a few more sweeps: nothing may be sent twice later
            assert _count(database_url, summaries) == VISITS
            assert _count(database_url, sa.select(Visit.id).where(Visit.state == "delivered")) == VISITS
            received = {address: len(smtp_server.to(address)) for address in addresses}
            assert received == dict.fromkeys(addresses, 1)
            assert len(smtp_server.messages) == 2 * VISITS

            # Rate limits live in Redis: 6 per minute for one address, whichever process answers.
            statuses = [clients[n % 2].request("GET", f"/s/not-a-token-{n}")[0] for n in range(7)]
            assert statuses == [404] * 6 + [429]
        finally:
            for process in processes:
                process.stop()
        # The killed worker's job was gone with it; the survivor's sweep queued that summary again.
        assert re.search(r"sweep: queued [1-9]\d* summaries", survivor.log()), survivor.log()[-3000:]
        assert "Traceback" not in survivor.log(), survivor.log()[-3000:]
