"""The suite's one clock: frozen at the start of the run, on a day that can be chosen."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.core import timeutil
from tests.clock import COPENHAGEN, start_of_run

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_and_the_test_read_the_same_frozen_clock(frozen_clock):
    """Do the app's clock and the test's own datetime both stand at the run's start (ticking on)?"""
    elapsed = timeutil.utcnow() - frozen_clock
    assert timedelta(0) <= elapsed < timedelta(hours=2)
    assert abs(datetime.now(UTC) - timeutil.utcnow()) < timedelta(seconds=5)  # noqa: TID251 (the point)
    assert timeutil.local_today() == (frozen_clock + elapsed).astimezone(COPENHAGEN).date()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-02-28", datetime(2026, 2, 28, 10, 0, tzinfo=COPENHAGEN)),
        ("2028-02-29", datetime(2028, 2, 29, 10, 0, tzinfo=COPENHAGEN)),
        ("2026-03-29T00:30", datetime(2026, 3, 29, 0, 30, tzinfo=COPENHAGEN)),
        (" 2026-12-31T23:40 ", datetime(2026, 12, 31, 23, 40, tzinfo=COPENHAGEN)),
        ("2026-10-25T22:30+00:00", datetime(2026, 10, 25, 22, 30, tzinfo=UTC)),
    ],
)
def test_the_start_of_a_run_can_be_chosen(value, expected):
    """Does EFTERVAERN_TEST_TODAY take a date (10:00 in Copenhagen) or a moment?"""
    assert start_of_run(value) == expected


def test_without_a_chosen_day_the_run_starts_today_at_ten():
    """Unset, does a run start on the calendar's today at 10:00 (read here through the frozen clock)?"""
    start = start_of_run("")
    assert (start.hour, start.minute, start.tzinfo) == (10, 0, COPENHAGEN)
    assert start.date() == timeutil.local_today()


@pytest.mark.parametrize("value", ["28-02-2026", "2026-02-30", "i morgen"])
def test_a_malformed_day_stops_the_run_with_a_clear_message(value):
    """Is a mistyped EFTERVAERN_TEST_TODAY refused rather than silently replaced by today?"""
    with pytest.raises(SystemExit, match="EFTERVAERN_TEST_TODAY"):
        start_of_run(value)


WALL_CLOCK = re.compile(r"\b(date\.today|datetime\.(now|utcnow|today)|time\.time(_ns)?)\(")


def test_nothing_reads_the_wall_clock_but_timeutil():
    """Outside app/core/timeutil.py (and the suite's clock), does no code read the machine's clock?

    ruff's banned-api rule (TID251, in pyproject.toml) says the same at lint time; this grep also catches
    a `# noqa` slipped in elsewhere.
    """
    files = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    allowed = {"app/core/timeutil.py", "tests/clock.py", "tests/unit/test_clock.py"}
    readers = [
        f"{name}:{number}"
        for name in files
        if name not in allowed and (ROOT / name).exists()
        for number, line in enumerate((ROOT / name).read_text().splitlines(), 1)
        if WALL_CLOCK.search(line)
    ]
    assert readers == []


def test_the_calendar_sweep_names_only_tests_that_exist():
    """Does every test file the calendar sweep runs exist (a removed one would make `make test` fail)?"""
    script = (ROOT / "tests" / "calendar-sweep.sh").read_text()
    listed = re.findall(r"tests/(?:unit|integration|e2e)/\w+\.py", script.split("TESTS=(")[1].split(")")[0])
    assert len(listed) >= 15
    assert [name for name in listed if not (ROOT / name).exists()] == []
