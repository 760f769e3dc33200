"""`flask worker`: the consumer that runs the queued jobs; `flask jobs`: look at and run the queue."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import click
from flask import current_app
from huey.consumer import Consumer, Scheduler

from app.jobs import queue, run_pending

AUTOGROUP = Path("/proc/self/autogroup")


def yield_the_cpu(nice: int) -> None:
    """Lower this process's CPU priority by `nice`, and its session's too when it leads a session of its
    own (a service, or a process started with setsid).

    Linux shares the CPU between sessions first where they are not in a CPU cgroup of their own (its
    autogroups, on by default): a nice value then counts only among the processes of one session. A
    worker in a session of its own, with nice 10, still took half of a two-CPU machine from the web
    processes in theirs (issue 14's signing bench). Its session's own nice value
    (`/proc/self/autogroup`) puts the session below the others as well. A worker started from a shell
    beside the web server (`make run`) shares its session, and the process's nice value is enough."""
    if nice <= 0:
        return
    os.nice(nice)
    if os.getsid(0) != os.getpid():
        return  # in another's session: lowering it would lower the web server too
    # Without autogroups (another system, or switched off) the process's nice value holds.
    with contextlib.suppress(OSError):
        AUTOGROUP.write_text(str(nice))


def consumer_class(seconds: int) -> type[Consumer]:
    """Huey's consumer whose scheduler queues the periodic jobs every `seconds` (SWEEP_SECONDS)
    instead of every minute."""
    scheduler = type("SweepScheduler", (Scheduler,), {"periodic_task_seconds": seconds})
    return type("AppConsumer", (Consumer,), {"scheduler_class": scheduler})


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at once in this process.")
def worker(threads: int) -> None:
    """Run the background jobs until stopped (Ctrl-C or SIGTERM finishes the jobs in hand first).

    Start as many workers as you like, on as many machines, against the same queue and database.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(name)s: %(message)s")
    # Below the web processes (WORKER_NICE): a burst of last signatures queues summaries faster than a
    # worker makes them, and the worker then took the CPU from the pages and the signing requests
    # themselves (issue 14's bench: the signing request's p95 went from 0.3 s to 1 s).
    yield_the_cpu(max(0, min(19, current_app.config["WORKER_NICE"])))
    consumer = consumer_class(current_app.config["SWEEP_SECONDS"])(
        queue,
        workers=threads,
        worker_type="thread",
        # The sweep finds what a killed worker left (its task is gone from the queue): no lock is
        # held across a job, so none is flushed.
        periodic=True,
        max_delay=1.0,
        graceful_signal="TERM",
    )
    consumer.run()


@click.group("jobs")
def jobs() -> None:
    """The background job queue."""


@jobs.command("run")
def run() -> None:
    """Run the queued jobs in this process until the queue is empty (without a worker)."""
    click.echo(f"Ran {run_pending()} jobs.")


@jobs.command("sweep")
def sweep_now() -> None:
    """Queue again the summaries and deliveries left undone (the worker does this every SWEEP_SECONDS)."""
    from app.jobs.tasks import sweep

    summaries, deliveries = sweep.call_local()
    click.echo(f"Queued again: {summaries} summaries, {deliveries} deliveries.")


@jobs.command("status")
def status() -> None:
    """How many jobs wait in the queue."""
    click.echo(f"Queued: {queue.pending_count()}; scheduled for later: {queue.scheduled_count()}.")
