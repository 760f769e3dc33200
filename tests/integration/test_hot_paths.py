"""Hot paths (issue 14): the home page's SQL is bounded whatever the caseload; the access log's rows of
a page go in one statement; an identical replay is answered from the stored hash."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from app.audit import services as audit
from app.extensions import db
from app.models import AuditAction, AuditEvent, Document, Visit
from app.visits import forms
from app.visits.forms import VisitFormBase
from app.visits.services import body_digest
from tests.factories import make_citizen, make_placement, make_user
from tests.visit_helpers import STROKES, course, payload


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements the app sends while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("citizens", [12, 35])
def test_home_page_runs_a_bounded_number_of_queries(client, auth, citizens):
    """With 12 or 35 citizens, each in a course at a workplace of their own, does the home page run at most
    15 SQL statements, and write the access log's rows for the citizens it shows in one statement?"""
    me, _ = course(username="mette")
    for n in range(citizens - 1):
        citizen = make_citizen(me, first_name=f"Borger{n}")
        if n % 4:  # most in a course (the caseload names its company), some still matching
            make_placement(citizen)
    auth.login("mette")
    client.get("/")  # the first page after log-in does one-time work
    with statements() as seen:
        page = client.get("/")
    assert page.status_code == 200 and "Min sagsstamme" in page.text
    inserts = [s for s in seen if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS")]
    assert len(inserts) == 1
    assert len(seen) <= 15, "\n".join(seen)


def _replay_setup(client, auth):
    _, placement = course(username="mette")
    auth.login("mette")
    key = uuid.uuid4()
    body = payload(placement)
    created = client.put(f"/api/v1/visits/{key}", json=body)
    assert created.status_code == 201
    return key, body, created


def test_identical_replay_is_answered_from_the_stored_hash(client, auth, monkeypatch):
    """Is an identical replay answered with the stored visit, byte for byte, in a handful of SQL
    statements and without building or validating the visit form again?"""
    key, body, created = _replay_setup(client, auth)
    built: list[str] = []
    original_init = VisitFormBase.__init__

    def counting_init(self, *args, **kwargs):
        built.append(type(self).__name__)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(VisitFormBase, "__init__", counting_init)
    with statements() as seen:
        replay = client.put(f"/api/v1/visits/{key}", json=body)
    assert replay.status_code == 200
    assert replay.data == created.data
    assert replay.data == client.get(f"/api/v1/visits/{key}").data
    assert built == [], "the replay built the visit form"
    assert not [s for s in seen if "checklist_items" in s], "the replay read the checklist's items"
    assert len(seen) <= 7, "\n".join(seen)


def test_a_replay_answers_as_the_stored_visit_in_every_state_of_its_signing(client, auth, monkeypatch):
    """Is a replay's answer, made from the values read with it, the visit's answer as GET gives it, at
    each step of signing: unsigned, signed by one of two, signed with the summary being made, failed,
    and ready? Does a replay of a signed visit whose summary is missing queue it again?"""
    queued: list[int] = []
    monkeypatch.setattr("app.sync.views.finish_signed_visit", lambda visit: None)
    monkeypatch.setattr("app.visits.completion.finish_signed_visit", lambda visit: queued.append(visit.id))
    key, body, _ = _replay_setup(client, auth)
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))

    def same_answer() -> dict:
        replay = client.put(f"/api/v1/visits/{key}", json=body)
        assert replay.status_code == 200
        assert replay.json == client.get(f"/api/v1/visits/{key}").json
        return replay.json

    assert same_answer()["missing_signatures"] == ["company_contact", "citizen"]
    signature = {"strokes": STROKES, "width": 500, "height": 200}
    for role, name in (("company_contact", "Hanne Jensen"), ("citizen", "Ali Khan")):
        signed = client.put(f"/api/v1/visits/{key}/signatures/{role}", json={**signature, "name": name})
        assert signed.status_code == 201, signed.json
        if role == "company_contact":
            answer = same_answer()
            assert answer["missing_signatures"] == ["citizen"] and answer["summary"] == "none"
    queued.clear()
    answer = same_answer()
    assert (
        answer["state"] == "signed" and answer["missing_signatures"] == [] and answer["summary"] == "pending"
    )
    assert queued and set(queued) == {visit.id}, "a replay of a signed visit without its summary queues it"
    db.session.execute(sa.update(Visit).where(Visit.id == visit.id).values(summary_error="WeasyPrint"))
    db.session.commit()
    assert same_answer()["summary"] == "failed"
    db.session.add(Document(visit_id=visit.id, pdf=b"%PDF", sha256="0" * 64, reference="EV-REPLAY"))
    db.session.commit()
    assert same_answer()["summary"] == "ready"


def test_the_first_body_sent_after_another_is_read_through_the_form_again(client, auth):
    """Content A, then B, then A again: is the third PUT an update back to A (the stored hash of A's
    body no longer stands for the visit's content), not an answer from the hash?"""
    key, body, _ = _replay_setup(client, auth)
    changed = client.put(f"/api/v1/visits/{key}", json={**body, "hours_note": "Ændret"})
    assert changed.status_code == 200
    again = client.put(f"/api/v1/visits/{key}", json=body)
    assert again.status_code == 200
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert visit.hours_note == body["hours_note"]


def test_a_replay_from_another_caseload_is_not_found(client, auth):
    """Does the same body, sent again from another jobformidler's session, get 404 and leave the
    visit and the access log of it as they were?"""
    key, body, _ = _replay_setup(client, auth)
    make_user(username="jonas")
    auth.logout()
    auth.login("jonas")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    response = client.put(f"/api/v1/visits/{key}", json=body)
    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_a_replay_with_other_device_times_is_still_the_same_body():
    """Are the device's times and the page's CSRF token outside the body's hash (a resend made
    later carries new ones), while any field of the visit is inside it?"""
    data = MultiDict([("placement_id", "1"), ("present", "Ali"), ("csrf_token", "a")])
    same = MultiDict([("present", "Ali"), ("placement_id", "1"), ("csrf_token", "b")])
    same.add("started_at", "2026-12-01T10:00:00+01:00")
    assert body_digest(data) == body_digest(same)
    assert body_digest(data) != body_digest(MultiDict([("placement_id", "1"), ("present", "Ali, Hanne")]))


def test_a_visit_stored_before_bodies_were_kept_is_answered_from_the_hash_after_one_replay(client, auth):
    """A visit with no stored body (made before this release): is its first replay read through the
    form (200, unchanged), and the next one answered from the hash?"""
    key, body, _ = _replay_setup(client, auth)
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    visit.submission_hash = None
    db.session.commit()
    first = client.put(f"/api/v1/visits/{key}", json=body)
    assert first.status_code == 200
    with statements() as seen:
        second = client.put(f"/api/v1/visits/{key}", json=body)
    assert second.status_code == 200 and second.data == first.data
    assert not [s for s in seen if "checklist_items" in s] and len(seen) <= 8


def test_a_new_visit_is_stored_in_a_bounded_number_of_statements(client, auth):
    """Does a PUT of a new visit on a course with a long history run at most 7 SQL statements, read
    none of the course's earlier visits (the one that reported hours last is read with the plan), only
    the one planned visit its next visit date moves, and build the form's class and read the checklist
    version only once for a template?"""
    _me, placement = course()
    auth.login("mette")
    body = payload(placement)
    for _ in range(30):
        assert client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body).status_code == 201
    made_before = forms._form_class.cache_info().misses
    with statements() as seen:
        response = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert response.status_code == 201
    assert forms._form_class.cache_info().misses == made_before, "the form's class was built again"
    # Past the stored read of the PUT's own UUID, every read of the course's visits takes one row.
    visit_reads = [s for s in seen if "FROM visits" in s and "visits.uuid =" not in s]
    assert all("LIMIT" in s for s in visit_reads), "\n".join(visit_reads)
    plan_reads = [s for s in seen if s.lstrip().startswith("SELECT scheduled_visits.")]
    assert plan_reads and all("LIMIT" in s for s in plan_reads), "\n".join(plan_reads)
    version_reads = [s for s in seen if s.lstrip().startswith("SELECT checklist_")]
    assert not version_reads, "the checklist version was read again"
    assert len(seen) <= 7, "\n".join(seen)


def test_a_visit_naming_a_draft_checklist_is_refused(client, auth):
    """A draft checklist can still change or be discarded: is a visit that names one refused with the
    Danish message, and the same visit with the published version stored?"""
    from app.checklists.services import new_draft

    me, placement = course()
    draft = new_draft(me)
    auth.login("mette")
    key = uuid.uuid4()
    response = client.put(f"/api/v1/visits/{key}", json=payload(placement, template_id=draft.id))
    assert response.status_code == 422
    assert response.json["errors"]["template_id"] == ["Ukendt tjekliste."]
    assert db.session.scalar(sa.select(Visit).where(Visit.uuid == key)) is None
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201


def test_a_time_set_with_an_offset_is_held_in_utc_as_the_database_gives_it_back(app):
    """A visit's time set with the device's UTC offset: does the row in memory hold it in UTC, the same
    instant and the same text as the database gives back, so that an answer made from the row just
    written equals a later one?"""
    me, placement = course()
    written = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    visit = Visit(uuid=uuid.uuid4(), placement=placement, performed_by=me, performed_at=written)
    assert visit.performed_at == written and visit.performed_at.tzinfo == UTC
    assert visit.performed_at.isoformat() == "2026-06-01T10:00:00+00:00"
    visit.completed_at = None  # nothing to convert
    assert visit.completed_at is None


def test_the_access_log_writes_a_row_for_each_citizen_in_one_statement(app):
    """Does one record() of three citizens (one of them no citizen) write three rows with the same time,
    user, action, purpose, search and address, a record() of none write nothing, and another record()
    of the same transaction go in the same INSERT (on PostgreSQL, rows made by the database from an
    array per column), written when the transaction commits?"""
    user = make_user(username="revisor")
    user_id = user.id
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "10.1.2.3"}), statements() as seen:
        audit.record(
            AuditAction.SEARCH,
            "caseload",
            citizen_ids=[5, 7, None],
            object_type="caseload",
            search_term="Ali",
            user=user,
        )
        audit.record(AuditAction.READ, "caseload", citizen_ids=[], user=user)
        audit.record(AuditAction.READ, "visit", citizen_ids=[9], object_type="placement", object_id=4)
        assert seen == [], "an event was written before the transaction committed"
        db.session.commit()
    assert (
        len([s for s in seen if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS")]) == len(seen) == 1
    )
    placement_read = db.session.execute(
        sa.select(AuditEvent.citizen_id, AuditEvent.action, AuditEvent.object_id, AuditEvent.user_id).where(
            AuditEvent.purpose == "visit"
        )
    ).all()
    assert placement_read == [(9, AuditAction.READ, 4, None)]  # no user in this request
    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.purpose == "visit"))
    db.session.commit()
    rows = db.session.execute(
        sa.select(
            AuditEvent.citizen_id,
            AuditEvent.at,
            AuditEvent.user_id,
            AuditEvent.action,
            AuditEvent.purpose,
            AuditEvent.object_type,
            AuditEvent.search_term,
            AuditEvent.ip_address,
        ).order_by(AuditEvent.id)
    ).all()
    assert [row[0] for row in rows] == [5, 7, None]
    assert {row[1:] for row in rows} == {
        (rows[0].at, user_id, AuditAction.SEARCH, "caseload", "caseload", "Ali", "10.1.2.3")
    }


def test_events_of_a_transaction_that_rolls_back_are_not_written(app):
    """An event logged in a transaction that rolls back goes with it; the next transaction's are its own."""
    user = make_user(username="revisor")
    with app.test_request_context("/"):
        audit.record(AuditAction.READ, "visit", citizen_ids=[3], user=user)
        db.session.rollback()
        audit.record(AuditAction.READ, "visit", citizen_ids=[4], user=user)
        db.session.commit()
    assert db.session.scalars(sa.select(AuditEvent.citizen_id)).all() == [4]
