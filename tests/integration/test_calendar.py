"""The calendar feed over HTTP: the settings page, renewing and revoking the secret, and the feed URL."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.calendar import services
from app.core.timeutil import local_today
from app.extensions import db
from app.models import AuditEvent, Role, User
from tests.factories import (
    make_citizen,
    make_company,
    make_placement,
    make_scheduled_visit,
    make_user,
    make_workplace,
)


def _token(username: str) -> str | None:
    return db.session.scalar(sa.select(User.calendar_token).where(User.username == username))


def _visit_for(user: User, first_name: str, company: str, days: int = 7):
    workplace = make_workplace(make_company(name=company))
    placement = make_placement(make_citizen(user, first_name=first_name), workplace=workplace)
    return make_scheduled_visit(placement, local_today() + timedelta(days=days))


def test_feed_answers_icalendar_with_private_headers(client):
    """Does the feed URL answer, without log-in, an iCalendar of the user's visits that is never cached?"""
    mette = make_user(username="mette")
    visit = _visit_for(mette, "Ali", "Bageriet Bryggergade ApS")
    token = services.issue_token(mette)
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Disposition"] == 'inline; filename="eftervaern.ics"'
    [event] = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Opfølgning: Ali – Bageriet Bryggergade ApS"
    assert event.decoded("dtstart") == visit.due_date
    assert str(event["DESCRIPTION"]) == "http://localhost/"


def test_feed_holds_only_the_token_owners_visits(client):
    """Does one user's feed leave out a colleague's visits, and the colleague's feed the user's?"""
    mette, jonas = make_user(username="mette"), make_user(username="jonas")
    _visit_for(mette, "Ali", "Bageriet ApS")
    _visit_for(jonas, "Birgitte", "Smedien ApS")
    mettes = client.get(f"/kalender/{services.issue_token(mette)}.ics")
    jonas_feed = client.get(f"/kalender/{services.issue_token(jonas)}.ics")
    assert b"Ali" in mettes.data and b"Birgitte" not in mettes.data
    assert b"Birgitte" in jonas_feed.data and b"Ali" not in jonas_feed.data


def test_feed_fetch_is_logged_for_the_feeds_user(client):
    """Is an anonymous feed fetch logged as the feed owner's read, per citizen, for the calendar?"""
    mette = make_user(username="mette")
    visit = _visit_for(mette, "Ali", "Bageriet ApS")
    client.get(f"/kalender/{services.issue_token(mette)}.ics")
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert [(e.user_id, e.citizen_id, e.purpose, e.object_type) for e in events] == [
        (mette.id, visit.placement.citizen_id, "calendar", "calendar")
    ]
    assert events[0].ip_address == "127.0.0.1"


@pytest.mark.parametrize("token", ["unknown", "x" * 43])
def test_unknown_token_is_a_bare_404(client, token):
    """Does an unknown feed URL answer 404 with nothing in the body?"""
    make_user(username="mette")
    response = client.get(f"/kalender/{token}.ics")
    assert response.status_code == 404 and response.data == b""


def test_renewing_invalidates_the_old_url(client, auth):
    """After "Forny adresse", does the old feed URL answer 404 and the new one 200?"""
    make_user(username="mette")
    auth.login("mette")
    client.post("/kalender/forny")
    old = _token("mette")
    response = client.post("/kalender/forny")
    new = _token("mette")
    assert response.status_code == 303 and response.headers["Location"] == "/kalender"
    assert new and new != old
    assert client.get(f"/kalender/{old}.ics").status_code == 404
    assert client.get(f"/kalender/{new}.ics").status_code == 200
    page = client.get("/kalender").text
    assert "Den gamle adresse virker ikke længere" in page
    assert f"http://localhost/kalender/{new}.ics" in page and old not in page


def test_revoking_turns_the_feed_off(client, auth):
    """After "Slå kalenderadresse fra", does the feed URL answer 404 and the page offer a new address?"""
    make_user(username="mette")
    auth.login("mette")
    client.post("/kalender/forny")
    token = _token("mette")
    response = client.post("/kalender/sluk")
    assert response.status_code == 303
    assert _token("mette") is None
    assert client.get(f"/kalender/{token}.ics").status_code == 404
    page = client.get("/kalender").text
    assert "Kalenderadressen er slået fra" in page
    assert "Opret kalenderadresse" in page and ".ics" not in page


def test_settings_page_shows_the_absolute_url_and_instructions(client, auth):
    """Does /kalender show the absolute feed URL read-only, the instructions and the renew and off buttons?"""
    mette = make_user(username="mette")
    token = services.issue_token(mette)
    auth.login("mette")
    response = client.get("/kalender")
    page = response.text
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert f'value="http://localhost/kalender/{token}.ics" readonly' in page
    assert "Tilføj kalender → Fra internettet" in page
    assert "Indstillinger → Kalender → Konti" in page
    assert "Fra webadresse" in page
    assert "fornavne" in page
    assert "Forny adresse" in page and "Slå kalenderadresse fra" in page
    assert page.count('name="csrf_token"') == 4  # log-out, language, renew and off forms


def test_settings_page_without_a_token_offers_to_create_one(client, auth):
    """Does a user without a feed see "Opret kalenderadresse", and does pressing it create the address?"""
    make_user(username="mette")
    auth.login("mette")
    page = client.get("/kalender").text
    assert "Opret kalenderadresse" in page and ".ics" not in page
    response = client.post("/kalender/forny", follow_redirects=True)
    token = _token("mette")
    assert token and f"http://localhost/kalender/{token}.ics" in response.text
    assert "Din kalenderadresse er oprettet" in response.text


def test_supervisor_may_use_the_calendar(client, auth):
    """Can a supervisor open the calendar page and create an address, which gives an empty feed?"""
    make_user(Role.SUPERVISOR, username="leder")
    auth.login("leder")
    assert client.get("/kalender").status_code == 200
    client.post("/kalender/forny")
    feed = client.get(f"/kalender/{_token('leder')}.ics")
    assert feed.status_code == 200 and Calendar.from_ical(feed.data).walk("VEVENT") == []


def test_admin_has_no_calendar(client, auth):
    """Is the calendar page forbidden (403) to an administrator, who has no caseload?"""
    make_user(Role.ADMIN, username="admin")
    auth.login("admin")
    assert client.get("/kalender").status_code == 403
    assert client.post("/kalender/forny").status_code == 403
    assert _token("admin") is None


def test_anonymous_settings_page_goes_to_login(client):
    """Does an anonymous visit to /kalender go to the log-in page, and can an anonymous POST not renew?"""
    response = client.get("/kalender")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.post("/kalender/forny").status_code == 302


def test_deactivated_users_feed_is_gone(client):
    """Does the feed of a deactivated account answer 404?"""
    mette = make_user(username="mette")
    token = services.issue_token(mette)
    mette.is_active_account = False
    db.session.commit()
    assert client.get(f"/kalender/{token}.ics").status_code == 404


def test_feed_polls_are_logged_once_a_day_per_citizen(app, client):
    """Do repeated feed fetches on one day log each citizen once, not once per poll?"""
    me = make_user(username="poller")
    placement = make_placement(make_citizen(me))
    make_scheduled_visit(placement, local_today() + timedelta(days=3))
    token = services.issue_token(me)
    for _ in range(3):
        assert client.get(f"/kalender/{token}.ics").status_code == 200
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.purpose == "calendar")).all()
    assert [e.citizen_id for e in events] == [placement.citizen_id]
