"""Flask commands: `flask init-db`, `flask demo-data`, `flask create-user`, `flask retention`, …"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask_migrate import upgrade

from app.extensions import db
from app.models import AuditAction, Role, Team, User


def init_app(app: Flask) -> None:
    from app.delivery.cli import deliveries

    for command in (init_db, demo_data, create_user, unlock_user, retention, deliveries):
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
    """Delete access-log events older than AUDIT_RETENTION_DAYS, and sessions past their time (run
    daily from cron)."""
    from app.audit.services import purge_expired
    from app.auth import sessions
    from app.models.base import utcnow

    days = current_app.config["AUDIT_RETENTION_DAYS"]
    click.echo(f"Deleted {purge_expired(days)} access-log events older than {days} days.")
    click.echo(f"Deleted {sessions.store().purge(utcnow())} expired sessions.")
