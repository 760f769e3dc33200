"""The authorization matrix (issue 13): every route of the URL map, as anonymous, as each role, as a
colleague on the same team and as members of another team, with the ids of one jobformidler's citizen,
course, visit and plan filled in. No one but that jobformidler (and their own leder, not asked here)
gets a 200 showing the citizen, and no write changes anything of theirs."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Citizen, Contact, Placement, Role, ScheduledVisit, Signature, Visit
from app.supervision.indicators import KEYS
from tests.factories import PASSWORD, make_citizen, make_citizen_contact, make_placement, make_team, make_user
from tests.visit_helpers import course, payload

VICTIM_NAME, VICTIM_LAST, VICTIM_REF = "Zacharias", "Victimsen", "SAG-OFFER-77"
# What README's data-protection section allows an administrator to see: the names and case
# references of the citizens they move between jobformidlere (and the access log, for extracts).
ADMIN_MAY_SEE = {"admin.edit_user", "caseload.move_citizens", "supervision.access", "supervision.extract"}
ADMIN_MAY_WRITE_PREFIXES = ("admin.", "checklists.", "caseload.move_citizens")
REFUSED = {302, 400, 401, 403, 404, 405, 409, 410, 422}


@pytest.fixture
def world(app, client):
    """Mette's citizen (the victim) with a course, a plan and a visit on the server; the actors."""
    team_a, team_b = make_team(name="Team A"), make_team(name="Team B")
    mette, placement = course("mette")
    mette.team = team_a
    citizen = placement.citizen
    citizen.first_name, citizen.last_name, citizen.case_ref = VICTIM_NAME, VICTIM_LAST, VICTIM_REF
    db.session.commit()
    client.post("/login", data={"username": "mette", "password": PASSWORD})
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    actors = {
        "colleague": make_user(username="kollega", team=team_a),
        "other_team": make_user(username="fremmed", team=team_b),
        "other_leder": make_user(Role.SUPERVISOR, username="fremmedleder", team=team_b),
        "admin": make_user(Role.ADMIN, username="admin"),
    }
    for user in (actors["colleague"], actors["other_team"]):  # each with a caseload of their own
        make_placement(make_citizen(user, first_name="Egen", last_name="Borger"))
    sv = db.session.scalar(sa.select(ScheduledVisit).where(ScheduledVisit.placement_id == placement.id))
    # A contact between visits, waiting for its answer (issue 17), and a team meeting that discussed them.
    contact = make_citizen_contact(citizen, mette, placement=placement, about=f"Ring til {VICTIM_LAST}")
    from app.contacts.services import record_team_meeting

    leder = make_user(Role.SUPERVISOR, username="egenleder", team=team_a)
    meeting = record_team_meeting(team_a.id, placement.start_date, [citizen], leder)
    company = placement.workplace.company
    args = {
        "citizen_id": citizen.id,
        "placement_id": placement.id,
        "visit_uuid": key,
        "visit_id": sv.id,
        "user_id": mette.id,
        "team_id": team_a.id,
        "company_id": company.id,
        "workplace_id": placement.workplace_id,
        "contact_id": placement.contact_person_id,
        "template_id": 1,
        "item_id": 1,
        "delivery_id": 1,
        "role": "citizen",
        "kind": "csv",
        "key": KEYS[0],
        "code": "1m",
        "token": "ukendt-token",
        "public_id": "0" * 16,
        "filename": "css/app.css",
        "citizen_contact_id": contact.id,
        "contact_uuid": contact.uuid,
        "meeting_id": meeting.id,
    }
    return {"citizen": citizen, "placement": placement, "args": args, "actors": actors}


def _snapshot(placement_id: int) -> str:
    """A digest of everything stored about the victim's course: a write by someone else must leave it."""
    rows = []
    for model in (Citizen, Placement, ScheduledVisit, Visit, Signature, Contact):
        table = model.__table__
        query = sa.select(table)
        if "placement_id" in table.c:
            query = query.where(table.c.placement_id == placement_id)
        elif model is Signature:
            query = query.join(Visit.__table__).where(Visit.__table__.c.placement_id == placement_id)
        rows += [sorted((k, str(v)) for k, v in row.items()) for row in db.session.execute(query).mappings()]
    db.session.rollback()
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def _client(app, username: str | None):
    client = app.test_client()
    if username:
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 303
    return client


def _routes(app, args):
    for rule in app.url_map.iter_rules():
        url = rule.build({name: args[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, url


@pytest.mark.parametrize("actor", ["anonymous", "colleague", "other_team", "other_leder", "admin"])
def test_no_one_else_gets_the_citizens_data_or_changes_it(app, world, actor):
    """For every route and method, as this actor: no 200 that shows the victim citizen, and no write
    that changes what is stored about them."""
    username = None if actor == "anonymous" else world["actors"][actor].username
    client = _client(app, username)
    before = _snapshot(world["placement"].id)
    checked = 0
    for rule, method, url in _routes(app, world["args"]):
        if rule.endpoint in ("auth.logout", "core.choose_language"):
            continue  # ending the actor's own session, choosing a language: nothing of anyone else's
        response = client.open(url, method=method, data={}, headers={"Accept": "text/html"})
        text = (
            response.get_data(as_text=True)
            if response.mimetype.startswith(("text/", "application/json"))
            else ""
        )
        response.close()  # static files are streamed from an open file
        shows_victim = VICTIM_LAST in text or VICTIM_REF in text
        if actor == "admin" and rule.endpoint in ADMIN_MAY_SEE:
            shows_victim = False
        assert not (response.status_code == 200 and shows_victim), (actor, method, url)
        if method != "GET" and rule.arguments & {"citizen_id", "placement_id", "visit_uuid", "visit_id"}:
            may_write = actor == "admin" and rule.endpoint.startswith(ADMIN_MAY_WRITE_PREFIXES)
            assert may_write or response.status_code in REFUSED, (actor, method, url, response.status_code)
        checked += 1
    assert checked > 80
    assert _snapshot(world["placement"].id) == before


def test_the_matrix_sees_the_victim_where_it_should(app, world):
    """The check can fail: the citizen's own jobformidler does get a 200 with the citizen's name."""
    mette = _client(app, "mette")
    page = mette.get(f"/borgere/{world['citizen'].id}")
    assert page.status_code == 200 and VICTIM_LAST in page.text
