"""The session's user kept in Redis (app.auth.user_cache): used only under the stamp that holds now, so
that a deactivation, a new role or a new team takes effect at the user's next request, as when the row
was read every time; and no secret goes into the copy."""

from __future__ import annotations

import uuid

import pytest
import redis as redis_lib
import sqlalchemy as sa
from flask import current_app

from app.admin.services import update_user
from app.auth import user_cache
from app.extensions import db
from app.models import Role, User, Visit
from tests.factories import PASSWORD, make_team, make_user
from tests.servers import redis_url  # noqa: F401  (a fixture)
from tests.visit_helpers import course, payload


@pytest.fixture
def config_overrides(redis_url):  # noqa: F811
    redis_lib.Redis.from_url(redis_url).flushdb()
    return {"SESSION_REDIS_URL": redis_url}


@pytest.fixture
def redis(redis_url):  # noqa: F811
    return redis_lib.Redis.from_url(redis_url, decode_responses=True)


def _login(client, username: str) -> None:
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 303


def _statements_reading_users(app, action) -> int:
    """How many statements `action` sends that read the users table."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM users" in statement:
            seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", note)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", note)
    return len(seen)


def _change(user_id: int, **values) -> None:
    """A change committed in a request of its own (another process, as far as the cache can tell)."""
    with current_app.app_context():
        user = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


def test_a_kept_user_is_used_without_reading_the_row(app, client):
    """Once the user has made a request, do the next ones use the kept copy instead of the users table?"""
    make_user(username="mette")
    _login(client, "mette")
    assert client.get("/borgere").status_code == 200
    assert _statements_reading_users(app, lambda: client.get("/api/v1/csrf-token")) == 0
    assert client.get("/api/v1/csrf-token").status_code == 200


def _logged_in_jobformidler(client):
    """A team, its administrator and Mette of the team, logged in on `client`."""
    team = make_team(name="Team Nord")
    admin = make_user(Role.ADMIN, username="admin")
    mette = make_user(username="mette", team=team)
    _login(client, "mette")
    return team, admin, mette


def test_deactivation_logs_out_at_the_next_request_with_the_copy_kept(app, client):
    """Is a deactivated account refused at its next request, though its row was kept a moment before?"""
    team, admin, mette = _logged_in_jobformidler(client)
    assert client.get("/borgere").status_code == 200  # the copy is kept
    fields = {"username": "mette", "full_name": mette.full_name, "role": Role.JOBFORMIDLER, "team": team}
    update_user(mette, by=admin, active=False, **fields)
    assert client.get("/borgere").status_code == 302
    assert client.get("/api/v1/csrf-token").status_code == 401


def test_a_new_role_takes_effect_at_the_next_request(app, client):
    """Does a jobformidler made a supervisor (the administrator's form) see the supervisor's pages at once?"""
    team, admin_user, mette = _logged_in_jobformidler(client)
    assert client.get("/leder").status_code == 403
    admin = type(client)(app, app.response_class, use_cookies=True)
    _login(admin, "admin")
    response = admin.post(
        f"/admin/brugere/{mette.id}",
        data={
            "username": "mette",
            "full_name": mette.full_name,
            "role": "supervisor",
            "team": str(team.id),
            "active": "y",
        },
    )
    assert response.status_code == 303, response.text
    assert db.session.get(User, mette.id).role == Role.SUPERVISOR
    assert client.get("/leder").status_code == 200
    assert admin_user.id  # the administrator stays who they were


def test_a_change_committed_while_the_row_is_read_is_not_hidden(app, client, redis):
    """The race the stamp is for: the row is read, then a change is committed (and its stamp replaced)
    before the copy is kept. Is the copy, made of the old row, never used?"""
    mette = make_user(username="mette")
    _login(client, "mette")
    redis.delete(f"eftervaern:user-row:{mette.id}")  # no copy: the next request reads the row
    changed = []

    def change_after_the_read(user, context):
        if not changed and user.id == mette.id:
            changed.append(True)
            # Another process commits a deactivation right after this request read the active row.
            with current_app.app_context():
                db.session.execute(sa.update(User).where(User.id == mette.id).values(is_active_account=False))
                db.session.commit()
                user_cache.cache().changed({mette.id})

    sa.event.listen(User, "load", change_after_the_read)
    try:
        first = client.get("/borgere")
        assert first.status_code == 200, (first.location, changed)  # read while still active
    finally:
        sa.event.remove(User, "load", change_after_the_read)
    assert changed
    assert client.get("/borgere").status_code == 302  # the copy of the active row is not used


def test_a_change_by_any_path_replaces_the_stamp(app, client, redis):
    """A change made outside the administrator's form (here the user's own language, committed by the
    ORM anywhere): is the kept copy dropped and the new value used?"""
    mette = make_user(username="mette")
    _login(client, "mette")
    client.get("/borgere")
    assert redis.get(f"eftervaern:user-row:{mette.id}")
    _change(mette.id, full_name="Mette Nyt-Navn")
    assert redis.get(f"eftervaern:user-row:{mette.id}") is None
    assert "Mette Nyt-Navn" in client.get("/borgere").text


def test_a_team_change_moves_what_a_supervisor_sees(app, client):
    """A supervisor moved to another team: does their next request use the new team?"""
    north, south = make_team(name="Nord"), make_team(name="Syd")
    boss = make_user(Role.SUPERVISOR, username="boss", team=north)
    make_user(username="nina", full_name="Nina Nordmand", team=north)
    make_user(username="sune", full_name="Sune Sydmand", team=south)
    _login(client, "boss")
    page = client.get("/leder").text
    assert "Nina Nordmand" in page and "Sune Sydmand" not in page
    _change(boss.id, team_id=south.id)
    page = client.get("/leder").text
    assert "Sune Sydmand" in page and "Nina Nordmand" not in page


def test_no_secret_is_kept_in_redis(app, client, redis):
    """Are the password hash, the calendar token and the IdP's subject kept out of the copy, and still
    read from the database where they are used?"""
    mette = make_user(username="mette", calendar_token="kalender-hemmelighed", sso_subject="idp-subject-1")
    _login(client, "mette")
    client.get("/borgere")
    kept = redis.get(f"eftervaern:user-row:{mette.id}")
    assert kept and '"username": "mette"' in kept
    for secret in (mette.password_hash, "kalender-hemmelighed", "idp-subject-1", "password_hash"):
        assert secret not in kept
    # The password page checks the old password against the database's hash.
    page = client.get("/konto/adgangskode")
    assert page.status_code == 200


def test_an_unreadable_copy_is_read_again(app, client, redis):
    """A copy that is not the app's JSON (another version, a hand edit): read again, no error."""
    mette = make_user(username="mette")
    _login(client, "mette")
    client.get("/borgere")
    stamp = redis.get(f"eftervaern:user-stamp:{mette.id}") or "-"
    for junk in ("not json", f'{{"stamp": "{stamp}"}}', f'{{"stamp": "{stamp}", "row": {{"id": "x"}}}}'):
        redis.set(f"eftervaern:user-row:{mette.id}", junk)
        assert client.get("/borgere").status_code == 200


def test_a_visit_saved_by_a_kept_user_is_theirs(app, client):
    """The kept user is assigned to what it makes (the visit's performer): is the visit theirs, and no
    second user row made?"""
    me, placement = course()
    _login(client, "mette")
    client.get("/borgere")  # the copy is kept
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 200
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == key))
    assert visit.performed_by_id == me.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users


def test_a_page_from_a_kept_copy_reads_no_user_row_and_links_the_right_account_page(app, client):
    """Every page's header asks whether the account has a password (SSO-only accounts have none). From a
    kept copy, which holds no hash: is the answer right for both kinds of account, with no read of the row?"""
    from app.models.user import NO_PASSWORD

    make_user(username="mette")
    make_user(username="nanna", password_hash=NO_PASSWORD, sso_subject="idp-nanna")
    _login(client, "mette")
    client.get("/borgere")
    pages = []
    assert _statements_reading_users(app, lambda: pages.append(client.get("/").text)) == 0
    assert "/konto/adgangskode" in pages[0]

    # An SSO-only account cannot log in with a password: its session is made as a log-in would make it.
    sso = type(client)(app, app.response_class, use_cookies=True)
    with sso.session_transaction() as session:
        session["_user_id"] = str(db.session.scalar(sa.select(User.id).where(User.username == "nanna")))
        session["_fresh"] = True
    sso.get("/borgere")
    pages.clear()
    assert _statements_reading_users(app, lambda: pages.append(sso.get("/").text)) == 0
    assert "/konto/adgangskode" not in pages[0] and "/konto/kontakt" in pages[0]


def _redis_round_trips(action) -> list[str]:
    """The commands the app sends to Redis while `action` runs: one round trip each."""
    sent: list[str] = []
    original = redis_lib.Redis.execute_command

    def note(self, *args, **options):
        sent.append(str(args[0]))
        return original(self, *args, **options)

    redis_lib.Redis.execute_command = note
    try:
        action()
    finally:
        redis_lib.Redis.execute_command = original
    return sent


def test_a_request_reads_its_session_and_its_kept_user_in_one_round_trip(app, client):
    """With the user's copy kept, is a request's session read with its user in one round trip to Redis,
    and no statement reading the users table?"""
    make_user(username="mette")
    _login(client, "mette")
    assert client.get("/api/v1/csrf-token").status_code == 200  # the copy is kept
    answers = []
    sent = _redis_round_trips(lambda: answers.append(client.get("/api/v1/csrf-token")))
    assert answers[0].status_code == 200
    assert sent == ["EVALSHA"], sent
    assert _statements_reading_users(app, lambda: client.get("/api/v1/csrf-token")) == 0


def test_a_user_read_with_the_session_is_not_used_after_a_change_to_the_user(app, redis):
    """A request read its session with the user's kept row, and then changed the user (and committed):
    is the user loaded afterwards in that request the changed row, not the copy read before?"""
    mette = make_user(username="mette", full_name="Mette Sørensen")
    kept = user_cache.cache()
    name = "eftervaern:session:test"
    redis.hset(name, mapping={"key": '"test"', "user_id": str(mette.id)})
    with app.app_context():
        kept.load(mette.id)  # the copy is kept
        assert kept.session_with_user(name)["user_id"] == str(mette.id)
        row = db.session.get(User, mette.id)
        row.full_name = "Mette Holm"
        db.session.commit()  # replaces the stamp, and drops what was read with the session
    with app.app_context():
        assert kept.load(mette.id).full_name == "Mette Holm"  # kept again
    with app.app_context():
        assert kept.session_with_user(name)["key"] == '"test"'
        db.session.execute(sa.update(User).where(User.id == mette.id).values(full_name="Mette Berg"))
        db.session.commit()  # a change the cache is not told of: the copy read with the session is used
        assert kept.load(mette.id).full_name == "Mette Holm"
    with app.app_context():
        kept.session_with_user(name)
        kept.changed({mette.id})
        assert kept.load(mette.id).full_name == "Mette Berg"


def test_an_anonymous_or_odd_session_reads_no_user(app, redis):
    """A session without a user (or with a user id that is not a number) is read alone."""
    kept = user_cache.cache()
    for user_id in ("null", '"2 or 1"', "-1"):
        name = f"eftervaern:session:odd{user_id}"
        redis.hset(name, mapping={"key": '"odd"', "user_id": user_id})
        with app.app_context():
            from flask import g

            assert kept.session_with_user(name)["user_id"] == user_id
            assert not g.get(user_cache._READ_WITH_SESSION)
