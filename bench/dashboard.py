"""The supervisor's pages at municipal scale: the dashboard and a filtered history page on PostgreSQL.

Run: tests/with-postgres.sh .venv/bin/python bench/dashboard.py [requests]
(a throwaway PostgreSQL cluster; the script refuses SQLite). It builds 100,000 visits for 5,000 citizens and
150 jobformidlere in 15 teams, then asks each page `requests` times as a logged-in supervisor and prints the
median and the 95th percentile of the server time (the Flask app in this process, no network). Goals: the
dashboard ≤ 150 ms and a filtered history page ≤ 100 ms at p95. The team trend, which the dashboard loads
as a second request once it is shown, is measured beside them. A benchmark never fails: it exits 0.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from app import create_app
from app.auth.services import hash_password
from app.config import TestConfig
from app.extensions import db
from app.models import (
    Citizen,
    CitizenStatus,
    Company,
    ContactPerson,
    Placement,
    PlacementKind,
    PlacementStatus,
    Role,
    ScheduledVisit,
    ScheduledVisitStatus,
    Team,
    User,
    Visit,
    VisitState,
    Workplace,
)
from app.visits.defaults import ensure_default_template

TEAMS = 15
PER_TEAM = 10  # jobformidlere per team: 150 in all
CITIZENS = 5_000
VISITS = 100_000
COMPANIES = 800
REQUESTS = 40
# The trend chart is a separate request the dashboard makes once it is shown: measured, without a goal.
GOALS = {"dashboard": 150.0, "history": 100.0, "trend": None}
PASSWORD = "bench-password-1"


def _chunks(rows: list[dict], size: int = 5_000):
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _insert(model, rows: list[dict]) -> None:
    for chunk in _chunks(rows):
        db.session.execute(sa.insert(model), chunk)


def build(today: date, seed: int = 7) -> dict[str, int]:
    """The municipality's data, made with bulk inserts (a few seconds). Returns row counts."""
    rng = random.Random(seed)
    template = ensure_default_template()
    password = hash_password(PASSWORD)
    _insert(Team, [{"id": t + 1, "name": f"Team {t + 1}"} for t in range(TEAMS)])
    users = []
    for t in range(TEAMS):
        users.append(
            {
                "id": t * (PER_TEAM + 1) + 1,
                "username": f"leder{t + 1}",
                "full_name": f"Leder {t + 1}",
                "role": Role.SUPERVISOR,
                "team_id": t + 1,
                "password_hash": password,
            }
        )
        for j in range(PER_TEAM):
            users.append(
                {
                    "id": t * (PER_TEAM + 1) + 2 + j,
                    "username": f"jf{t + 1}-{j + 1}",
                    "full_name": f"Jobformidler {t + 1}-{j + 1}",
                    "role": Role.JOBFORMIDLER,
                    "team_id": t + 1,
                    "password_hash": password,
                }
            )
    _insert(User, users)
    brokers = [u["id"] for u in users if u["role"] == Role.JOBFORMIDLER]
    _insert(
        Company,
        [
            {"id": c + 1, "cvr": f"{30000000 + c:08d}", "name": f"Virksomhed {c + 1} ApS"}
            for c in range(COMPANIES)
        ],
    )
    _insert(
        Workplace,
        [
            {
                "id": c + 1,
                "company_id": c + 1,
                "name": "Hovedadressen",
                "address": f"Vej {c}",
                "postcode": "7400",
            }
            | {"city": "Herning"}
            for c in range(COMPANIES)
        ],
    )
    _insert(
        ContactPerson,
        [{"id": c + 1, "company_id": c + 1, "name": f"Kontakt {c + 1}"} for c in range(COMPANIES)],
    )

    citizens, placements, planned, visits = [], [], [], []
    per_citizen = VISITS // CITIZENS
    for n in range(CITIZENS):
        cid = n + 1
        broker = brokers[n % len(brokers)]
        status = rng.choices(
            [
                PlacementStatus.ACTIVE,
                PlacementStatus.COMPLETED,
                PlacementStatus.BROKEN_OFF,
                PlacementStatus.PLANNED,
            ],
            [70, 12, 10, 8],
        )[0]
        start = today - timedelta(days=rng.randint(40, 720))
        citizens.append(
            {
                "id": cid,
                "first_name": f"Borger{cid}",
                "last_name": "Hansen",
                "case_ref": f"SAG-{cid:06d}",
                "jobformidler_id": broker,
                "status": CitizenStatus.IN_COURSE,
            }
        )
        company = rng.randint(1, COMPANIES)
        placements.append(
            {
                "id": cid,
                "citizen_id": cid,
                "workplace_id": company,
                "contact_person_id": company if rng.random() < 0.8 else None,
                "kind": rng.choice(list(PlacementKind)),
                "status": status,
                "start_date": start,
                "agreement_date": start - timedelta(days=rng.randint(-3, 14)),
                "paid_hours_per_week": Decimal(rng.choice([0, 2, 4, 8])),
                "internship_hours_per_week": Decimal(rng.choice([0, 8, 12, 15])),
                "end_date": start + timedelta(days=300) if status == PlacementStatus.BROKEN_OFF else None,
            }
        )
        for month in range(13):
            due = start + timedelta(days=7 if month == 0 else 30 * month)
            planned.append(
                {
                    "placement_id": cid,
                    "due_date": due,
                    "label": f"{month}m",
                    "status": ScheduledVisitStatus.DONE
                    if due < today - timedelta(days=14)
                    else ScheduledVisitStatus.PLANNED,
                }
            )
        span = max(1, (today - start).days)
        for k in range(per_citizen):
            at = datetime.combine(
                start + timedelta(days=span * (k + 1) // (per_citizen + 1)), datetime.min.time(), UTC
            )
            visits.append(
                {
                    "uuid": uuid.UUID(int=rng.getrandbits(128)),
                    "placement_id": cid,
                    "template_id": template.id,
                    "performed_by_id": broker,
                    "performed_at": at + timedelta(hours=9),
                    "on_site": rng.random() < 0.85,
                    "answers": {},
                    "actions": [],
                    "paid_hours_per_week": Decimal(min(37, k // 3)),
                    "internship_hours_per_week": Decimal(max(0, 15 - k // 2)),
                    "hours_discussed": rng.random() < 0.9,
                    "state": VisitState.DELIVERED if rng.random() < 0.9 else VisitState.COMPLETED,
                }
            )
    _insert(Citizen, citizens)
    _insert(Placement, placements)
    _insert(ScheduledVisit, planned)
    _insert(Visit, visits)
    db.session.commit()
    for table in ("teams", "users", "companies", "workplaces", "contact_persons", "citizens", "placements"):
        db.session.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return {
        "visits": len(visits),
        "citizens": len(citizens),
        "jobformidlere": len(brokers),
        "planned": len(planned),
    }


def _timed(client, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(runs: int = REQUESTS) -> None:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        print("bench/dashboard.py needs PostgreSQL:")
        print("  tests/with-postgres.sh .venv/bin/python bench/dashboard.py")
        return
    config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        counts = build(date.today())
        built = time.perf_counter() - started
    client = app.test_client()
    client.post("/login", data={"username": "leder1", "password": PASSWORD})
    broker = "2"  # the first jobformidler of team 1
    year_ago = (date.today() - timedelta(days=365)).isoformat()
    pages = {
        "dashboard": "/leder",
        "history": f"/leder/besoeg?jobformidler={broker}&date_from={year_ago}",
        "trend": "/leder/tendens",
    }
    results = {}
    for name, page in pages.items():
        _timed(client, page, 3)  # warm-up: templates compiled, connections open
        results[name] = _timed(client, page, runs)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Supervisor pages on PostgreSQL: {counts['visits']:,} visits, {counts['citizens']:,} citizens, "
        f"{counts['jobformidlere']} jobformidlere (built in {built:.0f} s); {runs} requests each; "
        f"load average {load} on {os.cpu_count()} CPUs"
    )
    print(f"{'page':<12} {'median':>8} {'p95':>8} {'goal':>8}  verdict")
    print("-" * 48)
    for name, times in results.items():
        p95, goal = _p95(times), GOALS[name]
        verdict = "—" if goal is None else ("PASS" if p95 <= goal else "MISS")
        shown = "—" if goal is None else f"{goal:.0f}"
        print(f"{name:<12} {statistics.median(times):>8.1f} {p95:>8.1f} {shown:>8}  {verdict}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else REQUESTS)
