"""The caseload: a jobformidler's citizens, a supervisor's team, a citizen's page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.auth.access import role_required
from app.caseload import services
from app.core.timeutil import local_today
from app.extensions import db
from app.models import Role, User

bp = Blueprint("caseload", __name__)


@bp.route("/borgere")
@role_required(Role.JOBFORMIDLER, Role.SUPERVISOR)
def citizens() -> ResponseReturnValue:
    """The citizens the user may see, searchable; htmx asks for the rows only."""
    search = request.args.get("q", "")
    rows = services.caseload(current_user, search=search)
    context = {"rows": rows, "search": search, "today": local_today()}
    if request.htmx and request.htmx.target == "caseload-rows":
        return render_template("caseload/_caseload_rows.html", **context), {"Vary": "HX-Request"}
    return render_template("caseload/citizens.html", **context), {"Vary": "HX-Request"}


@bp.route("/borgere/<int:citizen_id>")
@login_required
def citizen(citizen_id: int) -> ResponseReturnValue:
    """One citizen: courses and visit history. Someone else's citizen answers 404."""
    found = services.get_citizen(current_user, citizen_id, "citizen_page")
    return render_template("caseload/citizen.html", citizen=found, today=local_today())


@bp.route("/team")
@role_required(Role.SUPERVISOR)
def team() -> ResponseReturnValue:
    """The supervisor's team: each jobformidler's caseload against the cap, and the citizens."""
    members = db.session.scalars(
        sa.select(User)
        .where(User.team_id == current_user.team_id, User.role == Role.JOBFORMIDLER)
        .order_by(User.full_name)
    ).all()
    selected = request.args.get("jobformidler", type=int)
    rows = services.caseload(current_user, jobformidler_id=selected)
    counts = services.caseload_counts([m.id for m in members])
    context = {
        "members": members,
        "counts": counts,
        "cap": current_app.config["CASELOAD_CAP"],
        "rows": rows,
        "selected": selected,
        "today": local_today(),
    }
    if request.htmx and request.htmx.target == "caseload-rows":
        return render_template("caseload/_caseload_rows.html", **context), {"Vary": "HX-Request"}
    return render_template("caseload/team.html", **context), {"Vary": "HX-Request"}
