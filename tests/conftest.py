"""Fixtures shared by all tests. The database is SQLite by default, or PostgreSQL when
TEST_DATABASE_URL is set (`make test` runs the suite on both)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests import clock
from tests.clock import start_of_run
from tests.factories import PASSWORD
from tests.smtp_server import smtp_server  # noqa: F401  (a fixture for every test module)

# Tests that drive a real browser or real server processes depend on timing that a loaded machine can
# stretch past their waits. They get one more try; a test that fails twice fails the run, and each rerun
# is printed in the summary ("RERUN", -ra), so that a flaky test is seen and fixed, not hidden.
RERUN_DIRS = ("e2e", "system")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("reruns", default=0):
        return  # asked for on the command line: that wins
    for item in items:
        if Path(str(item.path)).parent.name in RERUN_DIRS:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


@pytest.fixture(scope="session", autouse=True)
def frozen_clock() -> Iterator[datetime]:
    """One clock for the whole run: it starts at tests.clock.start_of_run() and ticks on from there.

    Ticking, because browser tests, timeouts and token expiry need time to pass; started at a chosen
    moment, because the calendar must not decide whether the suite passes (`make test-calendar`).
    """
    start = start_of_run()
    with time_machine.travel(start, tick=True):
        clock.SUITE_CLOCK_RUNNING = True
        try:
            yield start
        finally:
            clock.SUITE_CLOCK_RUNNING = False


@pytest.fixture(scope="session")
def seal_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development seal pair of this run, made at the frozen clock's time (not the demo's instance/)."""
    return tmp_path_factory.mktemp("seal")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """PostgreSQL from the environment, else a SQLite file that a browser test's server can share."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    """Create the schema once per run; tests empty the tables instead of rebuilding them."""
    app = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _config() -> dict:
    return {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production.

    pytest-flask keeps a request context pushed during a test, and Flask reuses its app context for
    the client's requests: `g` (the logged-in user, the locale) and the database session would then be
    shared between requests and hide bugs that only show in a real server.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
            # Flask re-pushes the request's contexts for inspection; drop them with ours.
            self._context_stack.close()
        # The test's own session must not serve objects from before the request changed them.
        db.session.expire_all()
        return response


@pytest.fixture
def config_overrides() -> dict:
    """Configuration a test module sets for its app (override this fixture there)."""
    return {}


@pytest.fixture
def app(database_url: str, _schema: None, seal_dir: Path, config_overrides: dict) -> Iterator[Flask]:
    app = create_app(
        {
            **_config(),
            "SEAL_DEV_DIR": str(seal_dir),
            **config_overrides,
            "SQLALCHEMY_DATABASE_URI": database_url,
        }
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables(attempts: int = 5) -> None:
    """Empty every table for the next test.

    A browser test's server thread may still be answering a last request (the service worker's, say)
    when the test ends; on PostgreSQL its locks and TRUNCATE's can then deadlock, and the server aborts
    one of the two. Waiting a moment and truncating again lets that request finish first.
    """
    tables = db.metadata.sorted_tables
    for attempt in range(attempts):
        try:
            with db.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in tables)
                    conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                else:
                    for table in reversed(tables):
                        conn.execute(table.delete())
            return
        except sa.exc.OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, username: str, password: str = PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
