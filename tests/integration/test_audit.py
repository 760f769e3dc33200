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
