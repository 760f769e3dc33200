from tests.factories import make_citizen, make_user


def test_login_page_answers_in_danish(client):
    """Does the log-in page answer, in Danish by default?"""
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log ind" in response.text


def test_jobformidler_home_lists_own_caseload(client, auth):
    """Does the home page list the logged-in jobformidler's citizens?"""
    me = make_user(username="mette")
    make_citizen(me, first_name="Ali", last_name="Khan")
    auth.login("mette")
    response = client.get("/")
    assert response.status_code == 200
    assert "Ali Khan" in response.text
