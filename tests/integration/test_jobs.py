"""Background work after the last signature: the summary job, deliveries, the sweep, and healing a
summary lost with a killed process (issue 14; issue 12, point 7). Jobs run for real: queued by the
requests, then run in this process (`run_pending`) or by Huey's own consumer in threads."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.jobs import queue, run_pending, tasks
from app.models import AuditAction, AuditEvent, Delivery, DeliveryStatus, Document, Visit, VisitState
from app.models.base import utcnow
from tests.jobs import consumer, wait_for  # noqa: F401  (a fixture)
from tests.visit_helpers import STROKES, course, payload


@pytest.fixture
def mail(app, smtp_server):
    app.config.update(smtp_server.config)
    return smtp_server


def _sign(client, key, role):
    return client.put(
        f"/api/v1/visits/{key}/signatures/{role}",
        json={"name": "Navn Navnesen", "strokes": STROKES, "width": 500, "height": 200},
    )


@pytest.fixture
def signed(app, client, auth, mail):
    """A visit signed by both signers through the API; the jobs it queued have not run."""
    _, placement = course()
    auth.login("mette")
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    assert _sign(client, key, "company_contact").status_code == 201
    last = _sign(client, key, "citizen")
    assert last.status_code == 201
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    return visit, placement, last


def _documents() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Document))


def test_signing_answers_at_once_and_the_summary_is_queued(signed, mail):
    """Does the last signature answer before any summary exists, saying it is pending, with one job queued?"""
    _visit, _, answer = signed
    assert answer.json["state"] == "signed" and answer.json["summary"] == "pending"
    assert _documents() == 0 and mail.messages == []
    assert queue.pending_count() == 1


def test_the_summary_job_seals_and_sends_once_each(signed, mail, client):
    """Run the queued jobs: one sealed summary, one e-mail to each recipient, the visit delivered?"""
    visit, placement, _ = signed
    assert run_pending() == 3  # the summary, then its two deliveries
    db.session.expire_all()
    assert _documents() == 1
    assert len(mail.to(placement.contact_person.email)) == 1 and len(mail.to(placement.citizen.email)) == 1
    assert db.session.get(Visit, visit.id).state == VisitState.DELIVERED
    assert client.get(f"/api/v1/visits/{visit.uuid}").json["summary"] == "ready"


def test_a_job_run_twice_makes_one_summary_and_sends_once(signed, mail):
    """The same summary job queued three times (a retry, the sweep): still one summary and one send each?"""
    visit, _placement, _ = signed
    tasks.make_summary(visit.id)
    tasks.make_summary(visit.id)
    run_pending()
    for delivery in db.session.scalars(sa.select(Delivery)):
        tasks.deliver(delivery.id)
    run_pending()
    assert _documents() == 1
    assert len(mail.messages) == 2


def test_the_database_refuses_a_second_summary_of_a_visit(signed):
    """Is "one summary per visit" a constraint of the database, not only of the code that checks first?"""
    visit, _, _ = signed
    run_pending()
    db.session.add(Document(visit_id=visit.id, pdf=b"%PDF", sha256="0" * 64, reference="EV-SECOND"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_delivery_claimed_by_one_worker_is_not_sent_by_another(signed, mail):
    """While one worker holds a delivery, does a second job for it do nothing?"""
    visit, _, _ = signed
    tasks.make_summary.call_local(visit.id)
    queue.flush()
    delivery = db.session.scalars(sa.select(Delivery)).first()
    from app.delivery import services

    assert services.claim(delivery.id) is not None
    tasks.deliver.call_local(delivery.id)  # the other worker
    assert mail.messages == []
    db.session.expire_all()
    assert db.session.get(Delivery, delivery.id).attempts == 0


def test_a_failed_delivery_is_retried_at_its_backoff(signed, mail):
    """A refused e-mail: is the next attempt scheduled in the queue for the backoff time, and sent then?"""
    _visit, placement, _ = signed
    mail.refuse()
    run_pending()
    db.session.expire_all()
    deliveries = db.session.scalars(sa.select(Delivery)).all()
    assert {(d.status, d.attempts) for d in deliveries} == {(DeliveryStatus.FAILED, 1)}  # not retried yet
    assert queue.scheduled_count() == 2
    mail.accept()
    run_pending(until=utcnow() + timedelta(minutes=2))
    db.session.expire_all()
    assert {d.status for d in db.session.scalars(sa.select(Delivery))} == {DeliveryStatus.SENT}
    assert len(mail.to(placement.citizen.email)) == 1


def test_a_failing_summary_is_tried_again_then_offers_try_again(signed, client, monkeypatch):
    """A renderer that fails: tried three times, then does the visit page say so in Danish with "Prøv igen",
    and does "Prøv igen" make it once the renderer works?"""
    visit, _, _ = signed
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("renderer down")

    monkeypatch.setattr(tasks, "produce_document", broken)
    run_pending(until=utcnow() + timedelta(minutes=1))
    assert len(calls) == 1 + tasks.SUMMARY_RETRIES
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).state == VisitState.SIGNED and _documents() == 0
    page = client.get(f"/besoeg/{visit.uuid}").text
    assert "Det forseglede referat kunne ikke laves" in page and "Prøv igen" in page
    assert queue.pending_count() == 0  # a failed summary is not queued again by a page view

    monkeypatch.undo()
    answer = client.post(f"/besoeg/{visit.uuid}/referat", headers={"HX-Request": "true"})
    assert "bliver lavet" in answer.text
    run_pending()
    assert _documents() == 1
    assert "Åbn det forseglede referat (PDF)" in client.get(f"/besoeg/{visit.uuid}/referat-status").text


def test_the_visit_page_polls_until_the_summary_is_ready(signed, client):
    """Does the visit page say the summary is being made and poll a fragment that shows it once made?"""
    visit, _, _ = signed
    page = client.get(f"/besoeg/{visit.uuid}").text
    assert "Det forseglede referat bliver lavet" in page
    assert f'hx-get="/besoeg/{visit.uuid}/referat-status"' in page and 'hx-trigger="every 2s"' in page
    logged = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    status = client.get(f"/besoeg/{visit.uuid}/referat-status", headers={"HX-Request": "true"})
    assert "bliver lavet" in status.text and "HX-Request" in status.headers["Vary"]
    # A poll shows no personal data and the page's own read was logged: no row each 2 seconds.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == logged
    run_pending()
    status = client.get(f"/besoeg/{visit.uuid}/referat-status", headers={"HX-Request": "true"})
    assert "Åbn det forseglede referat (PDF)" in status.text and "every 2s" not in status.text


def test_the_status_fragment_is_404_outside_the_caseload(signed, client, auth):
    """Can another jobformidler poll the summary state of a visit outside their caseload? (404)"""
    from tests.factories import make_user

    visit, _, _ = signed
    make_user(username="other")
    auth.logout()
    auth.login("other")
    assert client.get(f"/besoeg/{visit.uuid}/referat-status").status_code == 404


@pytest.mark.parametrize("heal", ["replay_visit", "replay_signature", "page_view"])
def test_a_lost_summary_job_is_queued_again(signed, client, heal):
    """The process died after the last signature's commit and its job is gone: does the device's replay of
    the unchanged visit or signature, or a view of the visit's page, queue the summary again?"""
    visit, placement, _ = signed
    queue.flush()  # the job was lost with the process
    if heal == "replay_visit":
        answer = client.put(f"/api/v1/visits/{visit.uuid}", json=payload(placement))
        assert answer.status_code == 200 and answer.json["summary"] == "pending"
    elif heal == "replay_signature":
        answer = _sign(client, visit.uuid, "citizen")
        assert answer.status_code == 200 and answer.json["summary"] == "pending"
    else:
        assert client.get(f"/besoeg/{visit.uuid}").status_code == 200
    run_pending()
    assert _documents() == 1


def test_the_sweep_queues_summaries_and_deliveries_left_undone(signed, mail, app):
    """A summary job lost, and a delivery whose job was lost: after the grace, does the sweep queue both?"""
    visit, _, _ = signed
    queue.flush()
    assert tasks.sweep.call_local() == (0, 0)  # within the grace: the first job may still be running
    app.config["JOB_GRACE_SECONDS"] = 0
    assert tasks.sweep.call_local() == (1, 0)
    tasks.make_summary.call_local(visit.id)
    queue.flush()  # the summary is made, its delivery jobs are lost
    assert mail.messages == []
    assert tasks.sweep.call_local() == (0, 2)
    run_pending()
    assert len(mail.messages) == 2
    assert tasks.sweep.call_local() == (0, 0)


def test_retention_job_deletes_old_access_log_events(app):
    """Does the nightly retention job delete events past AUDIT_RETENTION_DAYS and keep the rest?"""
    from app.audit import services as audit

    audit.record(AuditAction.READ, "visit")
    db.session.commit()
    old = AuditEvent(
        at=utcnow() - timedelta(days=400), action=AuditAction.READ, object_type="visit", purpose="visit"
    )
    db.session.add(old)
    db.session.commit()
    assert tasks.purge_access_log.call_local() == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 1


def test_huey_consumer_makes_and_sends_the_summary(app, client, auth, mail, consumer):  # noqa: F811
    """With Huey's consumer taking jobs as `flask worker` does, is the summary made and sent after signing?"""
    _, placement = course()
    auth.login("mette")
    key = uuid.uuid4()
    client.put(f"/api/v1/visits/{key}", json=payload(placement))
    _sign(client, key, "company_contact")
    _sign(client, key, "citizen")
    wait_for(lambda: len(mail.messages) == 2)
    assert client.get(f"/api/v1/visits/{key}").json["summary"] == "ready"
