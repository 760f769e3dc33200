"""Run a program of the installation under test on the suite's clock.

    python -m tests.suite_clock <ISO 8601 moment> <module> [arguments …]

The web and worker processes a system test starts would otherwise read the real clock, which may be hours
or days from the suite's frozen one (tests/clock.py; a calendar run is on another day altogether): a visit
the browser dates today could be "in the future" to them, a deadline already past. time-machine moves this
process's clock to the moment given and lets it tick, as the suite's does, and gunicorn's forked workers
and the worker's threads inherit it. tests/servers.py starts them through this when a test does.
"""

from __future__ import annotations

import runpy
import sys
from datetime import datetime

import time_machine


def main() -> None:
    moment, module, *arguments = sys.argv[1:]
    sys.argv = [module, *arguments]
    with time_machine.travel(datetime.fromisoformat(moment), tick=True):
        runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
