"""Rate limits per client address on log-in, signing links and /verify (switched off in other tests)."""

import pytest

from tests.factories import make_user


@pytest.fixture
def config_overrides():
    return {
        "RATELIMIT_ENABLED": True,
        "LOGIN_RATE_LIMIT": "3 per minute",
        "VERIFY_RATE_LIMIT": "2 per minute",
        "SIGNING_RATE_LIMIT": "2 per minute",
    }


def test_log_in_attempts_from_one_address_are_limited(client):
    """Attempts beyond the limit get 429 and a Danish page that says to wait, even with the right
    password; showing the form does not count."""
    make_user(username="mette")
    for _ in range(5):
        assert client.get("/login").status_code == 200
    for _ in range(2):
        assert client.post("/login", data={"username": "mette", "password": "forkert"}).status_code == 422
    assert client.post("/login", data={"username": "nogen", "password": "forkert"}).status_code == 422
    refused = client.post("/login", data={"username": "mette", "password": "correct horse"})
    assert refused.status_code == 429
    assert "For mange forsøg" in refused.text and "Vent et minut" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # Another address is not held back by this one's attempts.
    other = client.post(
        "/login",
        data={"username": "mette", "password": "correct horse"},
        environ_base={"REMOTE_ADDR": "10.0.0.7"},
    )
    assert other.status_code == 303


def test_verify_uploads_are_limited(client):
    assert client.get("/verify").status_code == 200
    for _ in range(2):
        assert client.post("/verify", data={}).status_code == 422  # no file chosen: still an attempt
    assert client.post("/verify", data={}).status_code == 429
    assert client.get("/verify").status_code == 200


def test_guessing_signing_links_is_limited(client):
    assert [client.get(f"/s/gaet-{n}").status_code for n in range(3)] == [404, 404, 429]


def test_the_api_answers_429_as_json(client):
    """An over-limit JSON caller (the signing page's PUT) gets JSON, not a page."""
    for n in range(2):
        client.put(f"/s/gaet-{n}", json={})
    response = client.put("/s/gaet-9", json={})
    assert response.status_code == 429
    assert response.json["error"] == "too_many_requests"
    assert response.json["message"].startswith("Der har været for mange forsøg fra dette netværk")
