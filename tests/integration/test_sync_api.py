"""PUT /api/v1/visits/<uuid>: the idempotency matrix, checked against the stored rows."""

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from app.core.timeutil import local_today
from app.extensions import db
from app.models import (
    AuditEvent,
    PlacementStatus,
    ScheduledVisit,
    ScheduledVisitStatus,
    Signature,
    SignerRole,
    Visit,
    VisitState,
)
from tests.factories import make_user
from tests.visit_helpers import STROKES, course, payload


@pytest.fixture
def setup(app, auth):
    me, placement = course()
    auth.login("mette")
    return me, placement


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit))


def _put(client, visit_uuid, body):
    return client.put(f"/api/v1/visits/{visit_uuid}", json=body)


def test_unknown_uuid_creates_the_visit_with_every_field(client, setup):
    """Does a new UUID create one visit (201) holding every field sent?"""
    _, placement = setup
    key = uuid.uuid4()
    body = payload(placement)
    response = _put(client, key, body)
    assert response.status_code == 201
    assert response.json["uuid"] == str(key) and response.json["state"] == "completed"
    assert response.json["missing_signatures"] == ["company_contact", "citizen"]
    visit = db.session.scalar(sa.select(Visit))
    assert visit.uuid == key and visit.placement_id == placement.id
    assert visit.answers == body["answers"]
    assert (visit.paid_hours_per_week, visit.internship_hours_per_week) == (6, 9)
    assert visit.can_convert == "partly" and visit.hours_discussed is True
    assert visit.hours_note == body["hours_note"] and visit.present == body["present"]
    assert visit.actions == body["actions"]
    assert visit.next_visit_date.isoformat() == body["next_visit_date"]
    assert (
        visit.performed_at.date() == local_today()
        or visit.performed_at.date() == local_today() - timedelta(1)
    )


def test_identical_replay_returns_the_stored_visit_and_stores_nothing(client, setup):
    """Does the same content again answer 200 with the stored visit, without a second row or change?"""
    _, placement = setup
    key = uuid.uuid4()
    first = _put(client, key, payload(placement))
    stamp = db.session.scalar(sa.select(Visit.updated_at))
    events = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    again = _put(client, key, payload(placement))
    assert again.status_code == 200 and again.json == first.json
    assert _count() == 1
    assert db.session.scalar(sa.select(Visit.updated_at)) == stamp
    creates = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "create")).all()
    assert len([e for e in creates if e.object_type == "visit"]) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) >= events


def test_form_data_and_json_are_the_same_visit(client, setup):
    """Is the page's form data the same visit as the JSON, so that a replay as JSON is identical?"""
    _, placement = setup
    key = uuid.uuid4()
    body = payload(placement)
    form = {k: v for k, v in body.items() if k not in ("answers", "actions", "on_site")}
    form["on_site"] = "y"
    for item_key, answer in body["answers"].items():
        form[f"{item_key}__rating"], form[f"{item_key}__note"] = answer["rating"], answer["note"]
    for part in ("what", "who", "due"):
        form[f"actions-0-{part}"] = body["actions"][0][part]
    assert client.put(f"/api/v1/visits/{key}", data=form).status_code == 201
    assert _put(client, key, body).status_code == 200
    assert _count() == 1


def test_changed_content_updates_an_unsigned_visit(client, setup):
    """Does changed content for an unsigned visit update that same row (200), losing no field?"""
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    changed = payload(placement, paid_hours_per_week=8, hours_note="Otte timer nu")
    response = _put(client, key, changed)
    assert response.status_code == 200
    assert _count() == 1
    visit = db.session.scalar(sa.select(Visit))
    assert visit.paid_hours_per_week == 8 and visit.hours_note == "Otte timer nu"
    assert visit.answers == changed["answers"]


def _sign_all(client, key):
    for role in ("company_contact", "citizen"):
        response = client.put(
            f"/api/v1/visits/{key}/signatures/{role}",
            json={
                "name": "Hanne Jensen" if role == "company_contact" else "Ali Khan",
                "strokes": STROKES,
                "width": 500,
                "height": 200,
            },
        )
        assert response.status_code == 201, response.json


def test_changed_content_after_signing_is_refused(client, setup, monkeypatch):
    """After signing, is different content refused with 409 and a Danish explanation, the row unchanged?"""
    monkeypatch.setattr("app.sync.views.finish_signed_visit", lambda visit: None)
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    _sign_all(client, key)
    response = _put(client, key, payload(placement, paid_hours_per_week=20))
    assert response.status_code == 409
    assert "underskrevet" in response.json["message"] and "tillæg" in response.json["message"]
    visit = db.session.scalar(sa.select(Visit))
    assert visit.state == VisitState.SIGNED and visit.paid_hours_per_week == 6
    assert _put(client, key, payload(placement)).status_code == 200  # the same content is still a replay


def test_changed_content_after_the_first_signature_is_refused(client, setup):
    """With one of two signatures given, is changed content refused (409, naming the signer), the row and
    the signature unchanged, and the signature bound to the content it was given for?"""
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200}
    assert client.put(f"/api/v1/visits/{key}/signatures/company_contact", json=body).status_code == 201
    response = _put(client, key, payload(placement, paid_hours_per_week=20))
    assert response.status_code == 409
    assert "Hanne Jensen har allerede skrevet under" in response.json["message"]
    assert "trække underskrifterne tilbage" in response.json["message"]
    visit = db.session.scalar(sa.select(Visit))
    assert visit.state == VisitState.COMPLETED and visit.paid_hours_per_week == 6
    [signature] = visit.signatures
    assert signature.content_hash == visit.content_hash
    assert _put(client, key, payload(placement)).status_code == 200  # the same content is still a replay


def test_a_signature_for_content_that_has_changed_is_refused(client, setup):
    """Is a signature that names the content hash it was shown refused once the visit has changed since
    (409, nothing stored), and taken when the hash is the visit's own?"""
    _, placement = setup
    key = uuid.uuid4()
    shown = _put(client, key, payload(placement)).json["content_hash"]
    now = _put(client, key, payload(placement, paid_hours_per_week=8)).json["content_hash"]
    assert shown != now
    url = f"/api/v1/visits/{key}/signatures/company_contact"
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200}
    response = client.put(url, json={**body, "content_hash": shown})
    assert response.status_code == 409 and response.json["error"] == "changed"
    assert "ændret, efter at siden blev åbnet" in response.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0
    assert client.put(url, json={**body, "content_hash": now}).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answers": {}}, "attendance__rating"),
        ({"paid_hours_per_week": 40}, "paid_hours_per_week"),
        ({"can_convert": "maybe"}, "can_convert"),
        ({"performed_on": "not a date"}, "performed_on"),
        ({"next_visit_date": "2000-01-01"}, "next_visit_date"),
        ({"actions": [{"what": "", "who": "Hanne", "due": ""}]}, "actions"),
        ({"template_id": 999999}, "template_id"),
    ],
)
def test_invalid_visit_gets_422_with_field_errors_and_nothing_stored(client, setup, change, field):
    """Is an invalid visit answered 422 with the field's error in Danish, and nothing stored?"""
    _, placement = setup
    response = _put(client, uuid.uuid4(), payload(placement, **change))
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert response.json["message"] == "Besøget kunne ikke gemmes. Ret de markerede felter."
    assert _count() == 0


def test_missing_rating_message_names_the_topic(client, setup):
    """Does a missing rating say which topic needs one, in Danish?"""
    _, placement = setup
    response = _put(client, uuid.uuid4(), payload(placement, answers={}))
    assert response.json["errors"]["attendance__rating"] == [
        "Vælg en vurdering for “Fremmøde og mødestabilitet”."
    ]


def test_a_visit_for_another_caseload_is_refused(client, setup):
    """Is a visit for another jobformidler's citizen answered 404, with nothing stored?"""
    _, other = course(username="jonas")
    response = _put(client, uuid.uuid4(), payload(other))
    assert response.status_code == 404 and _count() == 0


def test_not_logged_in_gets_401_json(client, app):
    """Does the API answer 401 in JSON (so the outbox keeps the entry) without a session?"""
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}", json={})
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_a_supervisor_cannot_write_visits(client, auth, app):
    """Is a supervisor refused (403) on the write API?"""
    from app.models import Role

    make_user(Role.SUPERVISOR, username="leder")
    auth.login("leder")
    assert client.put(f"/api/v1/visits/{uuid.uuid4()}", json={}).status_code == 403


def test_saving_updates_the_plan_and_the_course(client, setup):
    """Is the planned visit done, the next one moved to the agreed date, and the course complete at 30 h?"""
    _, placement = setup
    planned = db.session.scalars(
        sa.select(ScheduledVisit)
        .where(ScheduledVisit.placement_id == placement.id)
        .order_by(ScheduledVisit.due_date)
    ).all()
    done, nxt = planned[0], planned[1]
    agreed = local_today() + timedelta(days=10)
    body = payload(
        placement, scheduled_visit_id=done.id, next_visit_date=agreed.isoformat(), paid_hours_per_week=8
    )
    assert _put(client, uuid.uuid4(), body).status_code == 201
    assert db.session.get(ScheduledVisit, done.id).status == ScheduledVisitStatus.DONE
    assert db.session.get(ScheduledVisit, nxt.id).due_date == agreed
    assert db.session.get(type(placement), placement.id).status == PlacementStatus.COMPLETED


def test_signatures_sign_the_visit(client, setup, monkeypatch):
    """Do both signatures sign the visit, each stored as vector strokes and a server-made SVG?"""
    finished = []
    monkeypatch.setattr("app.sync.views.finish_signed_visit", finished.append)
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    _sign_all(client, key)
    visit = db.session.scalar(sa.select(Visit))
    assert visit.state == VisitState.SIGNED and visit.signed_at is not None
    assert {s.signer_role for s in visit.signatures} == {SignerRole.COMPANY_CONTACT, SignerRole.CITIZEN}
    signature = visit.signatures[0]
    assert signature.strokes == STROKES and signature.svg.startswith("<svg") and "<path" in signature.svg
    assert [v.uuid for v in finished] == [key]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "Hanne", "strokes": [], "width": 500, "height": 200}, "Tegn underskriften"),
        ({"name": "", "strokes": STROKES, "width": 500, "height": 200}, "Skriv underskriverens navn."),
        (
            {
                "name": "Hanne",
                "strokes": [{"points": [{"x": "<script>", "y": 1}]}],
                "width": 500,
                "height": 200,
            },
            "Underskriften kunne ikke læses",
        ),
        ({"name": "Hanne", "strokes": STROKES, "width": 5, "height": 2}, "uventet størrelse"),
    ],
)
def test_bad_signatures_are_refused(client, setup, body, message):
    """Is an empty, nameless, malformed or oddly sized signature refused with a Danish message?"""
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    response = client.put(f"/api/v1/visits/{key}/signatures/company_contact", json=body)
    assert response.status_code == 422
    assert message in " ".join(m for messages in response.json["errors"].values() for m in messages)


def test_a_second_different_signature_for_a_role_is_a_conflict(client, setup, monkeypatch):
    """Is a replayed signature accepted once (200) and a different one for the same role refused (409)?"""
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    url = f"/api/v1/visits/{key}/signatures/company_contact"
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200}
    assert client.put(url, json=body).status_code == 201
    assert client.put(url, json=body).status_code == 200
    assert client.put(url, json={**body, "name": "Lars"}).status_code == 409


def test_openapi_document_is_valid(client):
    """Is /api/v1/openapi.json a valid OpenAPI 3.1 document describing the visit endpoint?"""
    response = client.get("/api/v1/openapi.json")
    spec = response.json
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert set(spec["paths"]["/visits/{uuid}"]["put"]["responses"]) >= {"200", "201", "409", "422"}


def _form_encoded(body: dict) -> str:
    """The visit as the device's form sends it (what a signature given on the device carries)."""
    from urllib.parse import urlencode

    from app.visits.forms import formdata_from_json

    return urlencode(list(formdata_from_json(body).items(multi=True)))


@pytest.mark.parametrize("kind", ["signatures", "consents"])
def test_a_signature_given_on_the_device_binds_to_the_content_it_was_given_for(client, setup, kind):
    """Signed on the device for content A, while the server received content B (another tab): is it
    refused (409 changed, nothing stored), and taken when it was given for what the server holds?"""
    _, placement = setup
    key = uuid.uuid4()
    signed = payload(placement)
    _put(client, key, payload(placement, present="Fra fane 2", paid_hours_per_week=2))
    url = f"/api/v1/visits/{key}/{kind}/citizen"
    body = (
        {"name": "Ali Khan", "strokes": STROKES, "width": 500, "height": 200}
        if kind == "signatures"
        else {"name": "Ali Khan", "note": "Referatet blev læst højt."}
    )
    response = client.put(url, json={**body, "signed_content": _form_encoded(signed)})
    assert response.status_code == 409 and response.json["error"] == "changed"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0

    held = payload(placement, present="Fra fane 2", paid_hours_per_week=2)
    response = client.put(url, json={**body, "signed_content": _form_encoded(held)})
    assert response.status_code == 201
    [signature] = db.session.scalars(sa.select(Signature))
    assert signature.content_hash == db.session.scalar(sa.select(Visit.content_hash))


def test_signed_content_that_is_no_visit_of_the_course_is_refused(client, setup):
    """Is a signature whose content is not a valid visit (garbage, another course) refused as changed?"""
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    url = f"/api/v1/visits/{key}/signatures/citizen"
    body = {"name": "Ali Khan", "strokes": STROKES, "width": 500, "height": 200}
    for content in ("present=x", _form_encoded(payload(placement, placement_id=placement.id + 1))):
        assert client.put(url, json={**body, "signed_content": content}).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_a_refused_signature_is_called_a_signature(client, setup):
    """Does a refused signature say the signature could not be saved, not the visit?"""
    _, placement = setup
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    body = {"name": " ", "strokes": STROKES, "width": 500, "height": 200}
    response = client.put(f"/api/v1/visits/{key}/signatures/citizen", json=body)
    assert response.status_code == 422
    assert response.json["message"] == "Underskriften kunne ikke gemmes."
    assert response.json["errors"] == {"name": ["Skriv underskriverens navn."]}
