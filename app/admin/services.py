"""User and team administration, and moving citizens between jobformidlere.

The rules live here, not in the views: an account that others depend on cannot be switched off by
accident (a jobformidler who still has citizens, the last administrator, the administrator's own account),
and every citizen that changes hands is written to the access log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.audit.services import record, record_account_change
from app.auth.services import hash_password, password_problem
from app.extensions import db
from app.models import AuditAction, Citizen, CitizenStatus, Role, Team, User


class AdminError(Exception):
    """A change the rules refuse. `field` names the form field the message belongs to (None: the form)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def username_taken(username: str, except_id: int | None = None) -> bool:
    query = sa.select(User.id).where(sa.func.lower(User.username) == username.strip().lower())
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def open_citizens(user: User) -> list[Citizen]:
    """The citizens a jobformidler still follows (all but those who left the caseload), by name."""
    return list(
        db.session.scalars(
            sa.select(Citizen)
            .where(Citizen.jobformidler_id == user.id, Citizen.status != CitizenStatus.INACTIVE)
            .order_by(Citizen.last_name, Citizen.first_name)
        )
    )


def _open_citizen_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Citizen.jobformidler_id == user.id, Citizen.status != CitizenStatus.INACTIVE
        )
    )


def _active_admins(except_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).where(User.role == Role.ADMIN, User.is_active_account.is_(True))
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query)


def _check_team(role: Role, team: Team | None) -> None:
    if role in (Role.JOBFORMIDLER, Role.SUPERVISOR) and team is None:
        raise AdminError(
            _("Choose a team: a supervisor sees the citizens of their own team only."), field="team"
        )


def create_user(
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str,
    team: Team | None = None,
    email: str | None = None,
    phone: str | None = None,
    by: User | None = None,
) -> User:
    """A new, active account. The administrator gives the first password to the person themselves."""
    username = username.strip().lower()
    if username_taken(username):
        raise AdminError(_("Another user already has this username."), field="username")
    problem = password_problem(password, username)
    if problem:
        raise AdminError(problem, field="password")
    _check_team(role, team)
    user = User(
        username=username,
        full_name=full_name.strip(),
        role=role,
        team=team,
        email=email or None,
        phone=phone or None,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    record_account_change(AuditAction.CREATE, user, by)
    db.session.commit()
    return user


def update_user(
    user: User,
    *,
    by: User,
    username: str,
    full_name: str,
    role: Role,
    team: Team | None,
    active: bool,
    email: str | None = None,
    phone: str | None = None,
) -> User:
    """Change an account. Refused: switching off or demoting one's own account or the last administrator,
    and taking a jobformidler who still has citizens out of the field (move the citizens first)."""
    username = username.strip().lower()
    if username_taken(username, except_id=user.id):
        raise AdminError(_("Another user already has this username."), field="username")
    if user.id == by.id and not active:
        raise AdminError(_("You cannot deactivate your own account."), field="active")
    if user.id == by.id and role != Role.ADMIN:
        raise AdminError(_("You cannot take the administrator role from yourself."), field="role")
    if user.role == Role.ADMIN and (role != Role.ADMIN or not active) and _active_admins(user.id) == 0:
        raise AdminError(_("There must be at least one active administrator."), field="role")
    if user.role == Role.JOBFORMIDLER and (role != Role.JOBFORMIDLER or not active):
        count = _open_citizen_count(user)
        if count:
            raise AdminError(
                _(
                    "%(name)s still has %(count)d citizens. Move them to another job broker first.",
                    name=user.full_name,
                    count=count,
                ),
                field="active" if role == Role.JOBFORMIDLER else "role",
            )
    _check_team(role, team)
    user.username = username
    user.full_name = full_name.strip()
    user.role = role
    user.team = team
    user.is_active_account = active
    # Switching on an account made by a first single sign-on is the administrator's approval of it.
    user.awaiting_approval = user.awaiting_approval and not active
    user.email = email or None
    user.phone = phone or None
    record_account_change(AuditAction.UPDATE, user, by)
    db.session.commit()
    return user


def _team_name(name: str, except_id: int | None = None) -> str:
    """The name with its spaces tidied; refused when another team has it, whatever the case."""
    name = " ".join(name.split())
    query = sa.select(Team.name)
    if except_id is not None:
        query = query.where(Team.id != except_id)
    # Compared in Python: SQLite's lower() leaves letters such as Æ, Ø and Å alone, and teams are few.
    if any(existing.casefold() == name.casefold() for existing in db.session.scalars(query)):
        raise AdminError(_("A team with this name already exists."), field="name")
    return name


def create_team(name: str, by: User | None = None) -> Team:
    team = Team(name=_team_name(name))
    db.session.add(team)
    record_account_change(AuditAction.CREATE, team, by)
    db.session.commit()
    return team


def rename_team(team: Team, name: str, by: User | None = None) -> Team:
    team.name = _team_name(name, except_id=team.id)
    record_account_change(AuditAction.UPDATE, team, by)
    db.session.commit()
    return team


def delete_team(team: Team, by: User | None = None) -> str:
    """Remove a team nobody active belongs to (a reorganisation, a name given by mistake). Deactivated
    accounts that were in it are left without a team; their history keeps their name. Returns the
    team's name."""
    if any(member.is_active_account for member in team.members):
        raise AdminError(_("Move the team's active members to another team first."))
    for member in list(team.members):
        member.team = None
    record_account_change(AuditAction.DELETE, team, by)
    db.session.delete(team)
    db.session.commit()
    return team.name


def jobformidlere(except_id: int | None = None, team_id: int | None = None) -> list[User]:
    """Active jobformidlere who can take over citizens (of one team, when `team_id` is given)."""
    query = sa.select(User).where(User.role == Role.JOBFORMIDLER, User.is_active_account.is_(True))
    if except_id is not None:
        query = query.where(User.id != except_id)
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    return list(db.session.scalars(query.order_by(User.full_name)))


@dataclass
class MoveResult:
    moved: int
    caseload_after: int  # the receiver's open citizens after the move
    over_cap: bool


def move_citizens(citizen_ids: Iterable[int], from_user: User, to_user: User, *, by: User) -> MoveResult:
    """Hand some of a jobformidler's citizens to another jobformidler, each change in the access log.

    Only citizens of `from_user` move; the cap is a guide, not a wall, so going over it is allowed and
    reported. The receiver's home page, calendar and "Forbered dagen" take the citizens' visits from now.
    An administrator moves between any jobformidlere; a supervisor within their own team.
    """
    if to_user.role != Role.JOBFORMIDLER or not to_user.is_active_account:
        raise AdminError(_("Choose an active job broker."), field="to_user")
    within_team = by.team_id is not None and from_user.team_id == by.team_id == to_user.team_id
    if by.role != Role.ADMIN and not within_team:
        raise AdminError(_("A supervisor moves citizens within their own team."), field="to_user")
    if to_user.id == from_user.id:
        raise AdminError(_("Choose another job broker than the present one."), field="to_user")
    ids = {int(i) for i in citizen_ids}
    citizens = list(
        db.session.scalars(
            sa.select(Citizen).where(Citizen.id.in_(ids), Citizen.jobformidler_id == from_user.id)
        )
    )
    if not citizens:
        raise AdminError(_("Choose at least one citizen."), field="citizens")
    for citizen in citizens:
        citizen.jobformidler = to_user
        record(AuditAction.UPDATE, "transfer", citizen_ids=[citizen.id], object_id=citizen.id, user=by)
    db.session.commit()
    after = _open_citizen_count(to_user)
    return MoveResult(
        moved=len(citizens), caseload_after=after, over_cap=after > current_app.config["CASELOAD_CAP"]
    )
