"""Contacts between visits: PUT /api/v1/contacts/<uuid> (idempotent like visits), the answer, the home page's
"Venter på svar", the citizen's page and the access log."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.contacts import services
from app.core.timeutil import local_now, local_today, utcnow
from app.extensions import db
from app.models import AuditAction, AuditEvent, Contact
from tests.factories import make_citizen, make_citizen_contact, make_user
from tests.visit_helpers import course


@pytest.fixture
def setup(app, auth):
    me, placement = course()
    auth.login("mette")
    return me, placement


def body(placement, **overrides) -> dict:
    now = local_now() - timedelta(minutes=30)
    return {
        "citizen_id": placement.citizen_id,
        "placement_id": placement.id,
        "party": "citizen",
        "channel": "phone",
        "came_in_on": now.date().isoformat(),
        "came_in_time": now.strftime("%H:%M"),
        "about": "Vil gerne tale om flere timer",
        "needs_answer": True,
        "recorded_at": now.isoformat(timespec="seconds"),
        **overrides,
    }


def _put(client, key, data, **kwargs):
    return client.put(f"/api/v1/contacts/{key}", json=data, **kwargs)


def _contacts() -> list[Contact]:
    return list(db.session.scalars(sa.select(Contact)))


def test_a_new_uuid_creates_the_contact_with_its_deadline_and_device_time(client, setup):
    """Does a new UUID store one contact (201) with its 24-hour deadline, the device's time and receipt?"""
    _, placement = setup
    key = uuid.uuid4()
    sent = body(placement)
    response = _put(client, key, sent, headers={"X-Device-Time": local_now().isoformat(timespec="seconds")})
    assert response.status_code == 201, response.json
    (contact,) = _contacts()
    assert contact.uuid == key and contact.citizen_id == placement.citizen_id
    assert contact.answer_due_at == services.configured_deadline(contact.came_in_at)
    assert contact.answer_due_at > contact.came_in_at
    assert contact.recorded_at is not None and contact.received_at is not None
    assert contact.device_utc_offset is not None and contact.clock_skew_seconds is not None
    assert response.json["answer_due_at"] == contact.answer_due_at.isoformat()
    logged = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "contact")).all()
    assert [(e.action, e.citizen_id) for e in logged] == [(AuditAction.CREATE, placement.citizen_id)]


def test_the_same_contact_again_answers_with_the_stored_one(client, setup):
    """Does a replay of the same content answer 200 with the stored contact and store nothing new?"""
    _, placement = setup
    key = uuid.uuid4()
    first = _put(client, key, body(placement))
    again = _put(client, key, body(placement, recorded_at=None))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["content_hash"] == first.json["content_hash"]
    assert again.json["received_at"] == first.json["received_at"]
    assert len(_contacts()) == 1


def test_a_changed_replay_updates_until_answered_then_is_refused(client, setup):
    """Is changed content an update while unanswered, and a 409 with a Danish message once answered?"""
    me, placement = setup
    key = uuid.uuid4()
    assert _put(client, key, body(placement)).status_code == 201
    changed = _put(client, key, body(placement, about="Ringede om transport"))
    assert changed.status_code == 200
    assert _contacts()[0].about == "Ringede om transport"
    services.answer(_contacts()[0], me, "Ringede tilbage")
    refused = _put(client, key, body(placement, about="Noget tredje"))
    assert refused.status_code == 409
    assert "besvaret" in refused.json["message"]
    assert _contacts()[0].about == "Ringede om transport"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([1, 2, 3], "body"),
        ({"citizen_id": [1]}, "citizen_id"),
        ({"needs_answer": {"x": 1}}, "needs_answer"),
    ],
)
def test_malformed_input_is_a_danish_400(client, setup, data, field):
    """Is a body the server cannot read a 400 JSON answer in Danish, naming the field?"""
    response = _put(client, uuid.uuid4(), data)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert "kunne ikke læses" in response.json["message"]
    assert field in response.json["errors"]
    assert _contacts() == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"channel": "brevdue"}, "channel"),
        ({"about": ""}, "about"),
        ({"came_in_time": "25:99"}, "came_in_time"),
        ({"came_in_on": "2999-01-01"}, "came_in_on"),
        ({"recorded_at": "i går"}, "recorded_at"),
    ],
)
def test_invalid_fields_are_422_with_field_errors(client, setup, overrides, field):
    """Is a readable but invalid contact a 422 naming the field, in Danish, storing nothing?"""
    _, placement = setup
    response = _put(client, uuid.uuid4(), body(placement, **overrides))
    assert response.status_code == 422
    assert field in response.json["errors"]
    assert response.json["message"].startswith("Kontakten kunne ikke gemmes")
    assert _contacts() == []


def test_another_job_brokers_citizen_is_404(client, setup):
    """Is a contact for a citizen outside the caseload answered 404, and nothing stored?"""
    other = make_user(username="ole")
    theirs = make_citizen(other)
    _, placement = setup
    response = _put(client, uuid.uuid4(), body(placement, citizen_id=theirs.id, placement_id=None))
    assert response.status_code == 404
    assert _contacts() == []


def test_another_caseloads_uuid_is_404(client, setup, auth):
    """Does reusing another jobformidler's contact UUID answer 404, as if unknown?"""
    _, placement = setup
    key = uuid.uuid4()
    assert _put(client, key, body(placement)).status_code == 201
    make_user(username="ole")
    auth.logout()
    auth.login("ole")
    assert _put(client, key, body(placement)).status_code == 404
    assert client.get(f"/api/v1/contacts/{key}").status_code == 404


def test_home_lists_waiting_contacts_overdue_first_and_answering_removes_one(client, setup):
    """Does "Venter på svar" list waiting contacts, overdue first, and drop one when it is answered?"""
    me, placement = setup
    citizen = placement.citizen
    late = make_citizen_contact(citizen, me, came_in_at=utcnow() - timedelta(days=6), about="Gammel besked")
    fresh = make_citizen_contact(citizen, me, came_in_at=utcnow() - timedelta(minutes=5), about="Ny besked")
    make_citizen_contact(citizen, me, needs_answer=False, about="Ingen svar nødvendigt")
    page = client.get("/").get_data(as_text=True)
    assert "Venter på svar" in page
    assert page.index("Gammel besked") < page.index("Ny besked")
    assert "Ingen svar nødvendigt" not in page
    assert "Overskredet med" in page
    answered = client.post(
        f"/kontakter/{late.id}/svar", data={"note": "Ringet op"}, headers={"HX-Request": "true"}
    )
    assert answered.status_code == 200 and "Besvaret" in answered.get_data(as_text=True)
    db.session.refresh(late)
    assert late.answered_at is not None and late.answered_by_id == me.id and late.answer_note == "Ringet op"
    page = client.get("/").get_data(as_text=True)
    assert "Gammel besked" not in page and "Ny besked" in page
    assert fresh.answered_at is None


def test_answering_without_htmx_goes_back_to_the_page_and_only_to_this_site(client, setup):
    """Does an answer sent without htmx return to the page it came from, never to another site?"""
    me, placement = setup
    contact = make_citizen_contact(placement.citizen, me)
    response = client.post(f"/kontakter/{contact.id}/svar", data={"next": "//evil.example/x"})
    assert response.status_code == 303 and response.location.endswith(f"/borgere/{placement.citizen_id}")
    other = make_citizen_contact(placement.citizen, me)
    response = client.post(f"/kontakter/{other.id}/svar", data={"next": "/"})
    assert response.status_code == 303 and response.location.endswith("/")
    assert "Svaret er registreret" in client.get("/").get_data(as_text=True)


def test_answering_another_caseloads_contact_is_404(client, setup, auth):
    """Can nobody but the citizen's own jobformidler answer a contact (404, nothing stored)?"""
    me, placement = setup
    contact = make_citizen_contact(placement.citizen, me)
    make_user(username="ole")
    auth.logout()
    auth.login("ole")
    assert client.post(f"/kontakter/{contact.id}/svar", data={}).status_code == 404
    db.session.refresh(contact)
    assert contact.answered_at is None


def test_citizen_page_lists_contacts_and_logs_the_read(client, setup):
    """Does the citizen's page list their contacts, and is the read of them logged?"""
    me, placement = setup
    make_citizen_contact(placement.citizen, me, about="Spurgte til vagtplanen")
    page = client.get(f"/borgere/{placement.citizen_id}").get_data(as_text=True)
    assert "Kontakter mellem besøg" in page and "Spurgte til vagtplanen" in page
    reads = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.object_type == "contact", AuditEvent.action == AuditAction.READ
        )
    ).all()
    assert [e.citizen_id for e in reads] == [placement.citizen_id]


def test_contact_form_page_is_own_caseload_only(client, setup):
    """Does the contact form open for one's own citizen, and 404 for someone else's?"""
    _, placement = setup
    page = client.get(f"/borgere/{placement.citizen_id}/kontakt")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="contact-form"' in text
    assert f'value="{local_today().isoformat()}"' in text
    theirs = make_citizen(make_user(username="ole"))
    assert client.get(f"/borgere/{theirs.id}/kontakt").status_code == 404


def test_the_answer_through_the_api_keeps_the_devices_time_and_a_replay_changes_nothing(client, setup):
    """Is an answer sent from the outbox stored with the device's time and the receipt beside it (201), and
    a replay answered with the stored contact (200) without moving the time?"""
    me, placement = setup
    contact = make_citizen_contact(placement.citizen, me, came_in_at=utcnow() - timedelta(hours=5))
    given = (local_now() - timedelta(hours=2)).isoformat(timespec="seconds")
    first = client.put(
        f"/api/v1/contacts/{contact.uuid}/answer", json={"note": "Ringede op", "answered_at": given}
    )
    assert first.status_code == 201, first.json
    db.session.refresh(contact)
    assert contact.answered_at.isoformat(timespec="seconds") == datetime.fromisoformat(given).astimezone(
        UTC
    ).isoformat(timespec="seconds")
    assert contact.answer_received_at > contact.answered_at and contact.answer_note == "Ringede op"
    again = client.put(
        f"/api/v1/contacts/{contact.uuid}/answer", data={"note": "x", "answered_at": local_now().isoformat()}
    )
    assert again.status_code == 200 and again.json["answered_at"] == first.json["answered_at"]


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"answered_at": "i morges"}, 422, "answered_at"),
        ({"note": ["a"]}, 400, "note"),
        ({"answered_at": "2020-01-01T10:00:00+01:00"}, 422, "answered_at"),  # before it came in
    ],
)
def test_an_unusable_answer_is_refused_in_danish(client, setup, data, status, field):
    """Is an unreadable or impossible answer refused with a Danish message, and nothing stored?"""
    me, placement = setup
    contact = make_citizen_contact(placement.citizen, me)
    response = client.put(f"/api/v1/contacts/{contact.uuid}/answer", json=data)
    assert response.status_code == status and field in response.json["errors"]
    db.session.refresh(contact)
    assert contact.answered_at is None


def test_the_answer_of_another_caseloads_contact_is_404(client, setup, auth):
    """Is answering another jobformidler's contact through the API a 404, with nothing stored?"""
    me, placement = setup
    contact = make_citizen_contact(placement.citizen, me)
    make_user(username="ole")
    auth.logout()
    auth.login("ole")
    assert client.put(f"/api/v1/contacts/{contact.uuid}/answer", json={}).status_code == 404
    assert client.put(f"/api/v1/contacts/{uuid.uuid4()}/answer", json={}).status_code == 404
    db.session.refresh(contact)
    assert contact.answered_at is None
