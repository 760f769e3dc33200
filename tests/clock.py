"""The one clock of the test suite.

Every test runs with the time frozen by time-machine at the start of the run and ticking on from there, so
the server under test (in this process), the test's own arithmetic and the browser agree on "now". The start
is the latest 10:00 in Copenhagen that has passed (today's, or before 10:00 yesterday's), so that an ordinary
run still meets the real calendar and is never ahead of the machine's clock, or the moment given by
EFTERVAERN_TEST_TODAY (`2026-02-28`, or `2026-03-29T01:30` for a time of day), which is how `make
test-calendar` runs the suite on chosen days.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COPENHAGEN = ZoneInfo("Europe/Copenhagen")
DEFAULT_TIME_OF_DAY = time(10, 0)
ENV = "EFTERVAERN_TEST_TODAY"
# True while the suite's frozen clock runs (tests/conftest.py): the servers a test starts then run on it too.
SUITE_CLOCK_RUNNING = False


def start_of_run(value: str | None = None) -> datetime:
    """The moment a run starts at: EFTERVAERN_TEST_TODAY, or the latest 10:00 in Copenhagen."""
    value = os.environ.get(ENV, "") if value is None else value
    if not value.strip():
        real_now = datetime.now(COPENHAGEN)  # noqa: TID251 (the run's one look at the real calendar)
        # The latest 10:00 that has passed: before 10:00, yesterday's. The run's "now" is then never ahead
        # of the machine's clock, which a browser's service worker keeps (Playwright sets the pages' clock
        # only), and a page's times must not come after the moment the worker says it sent them.
        day = real_now.date()
        if real_now.time() < DEFAULT_TIME_OF_DAY:
            day -= timedelta(days=1)
        return datetime.combine(day, DEFAULT_TIME_OF_DAY, COPENHAGEN)
    try:
        if "T" in value or " " in value:
            moment = datetime.fromisoformat(value.strip())
            return moment if moment.tzinfo else moment.replace(tzinfo=COPENHAGEN)
        return datetime.combine(date.fromisoformat(value.strip()), DEFAULT_TIME_OF_DAY, COPENHAGEN)
    except ValueError as error:
        raise SystemExit(f"{ENV}={value!r} is neither YYYY-MM-DD nor YYYY-MM-DDTHH:MM") from error
