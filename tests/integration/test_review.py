"""The supervisor's visit history, its CSV export, the journal note, and the access log with extracts."""

import csv
import io
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.models import AuditAction, AuditEvent, Document, Role, VisitState
from app.supervision import history
from app.supervision.history import HistoryFilter
from tests.factories import (
    make_citizen,
    make_company,
    make_placement,
    make_team,
    make_user,
    make_visit,
    make_workplace,
)


def _day(day: int) -> date:
    """A day of last month: the team's visits lie there, so "the last 12 months" holds them on any date
    the suite runs (read when a test runs, on the frozen clock, never at import)."""
    return (local_today().replace(day=1) - timedelta(days=1)).replace(day=day)


def _at(day: int) -> datetime:
    return datetime.combine(_day(day), time(9, 30), tzinfo=UTC)


@pytest.fixture
def team(app):
    """A supervisor's team of two jobformidlere, and a jobformidler on another team."""
    mine, others = make_team(name="Team Nord"), make_team(name="Team Syd")
    leder = make_user(Role.SUPERVISOR, username="leder", full_name="Lene Leder", team=mine)
    mette = make_user(username="mette", full_name="Mette Sørensen", team=mine)
    jonas = make_user(username="jonas", full_name="Jonas Berg", team=mine)
    ole = make_user(username="ole", full_name="Ole Andersen", team=others)
    blik = make_company(name="Herning Blik A/S", cvr="13748136")
    ali = make_placement(
        make_citizen(mette, first_name="Ali", last_name="Khan", case_ref="SAG-1"),
        workplace=make_workplace(blik, name="Værkstedet"),
    )
    bodil = make_placement(make_citizen(jonas, first_name="Bodil", last_name="Berg", case_ref="SAG-2"))
    carl = make_placement(make_citizen(ole, first_name="Carl", last_name="Dahl", case_ref="SAG-3"))
    visits = {
        "ali-2": make_visit(ali, mette, performed_at=_at(2), state=VisitState.DELIVERED),
        "ali-16": make_visit(ali, mette, performed_at=_at(16), state=VisitState.SIGNED),
        "ali-draft": make_visit(ali, mette, performed_at=_at(18), state=VisitState.DRAFT),
        "bodil-10": make_visit(
            bodil, jonas, performed_at=_at(10), paid_hours_per_week=Decimal("7.5"), present="Bodil og Per"
        ),
        "carl-12": make_visit(carl, ole, performed_at=_at(12)),
    }
    db.session.add(Document(visit=visits["ali-2"], sha256="a" * 64, pdf=b"%PDF-1.7", reference="EV-TEST0001"))
    db.session.commit()
    return {"leder": leder, "mette": mette, "jonas": jonas, "ole": ole, "visits": visits}


def _uuids(visits) -> list[str]:
    return [str(v.uuid) for v in visits]


# --- The service, without HTTP ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (HistoryFilter(), ["ali-16", "bodil-10", "ali-2"]),  # newest first; no draft, no other team
        (HistoryFilter(jobformidler_id=-1), []),
        (HistoryFilter(citizen="khan"), ["ali-16", "ali-2"]),
        (HistoryFilter(citizen="SAG-2"), ["bodil-10"]),
        (HistoryFilter(company="blik"), ["ali-16", "ali-2"]),
        (HistoryFilter(company="1374 8136"), ["ali-16", "ali-2"]),  # the CVR number, typed with a space
        ({"date_from": 10}, ["ali-16", "bodil-10"]),
        ({"date_to": 10}, ["bodil-10", "ali-2"]),  # the last day counts
        (HistoryFilter(state=VisitState.SIGNED), ["ali-16"]),
        (HistoryFilter(citizen="100%_"), []),  # wildcards are plain text
    ],
)
def test_the_history_filters(team, f, expected):
    """Does each filter narrow the team's visits as a supervisor would expect?"""
    if isinstance(f, dict):  # a period, given as days of last month
        f = HistoryFilter(**{key: _day(day) for key, day in f.items()})
    page = history.history_page(team["leder"], f)
    assert _uuids(page.rows) == _uuids(team["visits"][key] for key in expected)
    assert page.total == len(expected)


def test_the_history_by_jobformidler_and_in_pages(team):
    """Is the history narrowed to one jobformidler, and split into pages that add up?"""
    mine = history.history_page(team["leder"], HistoryFilter(jobformidler_id=team["mette"].id))
    assert _uuids(mine.rows) == _uuids([team["visits"]["ali-16"], team["visits"]["ali-2"]])
    first = history.history_page(team["leder"], HistoryFilter(), number=1, size=2)
    second = history.history_page(team["leder"], HistoryFilter(), number=2, size=2)
    beyond = history.history_page(team["leder"], HistoryFilter(), number=9, size=2)
    assert (first.pages, first.has_next, second.has_previous, second.has_next) == (2, True, True, False)
    assert len(first.rows) == 2 and len(second.rows) == 1 and beyond.number == 2


def test_a_jobformidler_has_no_team_history_beyond_the_own_caseload(team):
    """Would the history query, asked by a jobformidler, hold only their own citizens' visits?"""
    page = history.history_page(team["jonas"], HistoryFilter())
    assert _uuids(page.rows) == [str(team["visits"]["bodil-10"].uuid)]


def test_the_journal_note_is_plain_danish_text(team, app):
    """Does the journal note hold the date, company, topics, hours and who was present, as text?"""
    visit = team["visits"]["bodil-10"]
    visit.answers = {
        item.key: {"rating": "good", "note": f"Note {item.key}"} for item in visit.template.items
    }
    visit.actions = [{"what": "Truckkursus", "who": "Bodil", "due": "2026-12-01"}]
    db.session.commit()
    with app.test_request_context():
        note = history.journal_note(visit)
    assert note.startswith(f"Opfølgning {_day(10):%d.%m.%Y}\n")
    assert "Til stede: Bodil og Per" in note and "Ordinære timer pr. uge: 7,5" in note
    assert "- Truckkursus (Bodil, 01.12.2026)" in note
    assert all(f"Note {item.key}" in note for item in visit.template.items)
    assert "<" not in note and "\n\n\n" not in note


# --- The pages --------------------------------------------------------------------------------------


def test_history_page_and_fragment(client, auth, team):
    """Does the full page show the filters and the team's visits, and the htmx fragment only the rows?"""
    auth.login("leder")
    page = client.get("/leder/besoeg")
    assert page.status_code == 200
    assert "Besøgshistorik" in page.text and "Ali Khan" in page.text and "Bodil Berg" in page.text
    assert "Carl Dahl" not in page.text and "3 besøg" in page.text
    assert f"/besoeg/{team['visits']['ali-2'].uuid}/referat.pdf" in page.text  # the sealed PDF
    fragment = client.get(
        f"/leder/besoeg?jobformidler={team['jonas'].id}",
        headers={"HX-Request": "true", "HX-Target": "history-rows"},
    )
    assert fragment.text.lstrip().startswith('<section id="history-rows"')
    assert "Bodil Berg" in fragment.text and "Ali Khan" not in fragment.text and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]


def test_a_bad_filter_says_why_in_danish_and_keeps_what_was_typed(client, auth, team):
    """Does an end date before the start date explain itself and keep the typed values?"""
    auth.login("leder")
    page = client.get("/leder/besoeg?date_from=2026-11-20&date_to=2026-11-01&citizen=Ali").text
    assert "Slutdatoen ligger før startdatoen." in page
    assert 'value="2026-11-01"' in page and 'value="Ali"' in page


@pytest.mark.parametrize("url", ["/leder/besoeg", "/leder/besoeg.csv", "/adgangslog"])
def test_a_jobformidler_cannot_open_the_review_pages(client, auth, team, url):
    """Are the history, its export and the access log forbidden to a jobformidler?"""
    auth.login("mette")
    assert client.get(url).status_code == 403


def test_the_csv_export_is_filtered_and_logged(client, auth, team):
    """Does the export hold the filtered visits for a Danish spreadsheet, with an audit event per citizen?"""
    auth.login("leder")
    response = client.get("/leder/besoeg.csv?company=blik")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="besoeg-')
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Dato", "Borger", "Sagsreference"]
    assert [r[0] for r in rows[1:]] == [f"{_day(16):%d.%m.%Y}", f"{_day(2):%d.%m.%Y}"]
    assert rows[2][1:4] == ["Ali Khan", "SAG-1", "Herning Blik A/S"]
    assert rows[2][rows[0].index("Referat (reference)")] == "EV-TEST0001"
    exports = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    assert [(e.citizen_id, e.purpose) for e in exports] == [
        (team["visits"]["ali-2"].placement.citizen_id, "export")
    ]


def test_the_visit_page_offers_the_journal_note(client, auth, team):
    """Does the visit page show the journal note with a copy button?"""
    auth.login("leder")
    page = client.get(f"/besoeg/{team['visits']['bodil-10'].uuid}").text
    assert 'id="journal-text"' in page and 'data-copy="journal-text"' in page
    assert "Til stede: Bodil og Per" in page


def test_access_log_search_scope_and_extract(client, auth, team, tmp_path):
    """Does the supervisor find their team's citizens' events (not other teams'), and does the extract
    tell when and why without naming the employees?"""
    auth.login("mette")
    client.get(f"/borgere/{team['visits']['ali-2'].placement.citizen_id}")  # Mette reads Ali's page
    auth.logout()
    auth.login("ole")
    client.get(f"/borgere/{team['visits']['carl-12'].placement.citizen_id}")
    auth.logout()

    auth.login("leder")
    page = client.get("/adgangslog?citizen=khan").text
    assert "Ali Khan" in page and "Mette Sørensen" in page and "Borgerens side" in page
    assert "Carl Dahl" not in page
    search = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.purpose == "access_log", AuditEvent.action == AuditAction.SEARCH
        )
    ).all()
    assert search and search[0].search_term == "khan"

    ali_id = team["visits"]["ali-2"].placement.citizen_id
    extract = client.get(f"/adgangslog/borger/{ali_id}/udtraek.csv").data.decode("utf-8")
    assert "Borgerens side" in extract and "Jobformidler" in extract
    assert "Mette" not in extract and "Lene" not in extract
    pdf = client.get(f"/adgangslog/borger/{ali_id}/udtraek.pdf")
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "udtraek.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Udtræk af adgangsloggen" in text and "Ali Khan" in text and "Mette" not in text
    carl_id = team["visits"]["carl-12"].placement.citizen_id
    assert client.get(f"/adgangslog/borger/{carl_id}/udtraek.csv").status_code == 404


def test_the_administrator_searches_the_whole_log(client, auth, team):
    """Does an administrator see every team's events?"""
    make_user(Role.ADMIN, username="admin")
    auth.login("ole")
    client.get(f"/borgere/{team['visits']['carl-12'].placement.citizen_id}")
    auth.logout()
    auth.login("admin")
    page = client.get("/adgangslog").text
    assert "Carl Dahl" in page and "Ole Andersen" in page
    assert client.get(f"/adgangslog?date_to={(utcnow() - timedelta(days=400)).date()}").status_code == 200


# --- The dashboard ----------------------------------------------------------------------------------


def test_dashboard_full_page_and_fragment(client, auth, team, app):
    """Does the dashboard show the indicators with targets, each jobformidler's caseload against the cap
    and the citizens longest without an on-site visit; and the htmx fragment only its body?"""
    app.config["CASELOAD_CAP"] = 0  # everyone with a citizen is above it
    auth.login("leder")
    page = client.get("/leder")
    assert page.status_code == 200
    html = page.text
    assert "Indikatorer" in html and "Mål: mindst 90 %" in html and "Mål: mindst 70 %" in html
    assert "Mette Sørensen" in html and "Jonas Berg" in html and "Ole Andersen" not in html
    assert (
        "1 / 0" in html
        and "over loftet" in html
        and "2 jobformidlere har flere borgere end loftet på 0." in html
    )
    assert "Ali Khan" in html and "Carl Dahl" not in html  # the on-site list holds the team's citizens only
    assert 'hx-get="/leder/tendens"' in html
    fragment = client.get(
        f"/leder?periode=12m&jobformidler={team['jonas'].id}",
        headers={"HX-Request": "true", "HX-Target": "dashboard-body"},
    ).text
    assert fragment.lstrip().startswith('<div id="dashboard-body"') and "<html" not in fragment
    assert "Bodil Berg" in fragment and "Ali Khan" not in fragment
    reads = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "dashboard")).all()
    assert {e.citizen_id for e in reads} >= {team["visits"]["ali-2"].placement.citizen_id}


def test_the_trend_loads_as_a_chart_with_a_table(client, auth, team):
    """Is the team trend an accessible SVG chart with the same numbers as a table?"""
    auth.login("leder")
    html = client.get("/leder/tendens", headers={"HX-Request": "true"}).text
    assert "<svg" in html and 'role="img"' in html and "<title" in html and "<desc" in html
    assert "Vis tallene" in html and "<table" in html and html.count('<th scope="row">') == 12


def test_indicator_drill_down_lists_the_citizens_behind_it(client, auth, team):
    """Does an indicator's link list the citizens in its denominator, and log the read?"""
    auth.login("leder")
    html = client.get("/leder/indikator/hours_discussed?del=denominator&periode=12m").text
    assert "Ali Khan" in html and "Bodil Berg" in html and "Carl Dahl" not in html
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "indicator")).all()
    assert len(events) == 2
    assert client.get("/leder/indikator/no_such_thing").status_code == 404
    assert client.get(f"/leder?jobformidler={team['ole'].id}").status_code == 404  # not on the team


@pytest.mark.parametrize("url", ["/leder", "/leder/tendens", "/leder/indikator/hours_discussed"])
def test_a_jobformidler_cannot_open_the_dashboard(client, auth, team, url):
    """Are the dashboard, its trend and its drill-downs forbidden to a jobformidler?"""
    auth.login("mette")
    assert client.get(url).status_code == 403


def test_the_citizen_page_draws_the_hours_and_the_225_hour_rule(client, auth, team):
    """Does a citizen's page draw each course's hours as an accessible SVG and state the 225-hour rule?"""
    auth.login("leder")
    placement = team["visits"]["bodil-10"].placement
    html = client.get(f"/borgere/{placement.citizen_id}").text
    assert f'<title id="hours-{placement.id}-title">' in html and 'role="img"' in html
    assert f'aria-labelledby="hours-{placement.id}-title hours-{placement.id}-desc"' in html
    assert "225-timersreglen" in html and "ordinære løntimer de seneste 12 måneder" in html


def test_history_pages_through_long_lists(client, auth, team, monkeypatch):
    """With more visits than a page holds, are there previous/next links that keep the filters?"""
    monkeypatch.setattr(history, "PAGE_SIZE", 2)
    auth.login("leder")
    first = client.get("/leder/besoeg?citizen=&state=").text
    assert "side 1 af 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get(
        "/leder/besoeg?side=2", headers={"HX-Request": "true", "HX-Target": "history-rows"}
    ).text
    assert "side 2 af 2" in second and 'rel="prev"' in second and "Ali Khan" in second  # the oldest visit
