"""What a web process makes ready once, before gunicorn forks its workers from it (gunicorn.conf.py)."""

from __future__ import annotations

from flask import Flask


def compile_templates(app: Flask) -> int:
    """Compile every template into the app's Jinja cache, so that each worker forked from this process
    (and each one that replaces a worker after max_requests) renders its first pages as fast as its later
    ones: compiling the home page's templates was some 70 ms of a new worker's first request, and under
    load the workers are replaced every few seconds (issue 14). Returns how many were compiled."""
    env = app.jinja_env
    names = env.list_templates()
    if env.cache is not None and len(names) > env.cache.capacity:
        names = names[: env.cache.capacity]  # more would push the first ones out again
    for name in names:
        env.get_template(name)
    return len(names)
