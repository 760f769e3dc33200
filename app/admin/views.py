"""Administration: users and teams."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.auth.access import role_required
from app.auth.services import unlock
from app.core.timeutil import local_today
from app.extensions import db
from app.models import Role, Team, User
from app.models.base import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/brugere")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """All users with their role, team and lock status."""
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    all_users = db.session.scalars(sa.select(User).order_by(User.full_name)).all()
    return render_template(
        "admin/users.html", teams=teams, users=all_users, now=utcnow(), today=local_today()
    )


@bp.post("/brugere/<int:user_id>/laas-op")
@role_required(Role.ADMIN)
def unlock_user(user_id: int) -> ResponseReturnValue:
    """Lift a lock-out."""
    user = db.get_or_404(User, user_id)
    unlock(user)
    flash(_("%(name)s can log in again.", name=user.full_name), "success")
    return redirect(url_for("admin.users"), code=303)
