"""User and team administration, and moving citizens between jobformidlere: the rules without HTTP."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.admin import services
from app.auth import load_user
from app.auth.services import PasswordRejected, authenticate, password_problem, set_password
from app.extensions import db
from app.models import AuditAction, AuditEvent, CitizenStatus, Role, User
from app.models.base import utcnow
from tests.factories import make_citizen, make_team, make_user

GOOD = "lang-og-sikker-7"


@pytest.fixture
def admin(app):
    return make_user(Role.ADMIN, username="admin", full_name="Ada Admin")


@pytest.mark.parametrize(
    ("password", "username", "problem"),
    [
        ("kort", None, "Brug mindst 10 tegn."),
        ("mette.k-2026!", "mette.k", "Adgangskoden må ikke indeholde brugernavnet."),
        ("aaaaaaaaaaaa", None, "Brug flere forskellige tegn."),
        ("ababababab12", None, None),
        (GOOD, "mette", None),
    ],
)
def test_password_problems(app, password, username, problem):
    """Is a new password refused for length, for holding the username, or for too few characters?"""
    assert password_problem(password, username) == problem


def test_a_new_user_can_log_in_with_a_lowercase_username(app):
    """Is the username stored in lower case, and does the first password work?"""
    team = make_team(name="Team Vest")
    user = services.create_user(
        username=" Mette.K ", full_name="Mette Kristensen ", role=Role.JOBFORMIDLER, password=GOOD, team=team
    )
    assert (user.username, user.full_name, user.team, user.is_active_account) == (
        "mette.k",
        "Mette Kristensen",
        team,
        True,
    )
    assert authenticate("METTE.K", GOOD).user == user


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"username": "TAKEN"}, "username", "En anden bruger har allerede dette brugernavn."),
        ({"password": "for-kort"}, "password", "Brug mindst 10 tegn."),
        ({"team": None}, "team", "Vælg et team: en leder ser kun sit eget teams borgere."),
        ({"role": Role.SUPERVISOR, "team": None}, "team", "Vælg et team"),
    ],
)
def test_a_new_user_is_refused_with_the_reason(app, changes, field, message):
    """Are a taken username (in any case), a weak password and a missing team refused, naming the field?"""
    make_user(username="taken")
    fields = {
        "username": "ny",
        "full_name": "Ny Bruger",
        "role": Role.JOBFORMIDLER,
        "password": GOOD,
        "team": make_team(),
    }
    with pytest.raises(services.AdminError) as refused:
        services.create_user(**{**fields, **changes})
    assert refused.value.field == field and refused.value.message.startswith(message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User).where(User.username == "ny")) == 0


def test_an_administrator_needs_no_team(app):
    assert services.create_user(username="it", full_name="IT", role=Role.ADMIN, password=GOOD).team is None


def _update(user: User, by: User, **changes) -> User:
    fields = {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "team": user.team,
        "active": user.is_active_account,
        "email": user.email,
        "phone": user.phone,
    }
    return services.update_user(user, by=by, **{**fields, **changes})


def test_a_jobformidler_with_citizens_cannot_be_switched_off(admin):
    """Is deactivating (or changing the role of) a jobformidler with open citizens refused until they
    are moved, while citizens who left the caseload do not hold the account?"""
    team = make_team()
    mette = make_user(full_name="Mette Mortensen", team=team)
    citizen = make_citizen(mette)
    make_citizen(mette, status=CitizenStatus.INACTIVE)
    with pytest.raises(services.AdminError) as refused:
        _update(mette, admin, active=False)
    assert refused.value.field == "active"
    assert refused.value.message == (
        "Mette Mortensen har stadig 1 borgere. Flyt dem først til en anden jobformidler."
    )
    with pytest.raises(services.AdminError) as refused:
        _update(mette, admin, role=Role.SUPERVISOR)
    assert refused.value.field == "role"
    db.session.rollback()
    assert db.session.get(User, mette.id).is_active_account is True

    citizen.status = CitizenStatus.COMPLETED  # still followed: completed courses stay in the caseload
    db.session.commit()
    with pytest.raises(services.AdminError):
        _update(mette, admin, active=False)
    citizen.status = CitizenStatus.INACTIVE
    db.session.commit()
    assert _update(mette, admin, active=False).is_active_account is False


def test_an_administrator_cannot_lock_themselves_or_everyone_out(admin):
    """Own account: no deactivation, no other role. The last active administrator stays one, whoever
    asks (the service does not rely on the views' role check)."""
    with pytest.raises(services.AdminError, match="din egen bruger"):
        _update(admin, admin, active=False)
    with pytest.raises(services.AdminError, match="administratorrollen"):
        _update(admin, admin, role=Role.SUPERVISOR, team=make_team())
    someone = make_user(Role.SUPERVISOR, team=make_team())
    with pytest.raises(services.AdminError, match="mindst én aktiv administrator"):
        _update(admin, someone, active=False)
    with pytest.raises(services.AdminError, match="mindst én aktiv administrator"):
        _update(admin, someone, role=Role.SUPERVISOR, team=someone.team)
    db.session.rollback()
    other = make_user(Role.ADMIN)
    assert _update(admin, other, active=False).is_active_account is False


def test_a_deactivated_user_is_logged_out_at_the_next_request(admin):
    """The session's user loader gives no user for a deactivated account, so its session ends."""
    team = make_team()
    user = make_user(Role.SUPERVISOR, team=team)
    assert load_user(str(user.id)) == user
    _update(user, admin, active=False)
    assert load_user(str(user.id)) is None


def test_a_new_password_lifts_a_lock(app):
    user = make_user(username="mette")
    user.locked_until = utcnow() + timedelta(days=365 * 75)
    db.session.commit()
    with pytest.raises(PasswordRejected, match="brugernavnet"):
        set_password(user, "mette-er-glad")
    set_password(user, GOOD)
    assert user.locked_until is None
    assert authenticate("mette", GOOD).user == user


def test_team_names_are_unique_whatever_the_case(app):
    assert services.create_team("  Team   Nord ").name == "Team Nord"
    with pytest.raises(services.AdminError, match="findes allerede"):
        services.create_team("team nord")


def test_moving_citizens_logs_each_one_and_reports_the_cap(admin, app):
    """Do only the chosen citizens of the giver move, each with an access-log event, and is going over
    the cap allowed but reported?"""
    app.config["CASELOAD_CAP"] = 2
    giver, receiver = make_user(full_name="Giver"), make_user(full_name="Modtager")
    first, second, stays = make_citizen(giver), make_citizen(giver), make_citizen(giver)
    make_citizen(receiver)
    strangers = make_citizen(make_user())  # someone else's citizen cannot be moved by naming it

    result = services.move_citizens([first.id, second.id, strangers.id], giver, receiver, by=admin)

    assert (result.moved, result.caseload_after, result.over_cap) == (2, 3, True)
    assert [c.jobformidler for c in (first, second, stays, strangers)] == [
        receiver,
        receiver,
        giver,
        strangers.jobformidler,
    ]
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.citizen_id)).all()
    assert [(e.citizen_id, e.object_id, e.action, e.purpose, e.user_id) for e in events] == [
        (first.id, first.id, AuditAction.UPDATE, "transfer", admin.id),
        (second.id, second.id, AuditAction.UPDATE, "transfer", admin.id),
    ]


@pytest.mark.parametrize(
    ("receiver_kind", "chosen", "message"),
    [
        ("inactive", "mine", "Vælg en aktiv jobformidler."),
        ("supervisor", "mine", "Vælg en aktiv jobformidler."),
        ("self", "mine", "Vælg en anden jobformidler end den nuværende."),
        ("colleague", "none", "Vælg mindst én borger."),
        ("colleague", "others", "Vælg mindst én borger."),
    ],
)
def test_moving_citizens_is_refused_with_the_reason(admin, receiver_kind, chosen, message):
    giver = make_user()
    mine, others = make_citizen(giver), make_citizen(make_user())
    receiver = {
        "inactive": lambda: make_user(is_active_account=False),
        "supervisor": lambda: make_user(Role.SUPERVISOR),
        "self": lambda: giver,
        "colleague": make_user,
    }[receiver_kind]()
    ids = {"mine": [mine.id], "none": [], "others": [others.id]}[chosen]
    with pytest.raises(services.AdminError) as refused:
        services.move_citizens(ids, giver, receiver, by=admin)
    assert refused.value.message == message
    assert mine.jobformidler == giver
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_account_changes_are_in_the_access_log(admin):
    """Creating, changing, a new password, unlocking and a new team each write an event naming the
    account or team and who did it, with no citizen."""
    from app.auth.services import unlock

    team = services.create_team("Team Syd", by=admin)
    user = services.create_user(
        username="ny", full_name="Ny Bruger", role=Role.JOBFORMIDLER, password=GOOD, team=team, by=admin
    )
    _update(user, admin, full_name="Ny B. Bruger")
    set_password(user, "en-anden-lang-1", by=admin)
    unlock(user, by=admin)
    set_password(user, "min-egen-lang-2")  # the user themselves

    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.object_type, e.object_id, e.user_id, e.citizen_id, e.purpose) for e in events] == [
        (AuditAction.CREATE, "team", team.id, admin.id, None, "accounts"),
        (AuditAction.CREATE, "user", user.id, admin.id, None, "accounts"),
        (AuditAction.UPDATE, "user", user.id, admin.id, None, "accounts"),
        (AuditAction.UPDATE, "user", user.id, admin.id, None, "accounts"),
        (AuditAction.UPDATE, "user", user.id, admin.id, None, "accounts"),
        (AuditAction.UPDATE, "user", user.id, user.id, None, "accounts"),
    ]


def test_a_team_keeps_its_name_when_renamed_to_a_spelling_of_it(app):
    team, other = services.create_team("Team Nord"), services.create_team("Team Syd")
    assert services.rename_team(team, "team  NORD").name == "team NORD"
    with pytest.raises(services.AdminError, match="findes allerede"):
        services.rename_team(team, "team syd")
    assert other.name == "Team Syd"


def test_a_supervisor_moves_citizens_within_their_own_team_only(admin):
    east, west = make_team(), make_team()
    leder = make_user(Role.SUPERVISOR, team=east)
    giver, colleague, stranger = make_user(team=east), make_user(team=east), make_user(team=west)
    citizen = make_citizen(giver)
    with pytest.raises(services.AdminError, match="inden for sit eget team"):
        services.move_citizens([citizen.id], giver, stranger, by=leder)
    with pytest.raises(services.AdminError, match="inden for sit eget team"):
        services.move_citizens([make_citizen(stranger).id], stranger, colleague, by=leder)
    assert services.move_citizens([citizen.id], giver, colleague, by=leder).moved == 1
    assert services.move_citizens([citizen.id], colleague, stranger, by=admin).moved == 1  # any team


def test_only_a_team_with_no_active_members_is_deleted(admin):
    """Is a team with an active member kept (with the reason), and one whose members are all
    deactivated deleted, logged, its former members left without a team?"""
    team = services.create_team("Team Vest", by=admin)
    member = make_user(Role.SUPERVISOR, username="leder", team=team)
    with pytest.raises(services.AdminError, match="aktive medlemmer til et andet team"):
        services.delete_team(team, by=admin)
    member.is_active_account = False
    db.session.commit()
    team_id = team.id
    assert services.delete_team(team, by=admin) == "Team Vest"
    assert db.session.get(type(team), team_id) is None and member.team is None
    event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert (event.action, event.object_type, event.object_id, event.user_id) == (
        AuditAction.DELETE,
        "team",
        team_id,
        admin.id,
    )
