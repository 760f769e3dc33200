"""The servers a test starts run on the suite's frozen clock (tests/suite_clock.py), not the real one: on a
calendar run the suite's day is another day altogether, and a server on the real clock would judge what
the browser and the test made today as lying in the past or the future."""

from __future__ import annotations

import subprocess
import urllib.request
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import time_machine

from app.core.timeutil import utcnow
from tests.servers import BIN, ROOT, app_env, free_port, gunicorn, wait_http

AWAY = timedelta(days=400, hours=5)  # far from the real clock on any day the suite runs


def test_a_program_run_on_the_suite_clock_reads_the_moment_it_was_given():
    """Does `python -m tests.suite_clock <moment> <module>` run the module with its clock at that moment
    (Python's own calendar module prints the year it takes for this one)?"""
    moment = utcnow() + AWAY
    shown = subprocess.run(
        [str(BIN / "python"), "-m", "tests.suite_clock", moment.isoformat(), "calendar"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert shown.split()[0] == str(moment.year), shown[:200]


def test_gunicorn_started_by_a_test_answers_on_the_suites_clock(tmp_path: Path):
    """With the suite's clock moved 400 days from the real one, does a gunicorn the test starts date its
    answers by the suite's clock, in its forked workers too (the HTTP Date header)?"""
    env = app_env(f"sqlite:///{tmp_path / 'app.db'}", "", TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    port = free_port()
    with time_machine.travel(utcnow() + AWAY, tick=True):
        expected = utcnow()
        process = gunicorn("web", port, env, tmp_path, workers=1).start()
        try:
            wait_http(f"http://127.0.0.1:{port}/ping")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=10) as answer:
                dated = parsedate_to_datetime(answer.headers["Date"])
        finally:
            process.stop()
    assert abs(dated - expected) < timedelta(minutes=2), (dated, expected, process.log()[-2000:])
