"""Every use of a citizen's data is logged with user, citizen and time."""

from datetime import timedelta

import sqlalchemy as sa

from app.audit.services import purge_expired
from app.extensions import db
from app.models import AuditAction, AuditEvent
from app.models.base import utcnow
from tests.factories import make_citizen, make_user


def _events():
    return db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()


def test_reading_a_citizen_page_writes_an_audit_event(client, auth):
    """Does opening a citizen's page log a read naming user, citizen and time?"""
    mette = make_user(username="mette")
    citizen = make_citizen(mette)
    auth.login("mette")
    before = utcnow()
    client.get(f"/borgere/{citizen.id}")
    reads = [e for e in _events() if e.object_type == "citizen"]
    assert len(reads) == 1
    event = reads[0]
    assert event.action == AuditAction.READ
    assert event.user_id == mette.id
    assert event.citizen_id == citizen.id
    assert event.purpose == "citizen_page"
    assert before - timedelta(seconds=1) <= event.at <= utcnow()


def test_a_refused_read_writes_no_read_event(client, auth):
    """Is no read logged for a citizen the user was refused?"""
    make_user(username="mette")
    other = make_citizen(make_user())
    auth.login("mette")
    assert client.get(f"/borgere/{other.id}").status_code == 404
    assert not [e for e in _events() if e.citizen_id == other.id]


def test_the_caseload_list_logs_each_citizen_shown(client, auth):
    """Does the caseload list log one read per citizen on it?"""
    mette = make_user(username="mette")
    citizens = [make_citizen(mette) for _ in range(3)]
    auth.login("mette")
    client.get("/")
    logged = {e.citizen_id for e in _events() if e.object_type == "caseload"}
    assert logged == {c.id for c in citizens}


def test_a_search_logs_the_term(client, auth):
    """Is a search logged as a search, with the term typed?"""
    mette = make_user(username="mette")
    ali = make_citizen(mette, first_name="Ali")
    auth.login("mette")
    client.get("/borgere?q=ali", headers={"HX-Request": "true", "HX-Target": "caseload-rows"})
    searches = [e for e in _events() if e.action == AuditAction.SEARCH]
    assert [(e.search_term, e.citizen_id) for e in searches] == [("ali", ali.id)]


def test_a_search_with_no_hits_is_still_logged(client, auth):
    """Is a search that finds nobody logged too (the term itself may be personal data)?"""
    make_user(username="mette")
    auth.login("mette")
    client.get("/borgere?q=zzz")
    searches = [e for e in _events() if e.action == AuditAction.SEARCH]
    assert len(searches) == 1 and searches[0].search_term == "zzz" and searches[0].citizen_id is None


def test_retention_deletes_only_old_events(app):
    """Does the retention job delete events older than the period and keep the rest?"""
    db.session.add_all(
        [
            AuditEvent(action=AuditAction.READ, object_type="citizen", purpose="citizen_page", at=utcnow()),
            AuditEvent(
                action=AuditAction.READ,
                object_type="citizen",
                purpose="citizen_page",
                at=utcnow() - timedelta(days=400),
            ),
        ]
    )
    db.session.commit()
    assert purge_expired(365) == 1
    assert len(_events()) == 1


def _course_reads(placement_id: int) -> list[AuditEvent]:
    return [
        e
        for e in _events()
        if e.object_type == "placement" and e.object_id == placement_id and e.action == AuditAction.READ
    ]


def test_a_visit_sent_logs_the_read_whatever_the_answer(client, auth):
    """The read of the course rides in the save's transaction: is it stored with a new visit, with a
    refused one (422) and with a replay, once each?"""
    import uuid

    from tests.visit_helpers import course, payload

    _, placement = course()
    auth.login("mette")
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    assert len(_course_reads(placement.id)) == 1
    assert [e.action for e in _events() if e.object_type == "visit"] == [AuditAction.CREATE]
    # Refused by the form, then by the service's date check: the course was read both times.
    for bad in (payload(placement, can_convert="kanske"), payload(placement, performed_on="9999-01-01")):
        assert client.put(f"/api/v1/visits/{uuid.uuid4()}", json=bad).status_code == 422
    assert len(_course_reads(placement.id)) == 3
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 200
    assert len(_course_reads(placement.id)) == 4


def test_a_duplicate_caught_at_the_insert_keeps_the_read_logged(app):
    """Two requests with one new UUID: the second finds the first's row only at its INSERT and rolls
    back. Is its read of the course still logged, and the visit answered as stored?"""
    import uuid

    from app.core.timeutil import local_today
    from app.placements.services import get_placement
    from app.visits import services
    from app.visits.forms import formdata_from_json, visit_form
    from tests.visit_helpers import course, payload

    me, placement = course()
    key = uuid.uuid4()
    data = formdata_from_json(payload(placement))

    def save(existing):
        with app.test_request_context():
            found = get_placement(me, placement.id, purpose="visit", write=True, commit=False)
            form = visit_form(services.template_with_items(int(data["template_id"])), formdata=data)
            assert form.validate(), form.errors
            result = services.save_visit(
                key, form, me, local_today(), existing=existing, placement=found, read_purpose="visit"
            )
            db.session.commit()
            return result.outcome

    assert save(existing=services.LookUp) == services.Outcome.CREATED
    # As if the stored row had not been there when this request looked (the other request's moment).
    assert save(existing=None) == services.Outcome.UNCHANGED
    assert len(_course_reads(placement.id)) == 2
