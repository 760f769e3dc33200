"""Background work on a Huey task queue: the sealed summary, deliveries, retention and the sweep.

The queue only says what to try next; the database says what is done. Every job reads the state it
acts on and does nothing if the work is already done, so a job that runs twice (a re-queue by the sweep,
a worker killed after the work but before Huey forgot the task) makes one summary and sends once.

Storage (TASK_QUEUE_URL): a SQLite file in instance/ by default, so `make run` needs nothing else;
Redis (`redis://…`) when web processes and workers run on several machines; `memory://` in tests,
which run the queued jobs themselves (`run_pending`) or start a consumer in threads.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, has_app_context
from huey import Huey
from huey.storage import BaseStorage, MemoryStorage, RedisStorage, SqliteStorage

log = logging.getLogger(__name__)

# Created at import so that the task decorators have a queue to register on; init_app() gives it the
# storage the configuration names.
queue = Huey("eftervaern", results=False, utc=True, storage_class=MemoryStorage)
_app: Flask | None = None


def storage_for(url: str, name: str = "eftervaern") -> BaseStorage:
    """The Huey storage a TASK_QUEUE_URL names: sqlite:///path, redis://host:port/db or memory://."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteStorage(name, filename=str(path))
    if scheme in ("redis", "rediss", "unix"):
        return RedisStorage(name, url=url)
    if scheme == "memory":
        return MemoryStorage(name)
    raise ValueError(f"TASK_QUEUE_URL {url!r}: use sqlite:///…, redis://… or memory://")


def init_app(app: Flask) -> None:
    """Point the queue at the app's storage and remember the app, for the jobs' app context."""
    global _app
    from app.jobs import tasks  # noqa: F401  (registers the jobs on the queue)

    queue.storage = storage_for(app.config["TASK_QUEUE_URL"])
    _app = app


def job(periodic: Callable | None = None, **options: Any) -> Callable:
    """A Huey task that runs in the app's context, with a fresh database session that is closed after.

    The web process only enqueues; the worker (`flask worker`) and tests run the function. With
    `periodic` (a crontab, or any function of the time), the worker's scheduler queues it on its own.
    """

    def decorator(func: Callable) -> Any:
        @functools.wraps(func)
        def in_app_context(*args: Any, **kwargs: Any) -> Any:
            if has_app_context():
                return func(*args, **kwargs)
            if _app is None:
                raise RuntimeError("app.jobs.init_app() was not called in this process")
            from app.extensions import db

            with _app.app_context():
                try:
                    return func(*args, **kwargs)
                finally:
                    db.session.remove()

        if periodic is not None:
            return queue.periodic_task(periodic, **options)(in_app_context)
        return queue.task(**options)(in_app_context)

    return decorator


def run_pending(limit: int = 1000, until: datetime | None = None) -> int:
    """Run the queued jobs in this process until the queue is empty (tests; `flask jobs run`).

    Jobs that a job queues are run too; with `until`, so are jobs scheduled for later up to that time
    (a retry's backoff). Returns how many ran.
    """
    ran = 0
    while ran < limit:
        if until is not None:
            for task in queue.read_schedule(until.astimezone(UTC).replace(tzinfo=None)):
                task.eta = None  # due by `until`: run it now, on the real clock
                queue.enqueue(task)
        task = queue.dequeue()
        if task is None:
            break
        queue.execute(task)
        ran += 1
    return ran


def enqueue_after_commit(task_wrapper: Any, *args: Any) -> None:
    """Queue a job; a queue that cannot be reached is logged, not raised: the sweep finds the work."""
    try:
        task_wrapper(*args)
    except Exception:
        log.exception("could not queue %s%r; the sweep will find it", task_wrapper.name, args)
