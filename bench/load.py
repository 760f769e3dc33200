"""Requests per second of the hot endpoints against the production setup, all in one run.

Run: .venv/bin/python bench/load.py [seconds] [rounds]   (Debian's `wrk`: `make system-deps`)

It starts a throwaway PostgreSQL cluster and Redis, `flask init-db` + `flask demo-data`, gunicorn with
4 sync workers (gunicorn.conf.py) and one `flask worker`, logs in as the demo jobformidler and measures
with wrk (2 threads, 16 connections, on loopback): `/ping` (the framework's floor), the home page (12
citizens), a PUT of a new visit, the same PUT replayed, and a signing request (the last signature, which
queues the summary). Before measuring, the database is analysed (VACUUM ANALYZE, as autovacuum keeps a
database in service) and each worker warmed by 2 s of the GET paths, not counted. Each row is measured in
`rounds` (3) turns of seconds/rounds (12 s in all), each turn right after a turn of `/ping`, so that a
row is set beside the floor measured at the same moment: on a shared 2-CPU machine the floor itself moved
by 2 × between rows measured a minute apart. A row's share of `/ping` is the median of its turns' shares
(the range beside it); requests/s and p50/p95 are the median
turn's. `ONLY=home,put` measures only the rows whose names hold one of those words. Goals (issue 14):
home ≥ 10 % of /ping, new PUT ≥ 10 %, replay ≥ 25 %, signing p95 ≤ 2 × the PUT's p95. Never fails.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from tests.servers import (  # noqa: E402
    BIN,
    Browserless,
    app_env,
    free_port,
    gunicorn,
    postgres_database,
    redis_server,
    wait_http,
    worker,
)

SECONDS = int(sys.argv[1]) if len(sys.argv) > 1 else 12
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
STROKES = [{"points": [{"x": 20 + i * 9, "y": 120 - (i % 5) * 11} for i in range(30)]}]

# Each request's headers; `paths` (if any) are taken in turn, each thread its own share of them (so that
# no two threads send the same signature); p50/p95 printed for parsing. Each thread seeds its own random
# numbers: wrk gives every thread a fresh Lua state, and with one seed the threads' "new" UUIDs were the
# same, so that half of the "new" PUTs raced each other as duplicates.
LUA = """
local headers = %(headers)s
local method, body = "%(method)s", %(body)s
local paths = %(paths)s
local offset = %(offset)d
local n = 0
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
function init(args)
  math.randomseed(os.time() * 1000 + id * 7919)
  n = id - 1 + offset
end
local function uuid4()
  return string.format("%%08x-%%04x-4%%03x-%%04x-%%012x", math.random(0, 0xffffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffffffffff))
end
request = function()
  n = n + 2  -- wrk -t2: thread 1 takes the odd paths, thread 2 the even ones
  local path = "%(path)s"
  if #paths > 0 then path = paths[(n %% #paths) + 1] end
  path = path:gsub("{uuid}", uuid4)
  return wrk.format(method, path, headers, body)
end
done = function(summary, latency, requests)
  io.write(string.format("P50 %%d\\nP95 %%d\\nERRORS %%d\\n", latency:percentile(50), latency:percentile(95),
    summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
"""


def lua_table(values: list[str]) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def run_wrk(
    base: str,
    path: str,
    headers: dict,
    method: str = "GET",
    body: str | None = None,
    paths=(),
    seconds: int = SECONDS,
    offset: int = 0,
) -> dict:
    """One wrk run; `paths` are taken in turn from `offset` on (each path is used once in a bench)."""
    script = LUA % {
        "headers": "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()) + "}",
        "method": method,
        "body": json.dumps(body) if body is not None else "nil",
        "paths": lua_table(list(paths)),
        "path": path,
        "offset": offset,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", f.name, base], capture_output=True, text=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {
        "rps": rate,
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": int(re.search(r"P50 (\d+)", out).group(1)) / 1000,
        "p95": int(re.search(r"P95 (\d+)", out).group(1)) / 1000,
        "errors": int(re.search(r"ERRORS (\d+)", out).group(1)),
    }


@dataclass
class Row:
    """A row's turns, each beside the `/ping` turn measured just before it."""

    turns: list[tuple[dict, dict]] = field(default_factory=list)

    def share(self, turn: tuple[dict, dict]) -> float:
        floor, row = turn
        return 100 * row["rps"] / floor["rps"] if floor["rps"] else 0.0

    def median_turn(self) -> tuple[dict, dict]:
        return sorted(self.turns, key=self.share)[len(self.turns) // 2]


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        postgres_database() as database_url,
        redis_server() as redis_url,
    ):
        logs = Path(tmp)
        env = app_env(database_url, redis_url, RATELIMIT_ENABLED="0", SMTP_PORT=str(free_port()))
        for command in (["init-db"], ["demo-data"]):
            done = subprocess.run(
                [str(BIN / "flask"), *command], env=env, capture_output=True, text=True, cwd=ROOT
            )
            if done.returncode:
                raise SystemExit(done.stderr[-3000:])
        port = free_port()
        processes = [gunicorn("web", port, env, logs, workers=4), worker("worker", env, logs, threads=2)]
        try:
            for process in processes:
                process.start()
            base = f"http://127.0.0.1:{port}"
            wait_http(base + "/ping")
            client = Browserless(base)
            client.login("jobformidler", "demo1234")
            cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.values.items())
            visit = _payload(database_url)
            body = json.dumps(visit)
            api = {"Cookie": cookie, "X-CSRFToken": client.csrf, "Content-Type": "application/json"}

            replay = f"/api/v1/visits/{uuid.uuid4()}"
            assert client.request("PUT", replay, body=visit)[0] == 201
            # Visits signed by the company contact, waiting for the citizen's (the last) signature.
            keys = [str(uuid.uuid4()) for _ in range(int(SECONDS * 480))]
            signature = {"name": "Bench Underskriver", "strokes": STROKES, "width": 500, "height": 200}

            def prepare(key: str) -> None:
                client.request("PUT", f"/api/v1/visits/{key}", body=visit)
                client.request("PUT", f"/api/v1/visits/{key}/signatures/company_contact", body=signature)

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(prepare, keys))
            # As a database in service: its statistics made (autovacuum would otherwise analyse the new
            # rows in the middle of a row's turns and change its plans), and every worker past its first
            # requests (templates compiled, statements prepared), by a turn of each GET path not counted.
            _settle(database_url)
            for path, headers in (("/ping", {}), ("/", {"Cookie": cookie})):
                run_wrk(base, path, headers, seconds=2)

            turn = max(1, SECONDS // ROUNDS)  # wrk takes whole seconds
            used = {"signatures": 0}

            def sign(seconds: int) -> dict:
                # Each signing path once in the whole bench: the next turn starts past every path this
                # one may have taken (wrk's two threads take every other path each).
                done = run_wrk(
                    base,
                    "",
                    api,
                    "PUT",
                    json.dumps(signature),
                    paths=[f"/api/v1/visits/{k}/signatures/citizen" for k in keys],
                    seconds=seconds,
                    offset=used["signatures"],
                )
                used["signatures"] += 2 * done["requests"] + 2
                return done

            measures = {
                "home page of the demo jobformidler": lambda s: run_wrk(
                    base, "/", {"Cookie": cookie}, seconds=s
                ),
                "PUT /api/v1/visits/<new uuid>": lambda s: run_wrk(
                    base, "/api/v1/visits/{uuid}", api, "PUT", body, seconds=s
                ),
                "the same PUT replayed (identical)": lambda s: run_wrk(
                    base, replay, api, "PUT", body, seconds=s
                ),
                "the last signature (queues the summary)": sign,
            }
            rows: dict[str, Row] = {}
            for name, measure in measures.items():
                if _chosen(name):
                    rows[name] = Row()
                    for _ in range(ROUNDS):
                        floor = run_wrk(base, "/ping", {}, seconds=turn)
                        rows[name].turns.append((floor, measure(turn)))
            # What the non-2xx answers were (gunicorn's access log): a benchmark row of errors is no figure.
            statuses = re.findall(r'"(GET|PUT) (\S+?)(?:\?\S*)? HTTP/[\d.]+" (\d{3})', processes[0].log())
            odd = Counter((m, _route(path), status) for m, path, status in statuses if status[0] != "2")
        finally:
            for process in processes:
                process.stop()
    floors = sorted(floor["rps"] for row in rows.values() for floor, _ in row.turns)
    print(
        f"\nwrk -t2 -c16; each row {ROUNDS} turns of {max(1, SECONDS // ROUNDS)} s, each after a /ping turn; "
        "gunicorn 4 sync workers; PostgreSQL; Redis queue; 1 worker\n"
    )
    print("| endpoint | requests/s | /ping beside it | share of /ping (turns) | p50 | p95 | non-2xx/errors |")
    print("|---|---|---|---|---|---|---|")
    if floors:
        print(
            f"| /ping (the framework's floor), all turns | {statistics.median(floors):,.0f} "
            f"({floors[0]:,.0f}–{floors[-1]:,.0f}) | | 100 % | | | |"
        )
    for name, row in rows.items():
        floor, median = row.median_turn()
        shares = sorted(row.share(t) for t in row.turns)
        print(
            f"| {name} | {median['rps']:,.0f} | {floor['rps']:,.0f} | {row.share((floor, median)):.1f} % "
            f"({shares[0]:.1f}–{shares[-1]:.1f}) | {median['p50']:.1f} ms | {median['p95']:.1f} ms "
            f"| {sum(r['errors'] + f['errors'] for f, r in row.turns)} |"
        )
    if used["signatures"] > len(keys):
        print(
            f"\nNote: the signing turns took up to {used['signatures']} paths of {len(keys)}: "
            "some were signed twice."
        )
    if odd:
        print("\nAnswers other than 2xx (gunicorn's access log, the preparation included):")
        for (method, route, status), count in sorted(odd.items()):
            print(f"  {count:6d} × {status} {method} {route}")


def _chosen(name: str) -> bool:
    """Is the row measured in this run, as ONLY (a comma list of words) says (`/ping` is beside each)."""
    words = [w.strip().lower() for w in os.environ.get("ONLY", "").split(",") if w.strip()]
    return not words or any(w in name.lower() for w in words)


def _route(path: str) -> str:
    """A path with its UUIDs and ids as placeholders, to count answers by endpoint."""
    return re.sub(r"/\d+", "/<id>", re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<uuid>", path))


def _settle(database_url: str) -> None:
    engine = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def _payload(database_url: str) -> dict:
    """A complete visit for one of the demo jobformidler's courses, as the API takes it."""
    from app import create_app
    from tests.visit_helpers import payload

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TASK_QUEUE_URL": "memory://"})
    with app.app_context():
        from app.extensions import db
        from app.models import Citizen, Placement, User

        placement = db.session.scalar(
            sa.select(Placement)
            .join(Placement.citizen)
            .join(User, User.id == Citizen.jobformidler_id)
            .where(User.username == "jobformidler", Placement.status.in_(("active", "planned")))
            .limit(1)
        )
        data = payload(placement)
        db.session.remove()
        db.engine.dispose()
    return data


if __name__ == "__main__":
    main()
