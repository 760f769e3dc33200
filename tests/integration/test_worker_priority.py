"""A job worker yields the CPU to the web processes on its machine (WORKER_NICE; issue 14)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.jobs.cli import yield_the_cpu
from tests.servers import app_env, worker


@pytest.mark.parametrize("nice,expected", [(None, 10), ("0", 0), ("25", 19)])
def test_a_worker_runs_at_the_configured_lower_priority(tmp_path: Path, nice, expected):
    """Does `flask worker` lower its own CPU priority below its parent's by WORKER_NICE (10 by default, 0
    to keep it, at most 19)?"""
    env = app_env(f"sqlite:///{tmp_path / 'app.db'}", "", TASK_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.db'}")
    env.pop("WORKER_NICE", None)
    if nice is not None:
        env["WORKER_NICE"] = nice
    process = worker("worker", env, tmp_path).start()
    try:
        deadline = time.monotonic() + 60
        while "huey" not in process.log() and time.monotonic() < deadline:
            assert process.popen.poll() is None, process.log()
            time.sleep(0.2)
        assert "huey" in process.log(), process.log()
        assert os.getpriority(os.PRIO_PROCESS, process.popen.pid) == min(19, os.nice(0) + expected)
        # Started in a session of its own (tests/servers.py, as a service is): the session is lowered too,
        # where Linux shares the CPU between sessions first.
        autogroup = Path(f"/proc/{process.popen.pid}/autogroup")
        if autogroup.exists():
            assert autogroup.read_text().split()[-1] == str(expected)
    finally:
        process.stop()


def test_a_worker_in_the_web_servers_session_leaves_the_session_as_it_is():
    """A worker started beside the web server from one shell (`make run`) shares its session: is the
    session's priority left alone (lowering it would lower the web server too)?"""
    autogroup = Path("/proc/self/autogroup")
    if not autogroup.exists():
        pytest.skip("no autogroups on this system")
    before = autogroup.read_text()
    pid = os.fork()
    if pid == 0:  # a child in this test's session, not its leader
        try:
            yield_the_cpu(5)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert autogroup.read_text() == before
