"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (each value from the environment).

The web processes only answer requests and queue background work; `flask worker` processes (as many
as wanted, on any machine) take the jobs from the shared queue (REDIS_URL).
"""

import multiprocessing
import os

# WSGI_APP=app:create_app() serves the development configuration (the scale-out test does).
wsgi_app = os.environ.get("WSGI_APP", "app.wsgi:application")
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Sync workers: every request is short now that the summary is made by the job workers.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# A worker is replaced after this many requests (plus jitter), so slow leaks never build up.
max_requests = 2000
max_requests_jitter = 200
# The app is loaded once, in the master, and each worker is a fork of it: a replaced worker serves at once
# instead of importing the app again (2–3 s of CPU each on a 2-CPU machine; under load all workers reached
# max_requests together and nothing was answered for seconds: issue 14's bench). It also shares the loaded
# code's memory between workers. A code change needs a restart of the master (not only HUP).
preload_app = True
# Behind the reverse proxy that ends TLS; PROXY_COUNT tells the app how many proxies to trust.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"


def post_fork(server, worker) -> None:
    """A forked worker opens its own database connections: none made in the master may be shared (two
    processes on one connection mix their statements). Redis clients reconnect after a fork by themselves."""
    from app.extensions import db

    application = server.app.wsgi()
    with application.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)


def when_ready(server) -> None:
    """In the master, after the app is loaded and before any worker is forked: the templates compiled
    once here are every worker's (app/core/warmup.py). Then everything loaded so far is moved out of the
    garbage collector's sight (gc.freeze, as Python's documentation advises before fork): the workers'
    collections no longer walk the app's tens of thousands of long-lived objects on every pass, nor
    write to their pages, which the workers share with the master until written."""
    import gc

    from app.core.warmup import compile_templates

    compile_templates(server.app.wsgi())
    gc.collect()
    gc.freeze()
