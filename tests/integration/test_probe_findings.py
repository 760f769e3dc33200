"""What an outside security probe found (issue 13, points 1–12), each answered by a test."""

from __future__ import annotations

import csv
import io
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import ProductionConfig, TestConfig
from app.core.timeutil import local_today, zone
from app.extensions import db
from app.models import AuditAction, AuditEvent, Role, Signature, SignerRole, SigningToken, Visit, VisitState
from app.sync.openapi import spec
from app.visits import signing
from tests.factories import PASSWORD, make_citizen, make_placement, make_team, make_user, make_visit
from tests.visit_helpers import STROKES, course, payload


@pytest.fixture
def mine(app, auth):
    """Mette's course, Mette logged in."""
    me, placement = course()
    auth.login("mette")
    return me, placement


def _put(client, key, body):
    return client.put(f"/api/v1/visits/{key}", json=body)


def _signature(name="Hanne Jensen", **overrides):
    return {"name": name, "strokes": STROKES, "width": 500, "height": 200, **overrides}


def _error_schema_ok(response) -> None:
    """Does the body match the Error schema: an `error` code and a `message`, both strings?"""
    body = response.get_json()
    assert isinstance(body, dict), response.data[:200]
    assert isinstance(body.get("error"), str) and isinstance(body.get("message"), str), body


# --- 1. A conflict answer leaked another caseload ------------------------------------------------------


def test_1_another_caseloads_visit_uuid_answers_as_unknown(app, client, auth):
    """Does a PUT of a colleague's visit UUID, with a placement of one's own, answer 404 with exactly the
    body of an unknown UUID, naming nothing of the colleague's visit?"""
    _, mettes = course("mette")
    _, jonas_course = course("jonas")
    auth.login("mette")
    key = uuid.uuid4()
    assert _put(client, key, payload(mettes)).status_code == 201
    client.put(f"/api/v1/visits/{key}/signatures/company_contact", json=_signature())
    auth.logout()
    auth.login("jonas")
    theirs = _put(client, key, payload(jonas_course, hours_note="Andet indhold"))
    unknown = client.get(f"/api/v1/visits/{uuid.uuid4()}")
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json == unknown.json
    assert "Hanne" not in theirs.text and str(mettes.id) not in theirs.text
    # Every path of the API: reading it, signing it, recording consent.
    for response in (
        client.get(f"/api/v1/visits/{key}"),
        client.put(f"/api/v1/visits/{key}/signatures/citizen", json=_signature("Ali Khan")),
        client.put(
            f"/api/v1/visits/{key}/consents/citizen", json={"name": "Ali", "note": "Mundtligt samtykke"}
        ),
    ):
        assert response.status_code == 404 and response.json == unknown.json
    assert db.session.scalar(sa.select(Visit.hours_note)) != "Andet indhold"


# --- 2. 500 on malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["placement_id", "template_id", "scheduled_visit_id"])
def test_2_an_id_beyond_the_databases_integers_is_refused(client, mine, field):
    """Does an id of 2^63 or more answer 422, not 500 (OverflowError)?"""
    _, placement = mine
    for value in (2**63, 2**64 + 1, str(2**63)):
        response = _put(client, uuid.uuid4(), payload(placement, **{field: value}))
        assert response.status_code == 422, (field, value, response.status_code)
        _error_schema_ok(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("scheduled_visit_id", "abc"),
        ("scheduled_visit_id", [1]),
        ("present", ["Ali"]),
        ("present", {"a": 1}),
        ("hours_note", ["x"]),
        ("hours_note", {"x": 1}),
        ("answers", {"attendance": {"rating": "good", "note": ["x"]}}),
        ("actions", [{"what": ["x"]}]),
        ("actions", [{"what": {"x": 1}}]),
        ("actions", ["not an object"]),
        ("on_site", "ja"),
        ("paid_hours_per_week", [6]),
        ("addendum_of", "not-a-uuid"),
    ],
)
def test_2_a_visit_body_of_the_wrong_shape_answers_422_in_danish(client, mine, field, value):
    """Does a field of the wrong JSON type answer 422 with a Danish field error, never 500?"""
    _, placement = mine
    response = _put(client, uuid.uuid4(), payload(placement, **{field: value}))
    assert response.status_code == 422, response.data[:300]
    _error_schema_ok(response)
    assert response.json["errors"]


def test_2_form_data_with_a_non_integer_scheduled_visit_answers_422(client, mine):
    """The page sends its form as form data: a scheduled_visit_id of letters is 422 too."""
    _, placement = mine
    body = payload(placement)
    form = {k: v for k, v in body.items() if isinstance(v, str | int)}
    form.update(scheduled_visit_id="abc", on_site="y")
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}", data=form)
    assert response.status_code == 422 and "scheduled_visit_id" in response.json["errors"]


@pytest.mark.parametrize("body", [[1, 2], "tekst", 7, None])
def test_2_signature_and_consent_bodies_that_are_not_objects_answer_422(client, mine, body):
    """Is a signature or consent body that is JSON but not an object refused with 422?"""
    _, placement = mine
    key = uuid.uuid4()
    assert _put(client, key, payload(placement)).status_code == 201
    for path in ("signatures/company_contact", "consents/citizen"):
        response = client.put(f"/api/v1/visits/{key}/{path}", json=body)
        assert response.status_code == 422, (path, response.status_code)
        _error_schema_ok(response)


# --- 3. Dates without a plausible range ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("performed_on", "0001-01-01"),
        ("performed_on", "1999-05-01"),
        ("performed_on", "9999-12-31"),
        ("next_visit_date", "9999-12-31"),
        ("actions", [{"what": "Noget", "due": "9999-12-31"}]),
    ],
)
def test_3_implausible_dates_are_refused(client, mine, field, value):
    """Is a visit dated long before its course, or in the future, or a next visit in year 9999, refused?"""
    _, placement = mine
    response = _put(client, uuid.uuid4(), payload(placement, **{field: value}))
    assert response.status_code == 422, response.json
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_3_plausible_dates_are_kept(client, mine):
    """Are a visit a week ago and a next visit in 20 months still accepted?"""
    _, placement = mine
    today = local_today()
    body = payload(
        placement,
        performed_on=(today - timedelta(days=7)).isoformat(),
        next_visit_date=(today + timedelta(days=600)).isoformat(),
    )
    assert _put(client, uuid.uuid4(), body).status_code == 201


def test_3_pages_stand_odd_stored_data(app, client, auth):
    """Does a visit stored with the year 1 (before the checks) leave the citizen's, the course's and the
    leder's pages working?"""
    team = make_team()
    make_user(Role.SUPERVISOR, username="leder", team=team)
    mette = make_user(username="mette", team=team)
    citizen = make_citizen(mette)
    placement = make_placement(citizen)
    odd = [
        make_visit(
            placement,
            mette,
            performed_at=datetime.combine(date(1, 1, 1), dt_time(12), zone()),
            next_visit_date=date(9999, 12, 31),
            state=VisitState.SIGNED,
            actions=[{"what": "Noget", "who": "", "due": "9999-12-31"}],
        ),
        make_visit(
            placement, mette, performed_at=datetime(1, 1, 1, 0, 5, tzinfo=UTC), state=VisitState.SIGNED
        ),
        make_visit(placement, mette, performed_at=datetime(9999, 12, 31, 23, 55, tzinfo=UTC)),
    ]
    auth.login("mette")
    urls = [f"/borgere/{citizen.id}", f"/forloeb/{placement.id}", "/", "/borgere"]
    urls += [f"/besoeg/{v.uuid}" for v in odd]
    for url in urls:
        assert client.get(url).status_code == 200, url
    auth.logout()
    auth.login("leder")
    for url in ("/leder", "/leder/besoeg", "/leder/besoeg.csv", f"/borgere/{citizen.id}", "/leder/tendens"):
        assert client.get(url).status_code in (200, 404), url


# --- 4. Concurrent use of one signing link --------------------------------------------------------------


def test_4_one_signing_link_used_at_once_signs_once_and_answers_used(app, client, mine):
    """Ten PUTs of one signing link at the same moment: one 201, the rest the used link's 410, no 500."""
    me, placement = mine
    key = uuid.uuid4()
    assert _put(client, key, payload(placement)).status_code == 201
    visit = db.session.scalar(sa.select(Visit))
    token = signing.issue_token(visit, SignerRole.COMPANY_CONTACT, me, timedelta(hours=1))
    start = threading.Barrier(10)
    statuses: list[int] = []

    def use_link():
        with app.app_context():
            tablet = app.test_client()
            start.wait()
            statuses.append(tablet.put(f"/s/{token}", json=_signature()).status_code)

    threads = [threading.Thread(target=use_link) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [410] * 9, statuses
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1


def test_4_a_second_use_of_a_link_is_a_used_link(app, client, mine):
    """Is a signing link sent again after its signature is in answered as used (410), not 409?"""
    me, placement = mine
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    visit = db.session.scalar(sa.select(Visit))
    token = signing.issue_token(visit, SignerRole.COMPANY_CONTACT, me, timedelta(hours=1))
    tablet = app.test_client()
    assert tablet.put(f"/s/{token}", json=_signature()).status_code == 201
    again = tablet.put(f"/s/{token}", json=_signature("En anden"))
    assert again.status_code == 410 and again.json["error"] == "used"


# --- 5. The leder's searches are logged with the term ---------------------------------------------------


def test_5_the_history_filter_and_its_export_are_logged_with_the_term(app, client, auth):
    """Are a leder's history search by citizen or company, and its CSV export, logged with the term?"""
    leder = make_user(Role.SUPERVISOR, username="leder")
    auth.login("leder")
    client.get("/leder/besoeg?citizen=Bodil&company=Butik")
    client.get("/leder/besoeg.csv?company=Butikken")
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.user_id == leder.id)).all()
    searched = [(e.action, e.search_term) for e in events if e.object_type == "visit_history"]
    assert (AuditAction.SEARCH, "borger: Bodil; virksomhed: Butik") in searched
    assert (AuditAction.EXPORT, "virksomhed: Butikken") in searched


# --- 6. CSV formula injection ---------------------------------------------------------------------------


def test_6_cells_that_start_a_formula_are_neutralised_in_the_export(app, client, auth):
    """Is a citizen named "=HYPERLINK(…)" written so that a spreadsheet shows it as text?"""
    team = make_team()
    make_user(Role.SUPERVISOR, username="leder", team=team)
    mette = make_user(username="mette", team=team)
    citizen = make_citizen(
        mette, first_name='=HYPERLINK("http://x.example")', last_name="+A", case_ref="@SUM(1)"
    )
    make_visit(make_placement(citizen), mette)
    auth.login("leder")
    rows = list(csv.reader(io.StringIO(client.get("/leder/besoeg.csv").text.lstrip("\ufeff")), delimiter=";"))
    cells = [cell for row in rows[1:] for cell in row]
    assert cells and not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert '\'=HYPERLINK("http://x.example") +A' in cells and "'@SUM(1)" in cells


# --- 7. Actions beyond 30 -------------------------------------------------------------------------------


def test_7_more_than_30_actions_are_refused_and_the_limit_is_described(client, mine):
    """Are 31 agreed actions refused with 422 instead of 30 being stored, and is maxItems in the file?"""
    _, placement = mine
    actions = [{"what": f"Handling {n}"} for n in range(31)]
    response = _put(client, uuid.uuid4(), payload(placement, actions=actions))
    assert response.status_code == 422 and "actions" in response.json["errors"]
    assert "Højst 30" in response.json["errors"]["actions"][0]
    assert _put(client, uuid.uuid4(), payload(placement, actions=actions[:30])).status_code == 201
    assert spec()["components"]["schemas"]["Visit"]["properties"]["actions"]["maxItems"] == 30


# --- 8. Signature strokes with NaN, Infinity or 1e308 ----------------------------------------------------


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e308])
def test_8_strokes_with_impossible_numbers_are_refused(app, client, mine, bad):
    """Is a stroke with NaN, Infinity or 1e308 refused (422), and nothing stored?"""
    _, placement = mine
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    strokes = [{"points": [{"x": 60, "y": 80}, {"x": bad, "y": 90}, {"x": 70, "y": 95}]}]
    body = app.json.dumps(_signature(strokes=strokes)) if bad == 1e308 else None
    if body is None:  # the JSON standard has no NaN or Infinity; Python's and browsers' parsers take them
        body = (
            '{"name": "Hanne", "width": 500, "height": 200, "strokes": [{"points": [{"x": 60, "y": 80}, '
            + (
                '{"x": %s, "y": 90}, {"x": 70, "y": 95}]}]}'
                % ("NaN" if bad != bad else ("Infinity" if bad > 0 else "-Infinity"))
            )
        )
    response = client.put(
        f"/api/v1/visits/{key}/signatures/company_contact", data=body, content_type="application/json"
    )
    assert response.status_code == 422, response.data[:200]
    pressure = [{"points": [{"x": 60, "y": 80, "pressure": 0.5}, {"x": 65, "y": 85}, {"x": 70, "y": 95}]}]
    assert (
        client.put(
            f"/api/v1/visits/{key}/signatures/company_contact", json=_signature(strokes=pressure)
        ).status_code
        == 201
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1


# --- 9. User names found by timing -----------------------------------------------------------------------


@pytest.fixture
def config_overrides(request):
    # Full-strength Argon2, and no lock-out to cut the known user's attempts short.
    timing = {"PASSWORD_HASH_FAST": False, "LOGIN_MAX_FAILURES": 100}
    return timing if request.node.name.startswith("test_9_") else {}


def test_9_an_unknown_user_takes_as_long_as_a_wrong_password(app, client):
    """With full-strength Argon2, does a log-in as an unknown user take about as long as a wrong password
    for a real one (a dummy hash is checked), so that user names cannot be found by timing?"""
    make_user(username="mette")
    times: dict[str, list[float]] = {"mette": [], "nobody-at-all": []}
    client.post("/login", data={"username": "nobody", "password": "forkert-kode-123"})  # warm up
    for _ in range(7):  # interleaved, so that a busy moment of the machine hits both alike
        for username, spent in times.items():
            started = time.perf_counter()
            client.post("/login", data={"username": username, "password": "forkert-kode-123"})
            spent.append(time.perf_counter() - started)
    known, unknown = (sorted(spent)[3] for spent in times.values())
    # Before the fix an unknown user took about a twentieth of the time (7 ms against 130 ms).
    assert unknown > 0.5 * known, (known, unknown)


# --- 10. HSTS ---------------------------------------------------------------------------------------------


def test_10_production_sends_hsts_and_keeps_the_strict_csp(monkeypatch, database_url):
    """Does the production configuration send Strict-Transport-Security, with the CSP still strict?"""
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 40)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.setattr(ProductionConfig, "CPR_ENCRYPTION_KEY", TestConfig.CPR_ENCRYPTION_KEY)
    production = create_app(ProductionConfig)
    response = production.test_client().get("/ping")
    with production.app_context():
        db.engine.dispose()  # its own engine: no connection left for the garbage collector
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_10_development_sends_no_hsts(client):
    """Is HSTS left out on plain-HTTP development, where it would lock browsers out of localhost?"""
    assert "Strict-Transport-Security" not in client.get("/ping").headers


# --- 11. Unused signing links after the visit was signed -------------------------------------------------


def test_11_a_visit_signed_on_the_device_closes_its_other_links(app, client, mine):
    """When the visit is fully signed on the device, does an unused link stop showing the summary?"""
    me, placement = mine
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    visit = db.session.scalar(sa.select(Visit))
    token = signing.issue_token(visit, SignerRole.COMPANY_CONTACT, me, timedelta(hours=1))
    tablet = app.test_client()
    assert tablet.get(f"/s/{token}").status_code == 200
    for role, name in (("company_contact", "Hanne Jensen"), ("citizen", "Ali Khan")):
        assert client.put(f"/api/v1/visits/{key}/signatures/{role}", json=_signature(name)).status_code == 201
    closed = tablet.get(f"/s/{token}")
    assert closed.status_code == 410 and "Ali Khan" not in closed.text
    assert db.session.scalar(sa.select(SigningToken.used_at)) is not None


# --- 12. Every API error in the Error schema --------------------------------------------------------------


def test_12_every_api_error_matches_the_error_schema(app, client, mine):
    """Do 400 (CSRF), 401, 403, 404, 405, 409 and 422 from the API all carry `error` and `message`?"""
    _, placement = mine
    key = uuid.uuid4()
    _put(client, key, payload(placement))
    for role, name in (("company_contact", "Hanne"), ("citizen", "Ali")):
        client.put(f"/api/v1/visits/{key}/signatures/{role}", json=_signature(name))
    answers = {
        404: client.get(f"/api/v1/visits/{uuid.uuid4()}"),
        "404 route": client.get("/api/v1/ingenting"),
        "404 not a uuid": client.get("/api/v1/visits/123"),
        405: client.post(f"/api/v1/visits/{key}", json={}),
        409: _put(client, key, payload(placement, hours_note="Ændret")),
        422: _put(client, uuid.uuid4(), {"placement_id": placement.id}),
    }
    for expected, response in answers.items():
        assert response.status_code == (expected if isinstance(expected, int) else 404), expected
        _error_schema_ok(response)
    assert answers[404].json == answers["404 route"].json == answers["404 not a uuid"].json
    anonymous = app.test_client()
    _error_schema_ok(anonymous.get(f"/api/v1/visits/{key}"))
    make_user(Role.SUPERVISOR, username="leder")
    leder = app.test_client()
    leder.post("/login", data={"username": "leder", "password": PASSWORD})
    forbidden = leder.put(f"/api/v1/visits/{uuid.uuid4()}", json=payload(placement))
    assert forbidden.status_code == 403
    _error_schema_ok(forbidden)


@pytest.fixture
def csrf_app(database_url, _schema):
    from tests.conftest import _config

    app = create_app({**_config(), "WTF_CSRF_ENABLED": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_12_a_csrf_failure_on_the_api_answers_json(csrf_app, client):
    """Does a write to the API without a CSRF token answer 400 in the Error schema, not an HTML page?"""
    course()
    api = csrf_app.test_client()
    page = api.get("/login").text
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    api.post("/login", data={"username": "mette", "password": PASSWORD, "csrf_token": token})
    response = api.put(f"/api/v1/visits/{uuid.uuid4()}", json={})
    assert response.status_code == 400 and response.is_json
    assert response.json["error"] == "csrf"
    _error_schema_ok(response)


def test_12_the_description_documents_every_error_status():
    """Does the OpenAPI file describe 400, 401, 403, 404, 409, 413, 422 and 429 for the writes?"""
    put = spec()["paths"]["/visits/{uuid}"]["put"]["responses"]
    assert {"400", "401", "403", "404", "409", "413", "422", "429"} <= set(put)
    error = spec()["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message"}


def test_2_a_huge_id_in_a_page_url_is_404(client, mine):
    """Does a page URL with an id beyond the database's integers answer 404 instead of 500?"""
    for url in ("/borgere/99999999999999999999", f"/forloeb/{2**63}", f"/borgere/{2**31}"):
        assert client.get(url).status_code == 404, url
