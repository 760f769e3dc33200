"""A save of new content and a signature of the visit at the same moment: one goes first and the other
sees what it did. A signature is never stored for content that a save replaced meanwhile, and a save
never changes content that has just been signed (PostgreSQL row locks; SQLite lets one writer in at a
time)."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Signature, SignerRole, Visit
from app.visits import services, signing
from tests.visit_helpers import STROKES, course, payload

# How long the request that went first waits, holding the visit, for the other one to get through if it
# could: with the lock it cannot, so this is how long the other one is held up.
HOLD_SECONDS = 1.5


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only")


@pytest.fixture
def visit_with_link(app, client, auth, postgres):
    """Mette's visit (content A) as her device stored it, and a signing link for the company contact."""
    me, placement = course()
    auth.login("mette")
    key = uuid.uuid4()
    body = payload(placement)
    created = client.put(f"/api/v1/visits/{key}", json=body)
    assert created.status_code == 201
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    token = signing.issue_token(visit, SignerRole.COMPANY_CONTACT, me, timedelta(hours=1))
    return key, body, created.json["content_hash"], token


def _signature(content_hash: str) -> dict:
    return {
        "name": "Hanne Jensen",
        "strokes": STROKES,
        "width": 500,
        "height": 200,
        "content_hash": content_hash,
    }


def _in_thread(app, work, started: threading.Event, done: threading.Event, answers: list) -> threading.Thread:
    """Run `work(client)` in a request of its own once `started` is set; `done` once it has its answer."""

    def run() -> None:
        try:
            assert started.wait(10)
            with app.app_context():
                answers.append(work(app.test_client()))
        finally:
            done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _holding(original, started: threading.Event, done: threading.Event):
    """`original`, called once the request has read (and locked) the visit: it first lets the other
    request try, and waits for it up to HOLD_SECONDS."""

    def held(*args, **kwargs):
        started.set()
        done.wait(HOLD_SECONDS)
        return original(*args, **kwargs)

    return held


def _stored() -> tuple[Visit, list[Signature]]:
    db.session.expire_all()
    visit = db.session.scalar(sa.select(Visit))
    return visit, list(db.session.scalars(sa.select(Signature)))


def test_a_signature_of_the_old_content_while_new_content_is_saved_is_refused(
    app, client, visit_with_link, monkeypatch
):
    """The device saves content B; after the save has read the visit, the company contact signs the
    content A they were shown. Does the signature wait for the save, then get 409 "changed", so that no
    signature of A stands on a visit that says B?"""
    key, body, content_a, token = visit_with_link
    started, done, answers = threading.Event(), threading.Event(), []
    monkeypatch.setattr(services, "_column_values", _holding(services._column_values, started, done))
    thread = _in_thread(
        app, lambda tablet: tablet.put(f"/s/{token}", json=_signature(content_a)), started, done, answers
    )
    saved = client.put(f"/api/v1/visits/{key}", json={**body, "hours_note": "Indhold B"})
    thread.join(10)
    assert saved.status_code == 200, saved.json
    assert answers[0].status_code == 409 and answers[0].json["error"] == "changed", answers[0].json
    visit, signatures = _stored()
    assert visit.hours_note == "Indhold B" and visit.content_hash != content_a
    assert signatures == []


def test_new_content_sent_while_a_signature_is_stored_is_a_conflict(
    app, client, visit_with_link, monkeypatch
):
    """The company contact signs content A; after the signature has read the visit, the device sends
    content B. Does the save wait for the signature, then get 409, so that the visit still says what was
    signed?"""
    key, body, content_a, token = visit_with_link
    started, done, answers = threading.Event(), threading.Event(), []
    monkeypatch.setattr(services, "_store_signature", _holding(services._store_signature, started, done))
    changed = {**body, "hours_note": "Indhold B"}
    # The logged-in client saves from the thread; the tablet signs here.
    thread = _in_thread(
        app, lambda _: client.put(f"/api/v1/visits/{key}", json=changed), started, done, answers
    )
    signed = app.test_client().put(f"/s/{token}", json=_signature(content_a))
    thread.join(10)
    assert signed.status_code == 201, signed.json
    assert answers[0].status_code == 409 and answers[0].json["error"] == "conflict", answers[0].json
    visit, signatures = _stored()
    assert visit.content_hash == content_a and visit.hours_note != "Indhold B"
    assert [s.content_hash for s in signatures] == [content_a]
