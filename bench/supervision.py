"""How fast the supervisor's numbers are on a municipality-sized database: 150 jobformidlere in 15 teams,
5,000 citizens, about 7,500 courses and 100,000 visits.

Run on PostgreSQL (the production database) through the throwaway cluster:
    tests/with-postgres.sh .venv/bin/python bench/supervision.py [runs]
Without TEST_DATABASE_URL it runs on a SQLite file. Prints a table of median and p95 in ms; the goal
(the whole municipality's indicators, p95 ≤ 150 ms) is shown as PASS or MISS. A benchmark never fails.
"""

from __future__ import annotations

import enum
import itertools
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from app import create_app
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
from app.models.base import utcnow
from app.placements.schedule import add_months
from app.supervision import discipline, hours, indicators
from app.visits.defaults import ensure_default_template

RUNS = 30
WARM_UP = 3
GOAL_MS = 150
TODAY = date(2026, 11, 23)
TEAMS, PER_TEAM, CITIZENS, VISITS = 15, 10, 5000, 100_000
CHUNK = 5000
TWO = ("monthly_on_site", "hours_discussed")  # what a small trend chart might show


def _insert(model: type, rows: Iterable[dict]) -> None:
    """Bulk inserts: COPY on PostgreSQL (a million rows in well under a minute), multi-row INSERTs
    elsewhere. Rows come from a generator, so they are never all in memory at once."""
    if db.engine.dialect.name == "postgresql":
        _copy(model, rows)
        return
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            db.session.execute(sa.insert(model), batch)
            batch = []
    if batch:
        db.session.execute(sa.insert(model), batch)


def _copy(model: type, rows: Iterable[dict]) -> None:
    """COPY … FROM STDIN through psycopg, with the columns' Python-side defaults filled in (COPY knows
    only the server's) and enums and JSON as the database stores them."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return
    table = model.__table__
    now = utcnow()
    defaults = {}
    for column in table.columns:
        if column.name in first or column.default is None:
            continue
        default = column.default
        defaults[column.name] = now if default.is_callable else default.arg
    names = [*first, *defaults]
    json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}

    def value(name: str, v: object) -> object:
        if isinstance(v, enum.Enum):
            return v.value
        if name in json_columns:
            return json.dumps(v)
        return v

    cursor = db.session.connection().connection.dbapi_connection.cursor()
    columns = ", ".join(f'"{n}"' for n in names)
    with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
        for row in itertools.chain([first], iterator):
            copy.write_row([value(n, row.get(n, defaults.get(n))) for n in names])


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 11, tzinfo=UTC)


def seed(rng: random.Random, today: date = TODAY, scale: int = 1) -> None:
    """The municipality, `scale` times over (teams, citizens, courses, visits): bulk inserts, no ORM
    objects. Also used by bench/dashboard.py."""
    teams, citizen_count, visit_count = TEAMS * scale, CITIZENS * scale, VISITS * scale
    companies = 300 * scale
    _insert(Team, ({"name": f"Team {t}"} for t in range(teams)))
    user_count = teams * PER_TEAM
    _insert(
        User,
        (
            {
                "username": f"jf{n}",
                "full_name": f"Jobformidler {n}",
                "role": Role.JOBFORMIDLER,
                "team_id": n // PER_TEAM + 1,
                "password_hash": "x",
            }
            for n in range(user_count)
        ),
    )
    _insert(Company, ({"cvr": f"{10000000 + n}", "name": f"Virksomhed {n}"} for n in range(companies)))
    _insert(
        Workplace,
        (
            {
                "company_id": n + 1,
                "p_number": f"{1000000000 + n}",
                "name": "Afdeling",
                "address": "Vej 1",
                "postcode": "7400",
                "city": "Herning",
            }
            for n in range(companies)
        ),
    )
    _insert(ContactPerson, ({"company_id": n + 1, "name": f"Kontakt {n}"} for n in range(companies)))
    statuses = (
        [CitizenStatus.IN_COURSE] * 11
        + [CitizenStatus.MATCHING] * 4
        + [
            CitizenStatus.COMPLETED,
            CitizenStatus.COMPLETED,
            CitizenStatus.REHABILITATION,
            CitizenStatus.INACTIVE,
        ]
    )
    citizens = [
        {
            "first_name": f"Borger{n}",
            "last_name": "Hansen",
            "case_ref": f"SAG-{n:06d}",
            "jobformidler_id": n % user_count + 1,
            "status": rng.choice(statuses),
            "created_at": datetime(2024, 1, 1, tzinfo=UTC),
        }
        for n in range(citizen_count)
    ]
    _insert(Citizen, citizens)
    placements = []
    for n in range(len(citizens)):
        for course in range(rng.choice((1, 1, 2))):
            start = today - timedelta(days=rng.randint(0, 3 * 365))
            ended = start < today - timedelta(days=300) or (course == 0 and rng.random() < 0.2)
            end = min(start + timedelta(days=rng.randint(30, 300)), today) if ended else None
            status = (
                rng.choice(
                    [PlacementStatus.COMPLETED, PlacementStatus.BROKEN_OFF, PlacementStatus.REHABILITATION]
                )
                if ended
                else rng.choice([PlacementStatus.ACTIVE] * 5 + [PlacementStatus.COMPLETED])
            )
            placements.append(
                {
                    "citizen_id": n + 1,
                    "workplace_id": rng.randint(1, companies),
                    "contact_person_id": rng.randint(1, companies) if rng.random() < 0.8 else None,
                    "kind": rng.choice(list(PlacementKind)),
                    "status": status,
                    "start_date": start,
                    "end_date": end,
                    "agreement_date": start - timedelta(days=rng.randint(-3, 14)),
                    "paid_hours_per_week": Decimal(rng.choice([0, 0, 2, 4, 7, 12])),
                    "internship_hours_per_week": Decimal(rng.choice([0, 10, 15])),
                }
            )
    _insert(Placement, placements)

    def scheduled() -> Iterator[dict]:
        for placement_id, p in enumerate(placements, start=1):
            for m in range(1, 13):
                due = add_months(p["start_date"], m)
                done = due < today and rng.random() < 0.85
                yield {
                    "placement_id": placement_id,
                    "due_date": due,
                    "status": ScheduledVisitStatus.DONE if done else ScheduledVisitStatus.PLANNED,
                }

    _insert(ScheduledVisit, scheduled())
    template_id = ensure_default_template().id
    per_course = math.ceil(visit_count / len(placements))

    def visits() -> Iterator[dict]:
        made = 0
        for placement_id, p in enumerate(placements, start=1):
            last = p["end_date"] or today
            owner = citizens[p["citizen_id"] - 1]["jobformidler_id"]
            for _ in range(per_course):
                if made == visit_count:
                    return
                made += 1
                day = p["start_date"] + timedelta(days=rng.randint(0, max((last - p["start_date"]).days, 0)))
                yield {
                    "uuid": uuid.UUID(int=rng.getrandbits(128)),
                    "placement_id": placement_id,
                    "template_id": template_id,
                    "performed_by_id": owner if rng.random() < 0.9 else rng.randint(1, user_count),
                    "performed_at": _noon(day),
                    "on_site": rng.random() < 0.8,
                    "hours_discussed": rng.random() < 0.85,
                    "paid_hours_per_week": Decimal(rng.choice([0, 2, 4, 7])) if rng.random() < 0.7 else None,
                    "state": VisitState.DRAFT if rng.random() < 0.03 else VisitState.COMPLETED,
                    "answers": {},
                    "actions": [],
                }

    _insert(Visit, visits())
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))


def _measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and 95th percentile in ms, after warm-up runs."""
    for _ in range(WARM_UP):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()  # as a request ends: nothing cached in the session between runs
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)]


def main(runs: int = RUNS) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        config = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url})
        with app.test_request_context("/"):
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            seed(random.Random(20261123))
            seeded = time.perf_counter() - started
            counts = {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in (
                Citizen, Placement, Visit, ScheduledVisit)}  # fmt: skip
            team = discipline_scope = frozenset(range(1, PER_TEAM + 1))
            team_citizens = db.session.scalars(
                sa.select(Citizen.id).where(Citizen.jobformidler_id.in_(team))
            ).all()
            november = (date(2026, 11, 1), date(2026, 11, 30), TODAY)
            rows = [
                ("indicators, whole municipality", lambda: indicators.indicators(None, *november), True),
                ("indicators, one team", lambda: indicators.indicators(team, *november), False),
                (
                    "drill-down list, one team",
                    lambda: db.session.scalars(
                        indicators.indicator_citizens("monthly_on_site", "missing", team, *november)
                    ).all(),
                    False,
                ),
                ("trend, 12 months × 7, one team", lambda: indicators.monthly_trend(team, 12, TODAY), False),
                (
                    "trend, 12 months × 2, one team",
                    lambda: indicators.monthly_trend(team, 12, TODAY, TWO),
                    False,
                ),
                (
                    "trend, 12 months × 7, municipality",
                    lambda: indicators.monthly_trend(None, 12, TODAY),
                    False,
                ),
                (
                    "jobformidler overview, municipality",
                    lambda: discipline.jobformidler_overview(None, TODAY),
                    False,
                ),
                ("on-site gaps, one team", lambda: discipline.on_site_gaps(discipline_scope, TODAY), False),
                (
                    "225-hour standings, one team",
                    lambda: hours.rule_225_standings(team_citizens, TODAY),
                    False,
                ),
            ]
            results = [(name, *_measure(fn, runs), goal) for name, fn, goal in rows]
            dialect = db.engine.dialect.name
            db.session.remove()
            db.drop_all()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"Supervision on {dialect}: {counts} (seeded in {seeded:.0f} s); {runs} runs after {WARM_UP} "
        f"warm-up; load average {load} on {os.cpu_count()} CPUs"
    )
    print(f"{'query':<40} {'median':>8} {'p95':>8}  note")
    print("-" * 80)
    for name, median, p95, goal in results:
        note = f"goal p95 ≤ {GOAL_MS} ms: {'PASS' if p95 <= GOAL_MS else 'MISS'}" if goal else ""
        print(f"{name:<40} {median:>8.1f} {p95:>8.1f}  {note}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
