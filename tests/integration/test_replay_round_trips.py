"""An identical replay's round trips (issue 14): with the user's kept copy in Redis, as in production, the
replay is its stored read and its access log's row in autocommit (no BEGIN and no COMMIT to wait for):
on PostgreSQL one statement (WITH … INSERT), elsewhere two. A PUT that saves reads the stored visit the
same way and then makes every change in one transaction."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest
import redis as redis_lib
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEvent, User, Visit
from tests.factories import PASSWORD
from tests.servers import redis_url  # noqa: F401  (a fixture)
from tests.visit_helpers import course, payload


@pytest.fixture
def config_overrides(redis_url):  # noqa: F811
    redis_lib.Redis.from_url(redis_url).flushdb()
    return {"SESSION_REDIS_URL": redis_url}


@contextlib.contextmanager
def statements() -> Iterator[list[tuple[str, bool]]]:
    """The SQL statements the app sends while the block runs, each with whether it ran in autocommit."""
    seen: list[tuple[str, bool]] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        autocommit = conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        seen.append((" ".join(statement.split())[:60], autocommit))

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)


def _logged_in_with_a_visit(client):
    _, placement = course(username="mette")
    assert client.post("/login", data={"username": "mette", "password": PASSWORD}).status_code == 303
    client.get("/")  # the user's copy is kept from here on
    key = uuid.uuid4()
    body = payload(placement)
    created = client.put(f"/api/v1/visits/{key}", json=body)
    assert created.status_code == 201
    return key, body, created


def _reads_logged(key) -> int:
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == AuditAction.READ,
            AuditEvent.object_type == "placement",
            AuditEvent.object_id == visit.placement_id,
        )
    )


def test_an_identical_replay_is_its_read_and_its_log_in_autocommit(client):
    """Is a replay (the user's copy kept) the stored read and the log's INSERT, in autocommit: one
    statement on PostgreSQL, two elsewhere; and is exactly one read logged?"""
    key, body, created = _logged_in_with_a_visit(client)
    logged_before = _reads_logged(key)
    with statements() as seen:
        replay = client.put(f"/api/v1/visits/{key}", json=body)
    assert replay.status_code == 200 and replay.data == created.data
    if db.engine.dialect.name == "postgresql":
        assert len(seen) == 1 and seen[0][0].startswith("WITH stored AS"), seen
    else:
        assert len(seen) == 2, seen
        assert seen[0][0].startswith("SELECT visits.") and seen[1][0].startswith("INSERT INTO audit_events")
    assert all(autocommit for _, autocommit in seen), seen
    assert _reads_logged(key) == logged_before + 1


def test_a_put_of_changed_content_logs_its_read_once(client):
    """A body that is not the stored visit's (an edit) is not logged by the first read: the save logs
    the course's read once, with the change."""
    key, body, _ = _logged_in_with_a_visit(client)
    logged_before = _reads_logged(key)
    changed = client.put(f"/api/v1/visits/{key}", json={**body, "hours_note": "Mere tid ved kassen"})
    assert changed.status_code == 200, changed.json
    assert _reads_logged(key) == logged_before + 1


def test_a_put_that_saves_reads_in_autocommit_and_changes_in_one_transaction(client):
    """A new visit and a changed one: is only the stored read in autocommit, and every statement after it
    (the course's read, its log, the visit, the plan) in a transaction?"""
    key, body, _ = _logged_in_with_a_visit(client)
    changed_body = {**body, "hours_note": "Mere tid ved kassen"}
    for target, changed, status in ((uuid.uuid4(), body, 201), (key, changed_body, 200)):
        with statements() as seen:
            response = client.put(f"/api/v1/visits/{target}", json=changed)
        assert response.status_code == status, response.json
        assert seen[0][0].startswith(("SELECT visits.", "WITH stored AS")) and seen[0][1], seen
        writes = seen[1:]
        assert any(s.startswith(("INSERT INTO visits", "UPDATE visits")) for s, _ in writes), writes
        assert not [s for s, autocommit in writes if autocommit], writes


def test_a_replay_after_the_user_changed_reads_the_user_and_the_visit_in_one_transaction(client):
    """When the user's copy is stale (their row changed), the request reads the user first: is the
    replay then answered as before, its statements in that transaction?"""
    key, body, created = _logged_in_with_a_visit(client)
    mette = db.session.scalar(sa.select(User).where(User.username == "mette"))
    mette.phone = "+45 11 22 33 44"
    db.session.commit()
    with statements() as seen:
        replay = client.put(f"/api/v1/visits/{key}", json=body)
    assert replay.status_code == 200 and replay.json == created.json
    assert seen[0][0].startswith("SELECT users.")
    assert not [s for s, autocommit in seen if autocommit], seen
