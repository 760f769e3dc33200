"""The sync API's CSRF token endpoint, with CSRF protection switched on as in production."""

import re
import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from tests.factories import PASSWORD
from tests.visit_helpers import course, payload


@pytest.fixture
def config_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _log_in(client) -> None:
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post("/login", data={"username": "mette", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


def _put(client, placement, token):
    return client.put(
        f"/api/v1/visits/{uuid.uuid4()}", json=payload(placement), headers={"X-CSRFToken": token}
    )


def test_a_token_from_before_a_new_log_in_is_refused_and_a_fresh_one_works(client, app):
    """What the service worker relies on: after logging in again, the token queued with a visit is
    refused, and the one from /api/v1/csrf-token is accepted."""
    _me, placement = course()
    assert client.get("/api/v1/csrf-token").status_code == 401  # logged out: JSON 401, no token
    _log_in(client)
    first = client.get("/api/v1/csrf-token")
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    old = first.json["csrf_token"]
    assert _put(client, placement, old).status_code == 201

    client.post("/logout", data={"csrf_token": old})
    _log_in(client)
    assert _put(client, placement, old).status_code == 400  # the session changed: the old token is stale
    fresh = client.get("/api/v1/csrf-token").json["csrf_token"]
    assert fresh != old
    assert _put(client, placement, fresh).status_code == 201
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/visits/{uuid}",
        "/api/v1/visits/{uuid}/signatures/citizen",
        "/api/v1/visits/{uuid}/consents/citizen",
    ],
)
def test_a_write_without_a_session_answers_401_json_before_the_csrf_check(client, path):
    """A device whose session is gone (cookie cleared, new secret) sends a stale token: is it told to
    log in again (401 JSON with a Danish message) rather than "bad request" (the CSRF check's 400)?"""
    _me, placement = course()
    response = client.put(
        path.format(uuid=uuid.uuid4()), json=payload(placement), headers={"X-CSRFToken": "stale-token"}
    )
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    assert response.json["message"] == "Din session er udløbet. Log ind igen."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_a_stale_token_with_a_session_answers_400_json(client):
    """Logged in, but with a token of another session: a JSON 400 the device sets aside, not an HTML page."""
    _me, placement = course()
    _log_in(client)
    response = _put(client, placement, "not-the-sessions-token")
    assert response.status_code == 400 and response.is_json
    assert response.json["error"] == "csrf"
    assert response.json["message"].startswith("Anmodningens sikkerhedsnøgle er forældet.")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_an_idle_session_and_a_new_secret_answer_401_json(client, app):
    """An idle session: is a write told to log in again? A new SECRET_KEY: is only the token stale?"""
    _me, placement = course()
    _log_in(client)
    token = client.get("/api/v1/csrf-token").json["csrf_token"]
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["SESSION_IDLE_MINUTES"] * 60 + 5
    response = _put(client, placement, token)
    assert response.status_code == 401 and response.json["error"] == "unauthorized"

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0

    # Sessions live on the server (app/auth/sessions.py): a new SECRET_KEY does not end them, it only
    # makes the old CSRF token stale (400 csrf); the device asks for the present one and sends.
    _log_in(client)
    token = client.get("/api/v1/csrf-token").json["csrf_token"]
    app.secret_key = "another-secret-after-a-redeploy"
    response = _put(client, placement, token)
    assert response.status_code == 400 and response.json["error"] == "csrf"
    fresh = client.get("/api/v1/csrf-token").json["csrf_token"]
    assert _put(client, placement, fresh).status_code == 201
