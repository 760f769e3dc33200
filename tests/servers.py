"""Real servers for the multi-process tests: a throwaway PostgreSQL database, Redis, gunicorn and
`flask worker` processes, and a small HTTP client that logs in like a browser (cookies, CSRF)."""

from __future__ import annotations

import contextlib
import http.cookies
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.timeutil import utcnow
from tests import clock

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    return found[-1].parent


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """An empty PostgreSQL database: in the suite's cluster when it runs on PostgreSQL, else in a
    cluster of its own (as tests/with-postgres.sh makes one), removed afterwards."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        name = f"scale_{uuid.uuid4().hex[:8]}"
        server = sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            with server.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            server.dispose()
        return
    pg = _pg_bin()
    directory = Path(tempfile.mkdtemp(prefix="eftervaern-pg-"))
    as_pg: list[str] = []
    if os.getuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        shutil.chown(directory, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data = directory / "data"
    run = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.STDOUT}
    subprocess.run([*as_pg, pg / "initdb", "-D", data, "--auth=trust", "-U", "postgres", "-E", "UTF8"], **run)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off"
    subprocess.run(
        [*as_pg, pg / "pg_ctl", "-D", data, "-l", directory / "log", "-w", "-o", options, "start"], **run
    )
    try:
        subprocess.run(
            [*as_pg, pg / "createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "app"], **run
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/app"
    finally:
        subprocess.run(
            [*as_pg, pg / "pg_ctl", "-D", data, "-m", "immediate", "stop"], check=False, capture_output=True
        )
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Debian's redis-server on a free port, with nothing saved to disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    port = free_port()
    directory = tempfile.mkdtemp(prefix="eftervaern-redis-")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            directory,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway redis-server for the tests that need one, started once for the run."""
    with redis_server() as url:
        yield url


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")


class Process:
    """A child process in its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> Process:
        log = self.log_path.open("a")
        self.popen = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the whole group: no handler runs, nothing is cleaned up (a power cut)."""
        if self.popen is not None and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


def app_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a web or worker process of the installation under test."""
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        FLASK_APP="app:create_app",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="scale-out-test-secret-0123456789abcdef",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _program(module: str, *arguments: str) -> list[str]:
    """The command that runs a program of the installation: on the suite's clock when a test starts it
    (tests/suite_clock.py), on the real one otherwise (the benchmarks, which time-machine would slow)."""
    if clock.SUITE_CLOCK_RUNNING:
        moment = utcnow().isoformat()  # the suite's frozen clock, as it stands now
        return [str(BIN / "python"), "-m", "tests.suite_clock", moment, module, *arguments]
    return [str(BIN / module), *arguments]


def gunicorn(name: str, port: int, env: dict[str, str], log_dir: Path, workers: int = 2) -> Process:
    """gunicorn with the repository's gunicorn.conf.py, serving the development configuration."""
    env = {**env, "WSGI_APP": "app:create_app()", "GUNICORN_BIND": f"127.0.0.1:{port}"}
    env["WEB_CONCURRENCY"] = str(workers)
    return Process(name, _program("gunicorn", "-c", "gunicorn.conf.py"), env, log_dir)


def worker(name: str, env: dict[str, str], log_dir: Path, threads: int = 1) -> Process:
    return Process(name, _program("flask", "worker", "--threads", str(threads)), env, log_dir)


def wait_http(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class _Cookies(urllib.request.BaseHandler):
    """Cookies kept as the server set them, for every response of a redirect chain, never expired here:
    the suite's clock is frozen (tests/clock.py), maybe hours from the real one the servers use, and
    http.cookiejar would judge the session cookie expired by it."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def http_request(self, request):  # type: ignore[no-untyped-def]
        if self.values:
            request.add_unredirected_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.values.items()))
        return request

    def http_response(self, request, response):  # type: ignore[no-untyped-def]
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.values[name] = morsel.value
        return response


class Browserless:
    """An HTTP client with a cookie jar that logs in through the form and sends the CSRF header."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = _Cookies()
        self.opener = urllib.request.build_opener(self.cookies)
        self.csrf = ""

    def request(
        self, method: str, path: str, body: dict | None = None, form: dict | None = None
    ) -> tuple[int, str]:
        headers = {"X-CSRFToken": self.csrf} if self.csrf else {}
        data = None
        if body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def login(self, username: str, password: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
        )
        assert token, page[:500]
        status, page = self.request(
            "POST",
            "/login",
            form={"csrf_token": token.group(1) or token.group(2), "username": username, "password": password},
        )
        assert status == 200 and 'name="password"' not in page, page[page.find("<main") :][:1500]
        status, answer = self.request("GET", "/api/v1/csrf-token")
        assert status == 200, answer
        self.csrf = json.loads(answer)["csrf_token"]
