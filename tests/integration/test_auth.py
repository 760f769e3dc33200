"""Log-in, lock-out, idle sessions and log-out."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LoginAttempt, Role, User
from app.models.base import utcnow
from tests.factories import PASSWORD, make_user


def test_login_with_right_password_reaches_home(client, auth):
    """Does a correct log-in redirect (303) to the home page?"""
    make_user(username="mette")
    response = auth.login("mette")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_username_is_case_insensitive(client, auth):
    """Can a user log in with their username in capitals (phones capitalise the first letter)?"""
    make_user(username="mette")
    assert auth.login("Mette").status_code == 303


def test_wrong_password_keeps_username_and_explains_in_danish(client, auth):
    """Does a wrong password give a Danish error, keep the username, and store a failed attempt?"""
    make_user(username="mette")
    response = auth.login("mette", "wrong")
    assert response.status_code == 422
    assert "Forkert brugernavn eller adgangskode." in response.text
    assert 'value="mette"' in response.text
    attempt = db.session.scalar(sa.select(LoginAttempt))
    assert attempt.username == "mette" and attempt.succeeded is False


def test_unknown_user_gets_the_same_message(client, auth):
    """Is an unknown username answered like a wrong password (no user enumeration)?"""
    response = auth.login("nobody", "whatever")
    assert response.status_code == 422
    assert "Forkert brugernavn eller adgangskode." in response.text


def test_empty_form_shows_field_errors(client):
    """Does an empty form name both missing fields in Danish?"""
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 422
    assert "Skriv dit brugernavn." in response.text
    assert "Skriv din adgangskode." in response.text


def test_sixth_attempt_after_five_failures_is_refused_even_when_correct(client, auth):
    """After five wrong passwords within 24 hours, is the right password refused with a Danish message?"""
    make_user(username="mette")
    for _ in range(4):
        assert "Forkert brugernavn" in auth.login("mette", "wrong").text
    fifth = auth.login("mette", "wrong")
    assert "Kontoen er låst" in fifth.text
    sixth = auth.login("mette", PASSWORD)
    assert sixth.status_code == 422
    assert "Kontoen er låst efter for mange mislykkede forsøg" in sixth.text
    assert client.get("/").status_code == 302  # still not logged in


def test_failures_older_than_the_window_do_not_count(client, auth, app):
    """Do failures from more than 24 hours ago leave the account open?"""
    user = make_user(username="mette")
    old = utcnow() - timedelta(hours=25)
    db.session.add_all(
        LoginAttempt(username="mette", user_id=user.id, succeeded=False, at=old) for _ in range(5)
    )
    db.session.commit()
    assert auth.login("mette").status_code == 303


def test_a_success_resets_the_count(client, auth):
    """Do four failures, a success and four more failures leave the account open?"""
    make_user(username="mette")
    for _ in range(4):
        auth.login("mette", "wrong")
    assert auth.login("mette").status_code == 303
    auth.logout()
    for _ in range(4):
        auth.login("mette", "wrong")
    assert auth.login("mette").status_code == 303


def test_lock_expires(client, auth, app):
    """Can the user log in again once the lock period is over?"""
    user = make_user(username="mette")
    for _ in range(5):
        auth.login("mette", "wrong")
    user = db.session.get(User, user.id)
    assert user.locked_until is not None
    user.locked_until = utcnow() - timedelta(seconds=1)
    user.failures_reset_at = utcnow()
    db.session.commit()
    assert auth.login("mette").status_code == 303


def test_admin_unlocks_an_account(client, auth):
    """Can an administrator unlock a locked account from the users page?"""
    make_user(Role.ADMIN, username="admin")
    locked = make_user(username="mette")
    for _ in range(5):
        auth.login("mette", "wrong")
    auth.login("admin")
    page = client.get("/admin/brugere")
    assert "Låst til" in page.text
    response = client.post(f"/admin/brugere/{locked.id}/laas-op")
    assert response.status_code == 303
    auth.logout()
    assert auth.login("mette").status_code == 303


def test_logout_ends_the_session(client, auth):
    """After log-out, does the home page send the user to the log-in page?"""
    make_user(username="mette")
    auth.login("mette")
    response = auth.logout()
    assert response.status_code == 303
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_page_after_log_out_wipes_the_device_but_after_idling_only_its_page_copies(client, auth, app):
    """Does the user's own log-out wipe everything, while a session that ended by itself keeps the
    visits not yet sent (only the page copies go)?"""
    make_user(username="mette")
    auth.login("mette")
    auth.logout()
    assert 'data-wipe-device="all"' in client.get("/login").text
    assert "data-wipe-device" not in client.get("/login").text  # once only

    auth.login("mette")
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    page = client.get("/", follow_redirects=True).text
    assert 'data-wipe-device="pages"' in page and "data-logged-in" not in page


def test_logout_needs_post(client, auth):
    """Is a GET to /logout refused, so a link or image cannot log a user out?"""
    make_user(username="mette")
    auth.login("mette")
    assert client.get("/logout").status_code == 405


def test_idle_session_is_ended_on_the_server(client, auth, app):
    """Does a session idle for longer than SESSION_IDLE_MINUTES end, with a Danish message?"""
    make_user(username="mette")
    auth.login("mette")
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    response = client.get("/", follow_redirects=True)
    assert "Du er blevet logget ud, fordi du har været inaktiv." in response.text
    assert client.get("/").status_code == 302


def test_active_session_survives(client, auth, app):
    """Does a session used within the idle time stay logged in?"""
    make_user(username="mette")
    auth.login("mette")
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 - 60
    assert client.get("/").status_code == 200


def test_htmx_request_without_session_gets_401_and_redirect_header(client):
    """Does an htmx request without a session answer 401 with HX-Redirect, not a log-in page body?"""
    response = client.get("/borgere", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"])
def test_next_parameter_cannot_leave_the_site(client, target):
    """Is an outside `next` after log-in ignored?"""
    make_user(username="mette")
    response = client.post(f"/login?next={target}", data={"username": "mette", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_passwords_are_stored_as_argon2_hashes(app):
    """Is the password stored as an Argon2id hash, never in clear?"""
    user = make_user(username="mette")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
