"""Pages as a user sees them: full pages and htmx fragments, language, security headers."""

from app.models import Role
from tests.factories import make_citizen, make_placement, make_user


def test_caseload_full_page_and_fragment(client, auth):
    """Does /borgere give the whole page normally and only the rows to htmx?"""
    mette = make_user(username="mette")
    make_citizen(mette, first_name="Ali", last_name="Khan")
    auth.login("mette")
    full = client.get("/borgere")
    assert "<html" in full.text and "Ali Khan" in full.text
    assert "HX-Request" in full.headers["Vary"]
    fragment = client.get("/borgere", headers={"HX-Request": "true", "HX-Target": "caseload-rows"})
    assert "<html" not in fragment.text
    assert 'id="caseload-rows"' in fragment.text and "Ali Khan" in fragment.text


def test_team_fragment_filters_by_jobformidler(client, auth):
    """Does the team page's htmx fragment show one jobformidler's citizens only?"""
    from tests.factories import make_team

    team = make_team()
    a, b = make_user(team=team), make_user(team=team)
    make_user(Role.SUPERVISOR, username="leder", team=team)
    make_citizen(a, first_name="Ali")
    make_citizen(b, first_name="Bodil")
    auth.login("leder")
    fragment = client.get(
        f"/team?jobformidler={a.id}", headers={"HX-Request": "true", "HX-Target": "caseload-rows"}
    )
    assert "<html" not in fragment.text
    assert "Ali" in fragment.text and "Bodil" not in fragment.text


def test_citizen_page_shows_course_and_agreement(client, auth):
    """Does the citizen page show the course with company, kind and agreed hours in Danish?"""
    mette = make_user(username="mette")
    citizen = make_citizen(mette)
    placement = make_placement(citizen)
    auth.login("mette")
    page = client.get(f"/borgere/{citizen.id}").text
    assert placement.workplace.company.name in page
    assert "Praktik og ordinære timer" in page
    assert "4 ordinære, 11 praktik" in page


def test_english_can_be_chosen(client, auth):
    """Can the user switch the interface to English, and is the choice kept for their account?"""
    make_user(username="mette")
    auth.login("mette")
    assert "Min sagsstamme" in client.get("/").text
    client.post("/sprog", data={"lang": "en"})
    assert "My caseload" in client.get("/").text
    auth.logout()
    auth.login("mette")
    assert "My caseload" in client.get("/").text


def test_dates_are_danish(client, auth):
    """Does the home page show the date the Danish way with the week number?"""
    from app.core.formatting import date_long
    from app.core.timeutil import local_today

    make_user(username="mette")
    auth.login("mette")
    page = client.get("/").text
    today = local_today()
    assert date_long(today) in page
    assert f"uge {today.isocalendar().week}" in page
    assert " d. " in date_long(today)


def test_pages_forbid_inline_script(client):
    """Is a strict Content-Security-Policy sent, and does the page carry no inline script?"""
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_csrf_token_is_in_meta_and_htmx_headers(client):
    """Is the CSRF token in a meta tag and in the body's hx-headers?"""
    text = client.get("/login").text
    assert '<meta name="csrf-token"' in text
    assert 'hx-headers=\'{"X-CSRFToken":' in text


def test_accessibility_statement_is_linked_from_the_footer(client):
    """Is the accessibility statement reachable from the footer without logging in?"""
    assert 'href="/tilgaengelighed"' in client.get("/login").text
    page = client.get("/tilgaengelighed")
    assert page.status_code == 200 and "Tilgængelighedserklæring" in page.text and "WCAG 2.1" in page.text


def test_ping_is_never_cached(client):
    """Does /ping answer 204 with no-store, for the offline code's connectivity check?"""
    response = client.get("/ping")
    assert response.status_code == 204 and response.headers["Cache-Control"] == "no-store"


def test_unknown_page_gives_a_danish_404(client, auth):
    """Does a missing page answer 404 in Danish?"""
    make_user(username="mette")
    auth.login("mette")
    response = client.get("/findes-ikke")
    assert response.status_code == 404 and "Siden blev ikke fundet" in response.text


def test_an_error_page_leaves_the_flashed_message_and_the_wipe_flag_for_the_next_page(client, auth):
    """A stale link's 404 between a save and the next page: does the next page still say what was flashed,
    and still tell the device to wipe what it was told to?"""
    make_user(username="mette")
    auth.login("mette")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Besøget er gemt.")]
        session["wipe_device"] = "pages"
    missing = client.get("/borgere/999999")
    assert missing.status_code == 404
    assert "Besøget er gemt." not in missing.text
    after = client.get("/")
    assert "Besøget er gemt." in after.text and 'data-wipe-device="pages"' in after.text
