"""After the last signature: the sealed summary is made and sent, in the background in production."""

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Delivery, DeliveryStatus, Document, Visit, VisitState
from app.visits.completion import finish_signed_visit
from tests.visit_helpers import STROKES, course, payload


@pytest.fixture
def signed_visit(app, client, auth, monkeypatch, smtp_server):
    app.config.update(smtp_server.config)
    _, placement = course()
    auth.login("mette")
    key = uuid.uuid4()
    client.put(f"/api/v1/visits/{key}", json=payload(placement))
    finished = []
    monkeypatch.setattr("app.sync.views.finish_signed_visit", finished.append)
    for role in ("company_contact", "citizen"):
        client.put(
            f"/api/v1/visits/{key}/signatures/{role}",
            json={"name": "Navn", "strokes": STROKES, "width": 500, "height": 200},
        )
    assert len(finished) == 1
    return db.session.scalar(sa.select(Visit).where(Visit.uuid == key)), placement


def test_summary_is_sent_in_the_background(app, signed_visit, smtp_server):
    """With DELIVER_IN_BACKGROUND, is the summary made at once and sent by a thread to both recipients?"""
    visit, placement = signed_visit
    app.config["DELIVER_IN_BACKGROUND"] = True
    thread = finish_signed_visit(visit)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
    thread.join(timeout=30)
    db.session.expire_all()
    assert {d.status for d in db.session.scalars(sa.select(Delivery))} == {DeliveryStatus.SENT}
    assert len(smtp_server.to(placement.contact_person.email)) == 1
    assert len(smtp_server.to(placement.citizen.email)) == 1
    assert db.session.get(Visit, visit.id).state == VisitState.DELIVERED


def test_a_dead_mail_server_leaves_deliveries_for_the_retry(app, signed_visit, smtp_server):
    """With the mail server refusing, are the deliveries left failed for the retry, the visit signed?"""
    visit, _ = signed_visit
    app.config["DELIVER_IN_BACKGROUND"] = True
    smtp_server.refuse()
    finish_signed_visit(visit).join(timeout=30)
    db.session.expire_all()
    deliveries = db.session.scalars(sa.select(Delivery)).all()
    assert len(deliveries) == 2
    assert {d.status for d in deliveries} == {DeliveryStatus.FAILED}
    assert all(d.next_attempt_at is not None for d in deliveries)
    assert db.session.get(Visit, visit.id).state == VisitState.SIGNED


def test_a_failing_pdf_keeps_the_signatures(app, signed_visit, monkeypatch):
    """If the summary cannot be made, is the visit still signed and nothing sent (to be made again later)?"""
    visit, _ = signed_visit

    def broken(visit):
        raise RuntimeError("renderer down")

    monkeypatch.setattr("app.visits.completion.produce_document", broken)
    assert finish_signed_visit(visit) is None
    assert db.session.get(Visit, visit.id).state == VisitState.SIGNED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 0
