"""The flask commands: demo data, users, unlocking and retention."""

from datetime import timedelta

import sqlalchemy as sa

from app.auth.services import authenticate
from app.core.timeutil import local_today
from app.extensions import db
from app.models import (
    Citizen,
    Company,
    Placement,
    PlacementKind,
    Role,
    ScheduledVisit,
    ScheduledVisitStatus,
    User,
    Visit,
    is_valid_cvr,
)
from tests.factories import make_user


def _count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_demo_data_builds_a_believable_municipality(app):
    """Does `flask demo-data` create the team, ~30 citizens, ~15 valid companies and every kind of course?"""
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "demo1234" in result.output and "jobformidler" in result.output and "leder" in result.output
    roles = dict(db.session.execute(sa.select(User.username, User.role)).all())
    assert roles["jobformidler"] == Role.JOBFORMIDLER
    assert roles["leder"] == Role.SUPERVISOR
    assert roles["admin"] == Role.ADMIN
    assert 25 <= _count(Citizen) <= 35
    cvrs = db.session.scalars(sa.select(Company.cvr)).all()
    assert 12 <= len(cvrs) <= 18 and all(is_valid_cvr(c) for c in cvrs)
    assert set(db.session.scalars(sa.select(Placement.kind).distinct())) == set(PlacementKind)
    assert _count(Visit) > 20


def test_demo_jobformidler_has_visits_today_overdue_and_coming(app):
    """Does the demo jobformidler have visits due today, overdue ones and ones in the next week?"""
    app.test_cli_runner().invoke(args=["demo-data"])
    me = db.session.scalar(sa.select(User).where(User.username == "jobformidler"))
    today = local_today()
    planned = db.session.scalars(
        sa.select(ScheduledVisit.due_date)
        .join(ScheduledVisit.placement)
        .join(Placement.citizen)
        .where(Citizen.jobformidler_id == me.id, ScheduledVisit.status == ScheduledVisitStatus.PLANNED)
    ).all()
    assert sum(d == today for d in planned) >= 2
    assert sum(d < today for d in planned) >= 2
    assert sum(today < d <= today + timedelta(days=7) for d in planned) >= 1


def test_demo_logins_work_with_the_documented_password(app):
    """Can every demo user log in with demo1234?"""
    app.test_cli_runner().invoke(args=["demo-data"])
    for username in ("jobformidler", "leder", "admin"):
        assert authenticate(username, "demo1234").user is not None


def test_demo_data_if_empty_leaves_existing_data(app):
    """Does `--if-empty` leave a database with users untouched?"""
    make_user(username="real")
    result = app.test_cli_runner().invoke(args=["demo-data", "--if-empty"])
    assert "already has data" in result.output
    assert _count(User) == 1


def test_create_user_and_unlock(app):
    """Can an operator create a user from the command line and unlock them?"""
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["create-user", "Mette", "--name", "Mette S", "--role", "jobformidler", "--team", "Team A"],
        input="hemmeligt\nhemmeligt\n",
    )
    assert result.exit_code == 0, result.output
    assert authenticate("mette", "hemmeligt").user is not None
    for _ in range(5):
        authenticate("mette", "forkert")
    assert authenticate("mette", "hemmeligt").user is None
    assert runner.invoke(args=["unlock-user", "mette"]).exit_code == 0
    assert authenticate("mette", "hemmeligt").user is not None


def test_unlock_unknown_user_fails(app):
    """Does unlocking a user who does not exist fail with a message?"""
    result = app.test_cli_runner().invoke(args=["unlock-user", "nobody"])
    assert result.exit_code != 0 and "No user" in result.output


def test_the_test_idp_never_overwrites_a_real_idps_metadata(app, tmp_path):
    """Does `flask saml-test-idp` refuse to start when SAML_IDP_METADATA_FILE holds another IdP's metadata?"""
    real = tmp_path / "idp.xml"
    real.write_text('<EntityDescriptor entityID="https://login.kommune.dk/adfs"/>')
    app.config.update(SAML_IDP_METADATA_FILE=str(real), SAML_IDP_METADATA_URL=None)
    result = app.test_cli_runner().invoke(args=["saml-test-idp", "--port", "0"])
    assert result.exit_code != 0 and "not overwritten" in result.output
    assert "login.kommune.dk" in real.read_text()


def test_demo_data_gives_the_contact_indicators_numbers(app):
    """Does the demo have contacts (some waiting on the home page), feedback and team meetings, so that a
    new leder sees the four contact indicators with numbers?"""
    from app.contacts import indicators as contact_indicators
    from app.contacts.services import waiting_for_answer
    from app.core.timeutil import local_today
    from app.supervision.dashboard import period_bounds
    from app.supervision.scope import scope_of

    app.test_cli_runner().invoke(args=["demo-data"])
    leder = db.session.scalar(sa.select(User).where(User.username == "leder"))
    jobformidler = db.session.scalar(sa.select(User).where(User.username == "jobformidler"))
    today = local_today()
    start, end = period_bounds("3m", today)
    found = {i.key: i for i in contact_indicators.indicators(scope_of(leder), start, end, today)}
    for key in contact_indicators.KEYS:
        assert found[key].denominator > 0 and found[key].numerator > 0, key
    assert found["answered_24h"].numerator < found["answered_24h"].denominator  # some late or overdue
    assert len(waiting_for_answer(jobformidler)) >= 2
