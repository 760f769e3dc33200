"""The task queue in tests: run what is queued in this process, or a real Huey consumer in threads."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from app.jobs import queue
from app.jobs.cli import consumer_class


@pytest.fixture
def consumer(app: Flask) -> Iterator[object]:
    """Huey's own consumer (two worker threads, its scheduler with a 1 s sweep) on the test's queue,
    taking jobs as a `flask worker` would while the test drives the app."""
    app.config["SWEEP_SECONDS"] = 1
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    worker = consumer_class(1)(queue, workers=2, worker_type="thread", max_delay=0.2)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop(graceful=True)
        for number, handler in handlers.items():  # start() set the consumer's own
            signal.signal(number, handler)


def wait_for(condition, timeout: float = 20.0, interval: float = 0.1) -> None:
    """Wait until `condition()` is true; fail the test with its last value otherwise."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not true within {timeout} s: {condition.__doc__ or condition}")
        time.sleep(interval)
