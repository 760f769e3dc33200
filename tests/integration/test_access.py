"""Who sees which citizens: a jobformidler their own caseload, a supervisor their team."""

import pytest

from app.models import Role
from tests.factories import make_citizen, make_placement, make_team, make_user


@pytest.fixture
def org(app):
    team = make_team(name="Virksomhedsteamet")
    other_team = make_team(name="Ungeteamet")
    mette = make_user(username="mette", team=team)
    jonas = make_user(username="jonas", team=team)
    outsider = make_user(username="outsider", team=other_team)
    return {
        "mette": mette,
        "jonas": jonas,
        "leder": make_user(Role.SUPERVISOR, username="leder", team=team),
        "admin": make_user(Role.ADMIN, username="admin"),
        "mettes": make_citizen(mette, first_name="Ali", last_name="Khan"),
        "jonas_citizen": make_citizen(jonas, first_name="Birgitte", last_name="Holm"),
        "outsiders": make_citizen(outsider, first_name="Carl", last_name="Dahl"),
    }


def test_jobformidler_sees_own_citizen(client, auth, org):
    """Can a jobformidler open their own citizen's page?"""
    make_placement(org["mettes"])
    auth.login("mette")
    response = client.get(f"/borgere/{org['mettes'].id}")
    assert response.status_code == 200
    assert "Ali Khan" in response.text


def test_jobformidler_gets_404_for_a_colleagues_citizen(client, auth, org):
    """Does another jobformidler's citizen answer 404 with none of the citizen's data?"""
    auth.login("mette")
    response = client.get(f"/borgere/{org['jonas_citizen'].id}")
    assert response.status_code == 404
    assert "Birgitte" not in response.text
    assert org["jonas_citizen"].case_ref not in response.text


def test_caseload_lists_only_own_citizens(client, auth, org):
    """Does the jobformidler's home list their citizens and nobody else's?"""
    auth.login("mette")
    page = client.get("/").text
    assert "Ali Khan" in page
    assert "Birgitte Holm" not in page and "Carl Dahl" not in page


def test_search_cannot_reach_other_caseloads(client, auth, org):
    """Does a search for a colleague's citizen find nothing?"""
    auth.login("mette")
    response = client.get("/borgere?q=Birgitte", headers={"HX-Request": "true", "HX-Target": "caseload-rows"})
    assert "citizen-card" not in response.text and "Holm" not in response.text
    assert "0 borgere" in response.text and "Ingen borgere matcher" in response.text


def test_supervisor_sees_the_team_but_not_other_teams(client, auth, org):
    """Does a supervisor see every citizen of their team, and no other team's citizen?"""
    auth.login("leder")
    page = client.get("/team").text
    assert "Ali Khan" in page and "Birgitte Holm" in page
    assert "Carl Dahl" not in page
    assert client.get(f"/borgere/{org['jonas_citizen'].id}").status_code == 200
    assert client.get(f"/borgere/{org['outsiders'].id}").status_code == 404


def test_supervisor_home_is_the_dashboard(client, auth, org):
    """Does the supervisor land on the team's dashboard, which opens?"""
    auth.login("leder")
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/leder"
    assert client.get("/leder").status_code == 200


@pytest.mark.parametrize("url", ["/team", "/admin/brugere"])
def test_jobformidler_cannot_open_supervisor_or_admin_pages(client, auth, org, url):
    """Are the team and admin pages forbidden (403) to a jobformidler?"""
    auth.login("mette")
    assert client.get(url).status_code == 403


def test_admin_sees_no_citizen_data(client, auth, org):
    """Does an administrator, who manages the system, get no citizen pages?"""
    auth.login("admin")
    assert client.get(f"/borgere/{org['mettes'].id}").status_code == 404
    assert client.get("/borgere").status_code == 403


@pytest.mark.parametrize("url", ["/", "/borgere", "/team", "/admin/brugere", "/borgere/1"])
def test_every_page_needs_a_login(client, org, url):
    """Does every page send an anonymous visitor to the log-in page?"""
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_team_page_warns_above_the_caseload_cap(client, auth, org, app):
    """Is a jobformidler above the cap marked on the team page?"""
    app.config["CASELOAD_CAP"] = 1
    make_citizen(org["mette"])
    auth.login("leder")
    page = client.get("/team").text
    assert "2 / 1" in page and "over loftet" in page
