"""The supervisor's pages at municipal scale: the dashboard and a filtered history page on PostgreSQL.

Run: tests/with-postgres.sh .venv/bin/python bench/dashboard.py [requests] [scale]
(a throwaway PostgreSQL cluster; the script refuses SQLite). It builds `scale` times (default 10) a
municipality of 100,000 visits for 5,000 citizens and 150 jobformidlere in 15 teams, so 1,000,000 visits for
50,000 citizens and 1,500 jobformidlere in 150 teams by default (COPY: about a minute), then asks each
page `requests` times as a logged-in supervisor and prints the median and the 95th percentile of the server
time (the Flask app in this process, no network). Goals: the dashboard ≤ 150 ms and a filtered history page
≤ 100 ms at p95. The team trend, which the dashboard loads
as a second request once it is shown, is measured beside them. A benchmark never fails: it exits 0.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app
from app.auth.services import hash_password
from app.config import TestConfig
from app.core.timeutil import local_today
from app.extensions import db
from app.models import Citizen, Role, User, Visit
from bench.supervision import seed  # the same municipality as the indicator queries' bench

REQUESTS = 40
SCALE = 10  # issue 14: 1,000,000 visits, ten times the municipality of bench/supervision.py
# The trend chart is a separate request the dashboard makes once it is shown: measured, without a goal.
GOALS = {"dashboard": 150.0, "history": 100.0, "trend": None}
PASSWORD = "bench-password-1"


def build(today: date, scale: int) -> dict[str, int]:
    """The municipality (bench/supervision.py) `scale` times over, and a supervisor for team 1
    (jobformidlere 1-10)."""
    seed(random.Random(20261123), today, scale)
    db.session.add(
        User(
            username="leder1",
            full_name="Leder 1",
            role=Role.SUPERVISOR,
            team_id=1,
            password_hash=hash_password(PASSWORD),
        )
    )
    db.session.commit()

    def count(model: type) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))

    jobformidlere = db.session.scalar(sa.select(sa.func.count()).where(User.role == Role.JOBFORMIDLER))
    return {"visits": count(Visit), "citizens": count(Citizen), "jobformidlere": jobformidlere}


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


def main(runs: int = REQUESTS, scale: int = SCALE) -> None:
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
        counts = build(local_today(), scale)
        built = time.perf_counter() - started
    client = app.test_client()
    client.post("/login", data={"username": "leder1", "password": PASSWORD})
    broker = "1"  # the first jobformidler of team 1
    year_ago = (local_today() - timedelta(days=365)).isoformat()
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
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else REQUESTS,
        int(sys.argv[2]) if len(sys.argv) > 2 else SCALE,
    )
