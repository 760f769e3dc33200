"""The home page's agenda and caseload rows, kept as renderings and used again while their data are equal
(issue 14): never a rendering of data other than those just read."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from flask import template_rendered

from app.core.memo import RenderMemo
from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.models import AuditEvent, CitizenStatus
from tests.factories import make_citizen, make_scheduled_visit, make_user
from tests.visit_helpers import course, payload

AGENDA = "caseload/_agenda.html"
ROWS = "caseload/_caseload_rows.html"


@pytest.fixture
def rendered(app):
    """The names of the templates rendered while the test runs."""
    names: list[str] = []

    def note(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(note, app)
    yield names
    template_rendered.disconnect(note, app)


def _parts(html: str) -> tuple[str, str]:
    """The home page's agenda and caseload rows (not the rest: its CSRF tokens change each second)."""
    agenda = html[html.index('<div id="agenda"') : html.index('aria-labelledby="caseload-heading"')]
    rows = html.index('<div id="caseload-rows"')
    return agenda, html[rows : html.index("</section>", rows)]


def _card(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</li>", start)]


def test_an_unchanged_home_page_uses_the_renderings_made_before(client, auth, rendered):
    """Does a second opening of an unchanged home page give the same page without rendering the agenda
    and the caseload rows again, and still log the read of each citizen shown?"""
    _, placement = course()
    auth.login("mette")
    first = client.get("/").text
    assert AGENDA in rendered and ROWS in rendered
    rendered.clear()
    logged = _reads_logged(placement.citizen_id)
    second = client.get("/").text
    assert AGENDA not in rendered and ROWS not in rendered
    assert "caseload/home.html" in rendered
    assert _parts(first) == _parts(second) and "Ali Khan" in _parts(second)[1]
    assert _reads_logged(placement.citizen_id) == logged + 1


def _reads_logged(citizen_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.citizen_id == citizen_id)
    )


def test_each_change_to_what_the_home_page_shows_is_shown_at_once(client, auth, app):
    """A new citizen, a citizen's status, a company's name, a planned visit's day, a visit recorded
    through the API: does the next home page show each change, not an earlier rendering?"""
    me, placement = course()
    auth.login("mette")
    today = local_today()
    client.get("/")

    make_citizen(me, first_name="Zenia", last_name="Nyborg")
    assert "Zenia Nyborg" in _parts(client.get("/").text)[1]

    citizen = placement.citizen
    citizen.status = CitizenStatus.INACTIVE
    db.session.commit()
    assert "status-inactive" in _parts(client.get("/").text)[1]

    placement.workplace.company.name = "Nyt Navn ApS"
    db.session.commit()
    assert "Nyt Navn ApS" in _parts(client.get("/").text)[1]

    planned = make_scheduled_visit(placement, today)
    page = client.get("/").text
    assert "Ali Khan" in _parts(page)[0].split('id="agenda-overdue"')[0]  # today
    assert f"planlagt={planned.id}" in page.split("data-urls=")[1].split("'")[1]  # kept for the field

    assert "aldrig besøgt" in _card(_parts(client.get("/").text)[1], "Ali Khan")
    sent = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=payload(placement))
    assert sent.status_code == 201
    ali = _card(_parts(client.get("/").text)[1], "Ali Khan")
    assert "i dag" in ali and "aldrig besøgt" not in ali
    assert app.extensions["render_memo"].hits > 0


def test_the_renderings_are_per_language(client, auth):
    """Does the home page in English after Danish show English agenda and rows, and Danish again after?"""
    course()
    auth.login("mette")
    assert "I dag" in _parts(client.get("/").text)[0]
    client.post("/sprog", data={"lang": "en"})
    agenda, rows = _parts(client.get("/").text)
    assert "Today" in agenda and "I dag" not in agenda and "citizen" in rows
    client.post("/sprog", data={"lang": "da"})
    assert "I dag" in _parts(client.get("/").text)[0]


def test_two_users_with_equal_data_get_their_own_renderings(client, auth, app):
    """Two jobformidlere with no citizens (equal, empty data): is each one's rendering kept apart?"""
    make_user(username="ny1")
    make_user(username="ny2")
    auth.login("ny1")
    client.get("/")
    kept = len(app.extensions["render_memo"])
    auth.logout()
    auth.login("ny2")
    client.get("/")
    assert len(app.extensions["render_memo"]) == kept + 3  # the agenda, the rows and the pages to keep


def test_the_next_day_is_rendered_anew(client, auth, app):
    """Does the same data on the next day give a new rendering (the days since the last visit, what
    is overdue)?"""
    _, placement = course()
    make_scheduled_visit(placement, local_today() + timedelta(days=1))
    auth.login("mette")
    assert "Ali Khan" not in _parts(client.get("/").text)[0].split('id="agenda-overdue"')[0]
    with time_machine.travel(utcnow() + timedelta(days=1), tick=True):
        auth.login("mette")  # the session of the day before has run out: this ends it
        auth.login("mette")
        assert "Ali Khan" in _parts(client.get("/").text)[0].split('id="agenda-overdue"')[0]


def test_the_memo_keeps_at_most_its_size_and_drops_the_least_recently_used():
    """Does a memo of three keep the three most recently used renderings?"""
    memo = RenderMemo(3)
    for key in "abc":
        memo.put(key, key.upper())
    assert memo.get("a") == "A"  # now the most recently used
    memo.put("d", "D")
    assert len(memo) == 3
    assert memo.get("b") is None
    assert [memo.get(k) for k in "acd"] == ["A", "C", "D"]
    assert (memo.hits, memo.misses) == (4, 1)


def test_a_memo_of_size_zero_keeps_nothing():
    memo = RenderMemo(0)
    memo.put("a", "A")
    assert memo.get("a") is None and len(memo) == 0
