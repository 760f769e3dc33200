"""The visit pages and signing through a single-use link."""

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditAction, AuditEvent, Role, ScheduledVisit, SigningToken, Visit, VisitState
from app.models.base import utcnow
from tests.factories import make_user
from tests.visit_helpers import STROKES, course, payload


@pytest.fixture
def setup(app, auth, monkeypatch):
    monkeypatch.setattr("app.sync.views.finish_signed_visit", lambda visit: None)
    me, placement = course()
    auth.login("mette")
    return me, placement


def _create(client, placement, **overrides):
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement, **overrides)).status_code == 201
    return key


def test_the_form_has_every_topic_and_starts_filled(client, setup):
    """Does the form for a planned visit show all seven topics, the hours last agreed and the plan label?"""
    _, placement = setup
    sv = db.session.scalar(sa.select(ScheduledVisit).where(ScheduledVisit.placement_id == placement.id))
    page = client.get(f"/besoeg/ny?forloeb={placement.id}&planlagt={sv.id}")
    assert page.status_code == 200
    for title in (
        "Fremmøde og mødestabilitet",
        "Ansvarlighed",
        "Samarbejde",
        "Ordinære timer",
        "Arbejdsopgaver og progression",
        "Trivsel og mestring af hverdagen",
        "Virksomhedens behov",
    ):
        assert title in page.text
    assert "Kan praktiktimer veksles til ordinære timer?" in page.text
    assert 'name="paid_hours_per_week"' in page.text and 'value="4"' in page.text
    assert f'name="scheduled_visit_id" type="hidden" value="{sv.id}"' in page.text
    assert "<script>" not in page.text  # only external scripts


def test_only_the_own_jobformidler_opens_the_form(client, auth, setup):
    """Is the form refused for another caseload (404) and for a supervisor (403)?"""
    _, other = course(username="jonas")
    assert client.get(f"/besoeg/ny?forloeb={other.id}").status_code == 404
    make_user(Role.SUPERVISOR, username="leder")
    auth.logout()
    auth.login("leder")
    assert client.get(f"/besoeg/ny?forloeb={other.id}").status_code == 403


def test_visit_page_shows_summary_and_signing_choices(client, setup):
    """Does the visit page show the answers in the template's version and a way to sign for each role?"""
    _, placement = setup
    key = _create(client, placement)
    page = client.get(f"/besoeg/{key}")
    assert page.status_code == 200
    assert "Tjekliste: Opfølgning på virksomhedsforløb, version 1" in page.text
    assert "Note om ansvarlighed" in page.text and "Går godt" in page.text
    assert "Aftal prøvetid ved kassen" in page.text
    assert page.text.count("Underskriv på denne enhed") == 2


def test_edit_form_is_filled_from_the_stored_visit(client, setup):
    """Does changing a visit open the form with what was stored?"""
    _, placement = setup
    key = _create(client, placement)
    page = client.get(f"/besoeg/{key}/ret")
    assert "Kassearbejde kan blive ordinære timer" in page.text
    assert f'data-uuid="{key}"' in page.text


def test_an_older_visits_form_says_its_next_date_moves_nothing(client, setup):
    """An older visit's agreed next visit moves nothing in the plan once a later visit exists: does its
    form say so, and the latest visit's form say that the plan moves?"""
    from app.core.timeutil import local_today

    _, placement = setup
    older = _create(client, placement, performed_on=(local_today() - timedelta(days=2)).isoformat())
    moves = "Opfølgningsplanens næste besøg efter dette besøg flyttes til denne dato."
    kept = "Et senere besøg i forløbet har aftalt næste besøg"
    page = client.get(f"/besoeg/{older}/ret").text
    assert moves in page and kept not in page
    latest = _create(client, placement)
    page = client.get(f"/besoeg/{older}/ret").text
    assert kept in page and moves not in page
    page = client.get(f"/besoeg/{latest}/ret").text
    assert moves in page and kept not in page


def _sign(client, key, role="company_contact"):
    return client.put(
        f"/api/v1/visits/{key}/signatures/{role}",
        json={"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200},
    )


def test_a_signed_visit_is_corrected_by_an_addendum(client, setup):
    """Can a signed visit only be corrected by an addendum that points at it and is a visit of its own?"""
    _, placement = setup
    key = _create(client, placement)
    _sign(client, key)
    _sign(client, key, "citizen")
    assert client.get(f"/besoeg/{key}/ret").status_code == 303
    form = client.get(f"/besoeg/{key}/tillaeg")
    assert f'name="addendum_of" type="hidden" value="{key}"' in form.text
    addendum = uuid.uuid4()
    response = client.put(
        f"/api/v1/visits/{addendum}",
        json=payload(placement, addendum_of=str(key), hours_note="Rettet: 7 timer"),
    )
    assert response.status_code == 201
    stored = db.session.scalar(sa.select(Visit).where(Visit.uuid == addendum))
    assert stored.addendum_of.uuid == key and stored.state == VisitState.COMPLETED
    assert "Tillæg til besøget" in client.get(f"/besoeg/{addendum}").text


def test_signatures_given_are_withdrawn_before_the_visit_can_change(client, setup):
    """With one of two signatures, does "Ret" lead to a page that names the signer, does withdrawing
    remove the signature (logged) and open the form, and does the changed visit then save?"""
    _, placement = setup
    key = _create(client, placement)
    assert _sign(client, key).status_code == 201
    page = client.get(f"/besoeg/{key}")
    assert "Ret (trækker underskrifterne tilbage)" in page.text
    assert f'href="/besoeg/{key}/ret"' not in page.text
    withdraw = f"/besoeg/{key}/traek-underskrifter-tilbage"
    assert client.get(f"/besoeg/{key}/ret").headers["Location"] == withdraw
    confirm = client.get(withdraw)
    assert confirm.status_code == 200 and "Hanne Jensen" in confirm.text
    response = client.post(withdraw)
    assert response.status_code == 303 and response.headers["Location"] == f"/besoeg/{key}/ret"
    assert "Underskrifterne fra Hanne Jensen er trukket tilbage" in client.get(f"/besoeg/{key}/ret").text
    visit = db.session.scalar(sa.select(Visit))
    assert visit.signatures == [] and visit.state == VisitState.COMPLETED
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "signature"))
    assert event.action == AuditAction.DELETE and event.citizen_id == placement.citizen_id
    changed = client.put(f"/api/v1/visits/{key}", json=payload(placement, paid_hours_per_week=8))
    assert changed.status_code == 200


def test_a_fully_signed_visit_keeps_its_signatures(client, setup):
    """Is withdrawing refused once everyone has signed (the visit is corrected by an addendum)?"""
    _, placement = setup
    key = _create(client, placement)
    _sign(client, key)
    _sign(client, key, "citizen")
    response = client.post(f"/besoeg/{key}/traek-underskrifter-tilbage")
    assert response.status_code == 303 and response.headers["Location"] == f"/besoeg/{key}"
    assert len(db.session.scalar(sa.select(Visit)).signatures) == 2


def test_an_addendum_must_point_at_a_signed_visit(client, setup):
    """Is an addendum to an unsigned visit refused?"""
    _, placement = setup
    key = _create(client, placement)
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=payload(placement, addendum_of=str(key)))
    assert response.status_code == 422 and "addendum_of" in response.json["errors"]


def _link(client, key, role="company_contact") -> str:
    page = client.post(f"/besoeg/{key}/underskrivningslink/{role}")
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in page.text
    return re.search(r'id="signing-link">http://localhost(/s/[^<]+)<', page.text).group(1)


def test_signing_through_the_link_on_another_device(app, client, setup):
    """Can the company sign on its own tablet without logging in, and is the link then used up?"""
    _, placement = setup
    key = _create(client, placement)
    path = _link(client, key)
    tablet = app.test_client()
    page = tablet.get(path)
    assert page.status_code == 200
    assert "Note om ansvarlighed" in page.text and "Log ud" not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    visit = db.session.scalar(sa.select(Visit))
    assert f'data-content-hash="{visit.content_hash}"' in page.text  # what the signer is shown
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200}
    assert tablet.put(path, json=body).status_code == 201
    visit = db.session.scalar(sa.select(Visit))
    assert [s.via_token for s in visit.signatures] == [True]
    reuse = tablet.get(path)
    assert reuse.status_code == 410 and "Underskriftslinket er allerede brugt." in reuse.text
    assert tablet.put(path, json=body).status_code == 410


def test_an_expired_link_is_refused(app, client, setup):
    """Is a link past its expiry refused with a clear Danish message?"""
    _, placement = setup
    key = _create(client, placement)
    path = _link(client, key)
    token = db.session.scalar(sa.select(SigningToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = app.test_client().get(path)
    assert page.status_code == 410 and "Underskriftslinket er udløbet" in page.text


def test_a_failed_signature_does_not_use_up_the_link(app, client, setup):
    """Can the signer try again after an empty drawing, with the same link?"""
    _, placement = setup
    key = _create(client, placement)
    path = _link(client, key)
    tablet = app.test_client()
    tablet.get(path)
    assert (
        tablet.put(path, json={"name": "Hanne", "strokes": [], "width": 500, "height": 200}).status_code
        == 422
    )
    assert tablet.get(path).status_code == 200


def test_a_tablet_page_opened_before_a_change_cannot_sign_the_changed_visit(app, client, setup):
    """Changed after the company opened the link: is the signature refused (409, in Danish), the link
    kept, and taken once the page is opened again?"""
    _, placement = setup
    key = _create(client, placement)
    path = _link(client, key)
    tablet = app.test_client()
    shown = re.search(r'data-content-hash="([0-9a-f]{64})"', tablet.get(path).text).group(1)
    changed = client.put(f"/api/v1/visits/{key}", json=payload(placement, paid_hours_per_week=8))
    assert changed.status_code == 200
    body = {"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200}
    refused = tablet.put(path, json={**body, "content_hash": shown})
    assert refused.status_code == 409 and "Åbn siden igen" in refused.json["message"]
    shown = re.search(r'data-content-hash="([0-9a-f]{64})"', tablet.get(path).text).group(1)
    assert tablet.put(path, json={**body, "content_hash": shown}).status_code == 201


def test_an_unknown_link_is_404(client, app):
    """Is a made-up link answered 404 without details?"""
    assert app.test_client().get("/s/made-up-token").status_code == 404


def test_the_next_visit_hint_says_what_the_date_does(client, setup):
    """An active course's form says the plan's next visit moves to the date; an ended (broken-off)
    course's form says the date is only kept with the visit, as the save then leaves the plan."""
    from app.models import PlacementStatus

    _, placement = setup
    page = client.get(f"/besoeg/ny?forloeb={placement.id}")
    assert "Opfølgningsplanens næste besøg efter dette besøg flyttes til denne dato." in page.text
    assert "Forløbet er afsluttet" not in page.text
    placement.status = PlacementStatus.BROKEN_OFF
    db.session.commit()
    plan = sorted((sv.id, sv.due_date, sv.status) for sv in placement.scheduled_visits)
    page = client.get(f"/besoeg/ny?forloeb={placement.id}")
    assert "Forløbet er afsluttet: datoen gemmes med besøget, og opfølgningsplanen ændres ikke." in page.text
    assert "flyttes til denne dato" not in page.text
    _create(client, placement, next_visit_date=(placement.start_date + timedelta(days=60)).isoformat())
    db.session.expire_all()
    assert sorted((sv.id, sv.due_date, sv.status) for sv in placement.scheduled_visits) == plan
