"""Sessions kept on the server: log-out, a new password and the administrator end them; the user sees
their devices and ends one; the id changes at log-in; and the same holds with the sessions in Redis."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.auth.services import set_password
from app.extensions import db
from app.models import AuditEvent, Role, UserSession
from tests.factories import PASSWORD, make_user
from tests.servers import redis_url  # noqa: F401  (a fixture)

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 "
    "Mobile Safari/537.36"
)
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Gecko/20100101 Firefox/133.0"


def _login(client, username: str, user_agent: str = PHONE):
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD}, headers={"User-Agent": user_agent}
    )
    assert response.status_code == 303
    return response


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _opens_citizens(client) -> bool:
    return client.get("/borgere").status_code == 200


def test_a_cookie_copied_before_log_out_opens_nothing_after(app, client):
    """Does a copy of the session cookie taken before log-out stop opening /borgere after it?"""
    make_user(username="mette")
    _login(client, "mette")
    copied = _with_cookie(app, _cookie(client))
    assert _opens_citizens(copied)
    client.post("/logout")
    assert copied.get("/borgere").status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(UserSession).where(UserSession.user_id.is_not(None))
        )
        == 0
    )


def test_the_session_id_changes_at_log_in(app, client):
    """Is the id a browser had before log-in (the log-in page's session) worth nothing after it?"""
    make_user(username="mette")
    client.get("/login")
    before = _cookie(client)
    _login(client, "mette")
    assert _cookie(client) != before
    assert not _opens_citizens(_with_cookie(app, before))
    assert _opens_citizens(client)


def test_the_cookie_holds_only_an_id(app, client):
    """Is the session's data kept on the server, the cookie only a random id?"""
    make_user(username="mette")
    _login(client, "mette")
    value = _cookie(client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", value)
    assert "." not in value  # not a signed cookie with the data in it


def test_an_administrators_new_password_ends_every_session_of_the_user(app, client):
    """Does a session issued before an administrator set a new password stop working?"""
    mette = make_user(username="mette")
    admin = make_user(Role.ADMIN, username="admin")
    _login(client, "mette")
    set_password(mette, "EnHeltNyKode2026", by=admin)
    assert client.get("/borgere").status_code == 302


def test_the_users_own_new_password_ends_their_other_sessions_only(app, client):
    """When the user changes their password, does the phone stay logged in and the laptop not?"""
    make_user(username="mette")
    laptop = app.test_client()
    _login(laptop, "mette", LAPTOP)
    _login(client, "mette")
    response = client.post(
        "/konto/adgangskode",
        data={"current": PASSWORD, "password": "EnHeltNyKode2026", "confirm": "EnHeltNyKode2026"},
    )
    assert response.status_code == 303
    assert _opens_citizens(client)
    assert not _opens_citizens(laptop)


def test_the_administrator_logs_a_user_out_on_all_devices(app, client):
    """Does "Log ud på alle enheder" on the user's admin page end all of the user's sessions, logged?"""
    mette = make_user(username="mette")
    make_user(Role.ADMIN, username="admin")
    phone, laptop = app.test_client(), app.test_client()
    _login(phone, "mette")
    _login(laptop, "mette", LAPTOP)
    _login(client, "admin")
    page = client.get(f"/admin/brugere/{mette.id}").text
    assert "Log ud på alle enheder" in page and "2 aktive sessioner" in page
    response = client.post(f"/admin/brugere/{mette.id}/log-ud", follow_redirects=True)
    assert "blev logget ud på 2 enheder" in response.text
    assert not _opens_citizens(phone) and not _opens_citizens(laptop)
    assert client.get("/admin/brugere").status_code == 200  # the administrator's own session stays
    assert db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.object_id == mette.id)
    )


def test_only_an_administrator_ends_someone_elses_sessions(app, client):
    """Is the all-devices log-out refused to anyone but an administrator?"""
    mette = make_user(username="mette")
    make_user(Role.SUPERVISOR, username="leder")
    phone = app.test_client()
    _login(phone, "mette")
    _login(client, "leder")
    assert client.post(f"/admin/brugere/{mette.id}/log-ud").status_code == 403
    assert _opens_citizens(phone)


def test_my_devices_lists_the_sessions_and_ends_one(app, client):
    """Does "Mine enheder" show each device with its last use, and end the one chosen, not this one?"""
    make_user(username="mette")
    laptop = app.test_client()
    _login(laptop, "mette", LAPTOP)
    _login(client, "mette")
    page = client.get("/konto/enheder").text
    assert "Chrome · Android" in page and "Firefox · Windows" in page
    assert "Denne enhed" in page and "Senest brugt" in page
    ids = re.findall(r"/konto/enheder/([0-9a-f]+)/log-ud", page)
    assert len(ids) == 1  # the present device is ended by logging out, not here
    response = client.post(f"/konto/enheder/{ids[0]}/log-ud", follow_redirects=True)
    assert "Enheden blev logget ud." in response.text
    assert not _opens_citizens(laptop) and _opens_citizens(client)
    assert "Firefox · Windows" not in client.get("/konto/enheder").text


def test_my_devices_cannot_end_another_users_session(app, client):
    """Can a user end only their own sessions (another user's id answers 404)?"""
    make_user(username="mette")
    make_user(username="jonas")
    jonas = app.test_client()
    _login(jonas, "jonas", LAPTOP)
    key = db.session.scalar(sa.select(UserSession.key).where(UserSession.user_id.is_not(None)))
    _login(client, "mette")
    assert client.post(f"/konto/enheder/{key[:16]}/log-ud").status_code == 404
    assert _opens_citizens(jonas)


def test_an_ended_sessions_device_is_told_to_wipe_itself(app, client):
    """When an ended session's device next reaches the server, is it told so: the API with a 401
    "session_ended", the page with data-wipe-device="ended" (its unsent visits are kept)?"""
    mette = make_user(username="mette")
    admin = make_user(Role.ADMIN, username="admin")
    _login(client, "mette")
    set_password(mette, "EnHeltNyKode2026", by=admin)
    answer = client.get("/api/v1/csrf-token")
    assert answer.status_code == 401 and answer.json["error"] == "session_ended"
    assert client.get("/api/v1/csrf-token").json["error"] == "session_ended"  # until someone logs in
    page = client.get("/login").text
    assert 'data-wipe-device="ended"' in page
    client.post("/login", data={"username": "mette", "password": "EnHeltNyKode2026"})
    assert client.get("/api/v1/csrf-token").status_code == 200


def test_expired_sessions_are_purged(app, client):
    """Does the retention job delete sessions and tombstones past their time?"""
    from datetime import timedelta

    from app.auth import sessions
    from app.models.base import utcnow

    make_user(username="mette")
    _login(client, "mette")
    assert sessions.store().purge(utcnow()) == 0
    assert sessions.store().purge(utcnow() + app.permanent_session_lifetime + timedelta(days=2)) == 1


class TestInRedis:
    """The same rules with the sessions in a real Redis (SESSION_REDIS_URL), as in production."""

    @pytest.fixture
    def config_overrides(self, redis_url):  # noqa: F811
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        return {"SESSION_REDIS_URL": redis_url}

    def test_the_sessions_are_in_redis_not_in_the_database(self, app, client, redis_url):  # noqa: F811
        """With SESSION_REDIS_URL set, is a session stored in Redis and not in the database?"""
        import redis

        make_user(username="mette")
        _login(client, "mette")
        assert _opens_citizens(client)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0
        assert redis.Redis.from_url(redis_url).keys("eftervaern:session:*")

    def test_log_out_password_and_all_devices_end_sessions(self, app, client):
        """In Redis too: do log-out, a new password and "all devices" end sessions, and is the list right?"""
        mette = make_user(username="mette")
        admin_user = make_user(Role.ADMIN, username="admin")
        _login(client, "mette")
        copied = _with_cookie(app, _cookie(client))
        client.post("/logout")
        assert not _opens_citizens(copied)

        phone, laptop = app.test_client(), app.test_client()
        _login(phone, "mette")
        _login(laptop, "mette", LAPTOP)
        assert "Firefox · Windows" in phone.get("/konto/enheder").text
        set_password(mette, "EnHeltNyKode2026", by=admin_user)
        assert not _opens_citizens(phone) and not _opens_citizens(laptop)
        assert phone.get("/api/v1/csrf-token").json["error"] == "session_ended"

        admin = app.test_client()
        _login(admin, "admin")
        phone.post("/login", data={"username": "mette", "password": "EnHeltNyKode2026"})
        assert _opens_citizens(phone)
        assert admin.post(f"/admin/brugere/{mette.id}/log-ud").status_code == 303
        assert not _opens_citizens(phone)

    def test_a_late_save_does_not_bring_an_ended_session_back(self, app, client):
        """In Redis too: does a request under way when the session ends leave it ended?"""
        from app.auth import sessions

        mette = make_user(username="mette")
        _login(client, "mette")
        stored = sessions.store().of_user(mette.id)[0]
        sessions.end_sessions_of(mette.id, "admin")
        sessions.store().save(stored)
        assert not _opens_citizens(client)

    def test_a_late_save_does_not_bring_a_logged_out_session_back(self, app, client):
        """In Redis too: does a request under way at the log-out leave the session gone?"""
        _a_late_save_after_the_log_out_leaves_it_gone(app, client)


def _a_late_save_after_the_log_out_leaves_it_gone(app, client) -> None:
    from flask import request

    from app.auth import sessions

    mette = make_user(username="mette")
    _login(client, "mette")
    cookie = _cookie(client)
    interface = app.session_interface
    with app.test_request_context("/borgere", headers={"Cookie": f"session={cookie}"}):
        late = interface.open_session(app, request)  # a prefetch, loaded before the log-out
        assert late.get("_user_id") == str(mette.id)
        client.post("/logout")
        late["_flashes"] = []  # it changed the session (a page that took the flashed messages)
        response = app.response_class()
        interface.save_session(app, late, response)
        assert "session=" not in response.headers.get("Set-Cookie", "")  # the old id is not sent again
    assert sessions.store().of_user(mette.id) == []
    assert not _opens_citizens(_with_cookie(app, cookie))


def test_a_late_save_does_not_bring_a_logged_out_session_back(app, client):
    """A prefetch that loaded the session before the log-out and saves it after: does it stay gone
    (the row is not made again), so that the old cookie opens nothing?"""
    _a_late_save_after_the_log_out_leaves_it_gone(app, client)


def test_a_request_sent_before_the_log_in_and_answered_after_it_sets_no_cookie(app, client):
    """A service worker's precache sent with the id from before the log-in, answered after it: is it
    answered without a cookie (one would replace the new session's in the browser), and does the new
    session go on working?"""
    make_user(username="mette")
    client.get("/login")
    before = _cookie(client)
    _login(client, "mette")
    assert _cookie(client) != before
    late = _with_cookie(app, before)
    response = late.get("/offline")
    assert response.status_code == 200
    assert "session=" not in response.headers.get("Set-Cookie", "")
    assert not _opens_citizens(late)
    assert _opens_citizens(client)


def test_a_request_under_way_when_the_session_ends_does_not_bring_it_back(app, client):
    """If a request that loaded the session before it was ended saves it afterwards, does it stay ended?"""
    from app.auth import sessions

    mette = make_user(username="mette")
    _login(client, "mette")
    stored = sessions.store().of_user(mette.id)[0]
    sessions.end_sessions_of(mette.id, "admin")
    sessions.store().save(stored)  # the late request writes back what it loaded
    assert not _opens_citizens(client)


def test_flask_retention_purges_sessions(app):
    """Does the daily `flask retention` also delete expired sessions and old tombstones?"""
    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0 and "expired sessions" in result.output
