"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from tests.conftest import _config


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A database with nothing in it, of the same kind as the suite's."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(sa.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _differences(url: str) -> list:
    app = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn, warnings.catch_warnings():
            # SQLite's indexes on expressions cannot be reflected, so they are not compared there (its
            # warning says so); on PostgreSQL they are.
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
            warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based")
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return diff


def test_migrations_match_the_models(empty_database_url):
    """Does `flask db upgrade` on an empty database give the models' schema, with nothing missing or extra?"""
    assert _differences(empty_database_url) == []


def test_migrations_downgrade_and_upgrade_again(empty_database_url):
    """Can the schema be taken down to nothing and built again?"""
    app = create_app({**_config(), "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "visits" in sa.inspect(db.engine).get_table_names()
        db.engine.dispose()
