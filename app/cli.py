"""Flask commands: `flask init-db`, `flask demo-data`, `flask create-user`, `flask retention`, …"""

from __future__ import annotations

import contextlib

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_migrate import upgrade

from app.extensions import db
from app.models import AuditAction, Role, Team, User


def init_app(app: Flask) -> None:
    from app.delivery.cli import deliveries
    from app.jobs.cli import jobs, worker

    for command in (
        init_db,
        demo_data,
        create_user,
        unlock_user,
        retention,
        deliveries,
        worker,
        jobs,
        saml_test_idp,
    ):
        app.cli.add_command(command)


@click.command("init-db")
def init_db() -> None:
    """Bring the database schema up to date and add the default checklist template."""
    from app.visits.defaults import ensure_default_template

    upgrade()
    ensure_default_template()
    click.echo("Database ready.")


@click.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Only add demo data to a database without users.")
def demo_data(if_empty: bool) -> None:
    """Fill the database with a believable demo municipality and print the demo log-ins."""
    from app.demo import DEMO_LOGINS, DEMO_PASSWORD, create_demo_data

    has_users = db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0
    if has_users and if_empty:
        click.echo("The database already has data; demo data not added.")
    else:
        create_demo_data()
        click.echo("Demo data added.")
    click.echo(f"\nDemo log-ins (password {DEMO_PASSWORD!r} for all):")
    for username, description in DEMO_LOGINS:
        click.echo(f"  {username:<14} {description}")
    click.echo()


@click.command("create-user")
@click.argument("username")
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--team", "team_name", default=None, help="Created if it does not exist.")
@click.password_option()
def create_user(username: str, full_name: str, role: str, team_name: str | None, password: str) -> None:
    """Create a user account."""
    from app.audit.services import record_account_change
    from app.auth.services import hash_password

    team = None
    if team_name:
        team = db.session.scalar(sa.select(Team).where(Team.name == team_name)) or Team(name=team_name)
    user = User(
        username=username.lower(),
        full_name=full_name,
        role=Role(role),
        team=team,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    record_account_change(AuditAction.CREATE, user)  # by no one: "System" in the access log
    db.session.commit()
    click.echo(f"User {username} created.")


@click.command("unlock-user")
@click.argument("username")
def unlock_user(username: str) -> None:
    """Lift a log-in lock-out."""
    from app.auth.services import unlock

    user = db.session.scalar(sa.select(User).where(User.username == username.lower()))
    if user is None:
        raise click.ClickException(f"No user {username!r}.")
    unlock(user)
    click.echo(f"{username} unlocked.")


@click.command("retention")
def retention() -> None:
    """Delete access-log events older than AUDIT_RETENTION_DAYS, and sessions past their time, now (the
    worker does it every night)."""
    from app.audit.services import purge_expired
    from app.auth import sessions
    from app.models.base import utcnow

    days = current_app.config["AUDIT_RETENTION_DAYS"]
    click.echo(f"Deleted {purge_expired(days)} access-log events older than {days} days.")
    click.echo(f"Deleted {sessions.store().purge(utcnow())} expired sessions.")


@click.command("saml-test-idp")
@click.option("--port", default=8010, show_default=True, help="Port on 127.0.0.1 for the test IdP.")
@click.option(
    "--sp-url",
    default="http://127.0.0.1:5000",
    show_default=True,
    help="Where the app is served (its SAML metadata is made for this address).",
)
def saml_test_idp(port: int, sp_url: str) -> None:
    """Serve the development SAML identity provider on 127.0.0.1 (never in production)."""
    from pathlib import Path

    from app.auth import saml
    from app.auth.test_idp import RunningIdP, TestIdP, demo_people

    metadata_file = current_app.config.get("SAML_IDP_METADATA_FILE")
    if not metadata_file or current_app.config.get("SAML_IDP_METADATA_URL"):
        raise click.ClickException("SAML_IDP_METADATA_FILE must name where the test IdP's metadata goes.")
    existing = Path(metadata_file)
    if existing.is_file() and 'entityID="http://127.0.0.1:' not in existing.read_text(errors="replace"):
        # Never overwrite a real IdP's metadata (a production installation's SAML_IDP_METADATA_FILE).
        raise click.ClickException(f"{metadata_file} holds another IdP's metadata; not overwritten.")
    with current_app.test_request_context(base_url=sp_url):
        sp_metadata = saml.metadata_xml()
    cert, key = saml.ensure_pair(
        Path(current_app.instance_path) / "saml" / "test-idp", "Test-IdP (udvikling)"
    )
    running = RunningIdP(lambda url: TestIdP(url, str(cert), str(key), sp_metadata, demo_people()), port)
    Path(metadata_file).parent.mkdir(parents=True, exist_ok=True)
    Path(metadata_file).write_text(running.idp.metadata_xml())
    click.echo(f"Test IdP at {running.url}; its metadata is in {metadata_file}.")
    click.echo(f"Log in at {sp_url}/login with the button for the municipality's log-in. Ctrl-C stops it.")
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how it is meant to stop
        running.serve_forever()
