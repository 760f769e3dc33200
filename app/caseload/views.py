"""The caseload: the jobformidler's day, their citizens, a supervisor's team, a citizen's page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.access import role_required
from app.caseload import services
from app.caseload.forms import CitizenForm, status_choices
from app.core.timeutil import local_today
from app.extensions import db
from app.models import CitizenStatus, Role, User
from app.supervision.charts import hours_chart
from app.supervision.hours import hours_trajectory, rule_225

bp = Blueprint("caseload", __name__)
VARY = {"Vary": "HX-Request"}

# The home page's parts that htmx may ask for alone, by the id of the element they replace.
HOME_FRAGMENTS = {
    "agenda": "caseload/_agenda.html",
    "caseload-rows": "caseload/_caseload_rows.html",
}


def _status_filter() -> CitizenStatus | None:
    try:
        return CitizenStatus(request.args.get("status", ""))
    except ValueError:
        return None


@role_required(Role.JOBFORMIDLER)
def home() -> ResponseReturnValue:
    """The jobformidler's first screen: today's, overdue and coming visits, then the caseload."""
    today = local_today()
    agenda = services.agenda(current_user, today)
    context = {
        "agenda": agenda,
        "prepare_urls": _pages_for_the_field(agenda),
        "rows": services.caseload(current_user),
        "search": "",
        "status": "",
        "today": today,
    }
    fragment = HOME_FRAGMENTS.get(request.htmx.target or "") if request.htmx else None
    return render_template(fragment or "caseload/home.html", **context), VARY


def _pages_for_the_field(agenda: services.Agenda) -> list[str]:
    """What "Forbered dagen" keeps on the device: each coming visit's form and its course page."""
    urls: list[str] = []
    for item in [*agenda.today, *agenda.overdue, *agenda.upcoming]:
        urls.append(url_for("visits.new", forloeb=item.placement.id, planlagt=item.visit.id))
        urls.append(url_for("placements.detail", placement_id=item.placement.id))
    return list(dict.fromkeys(urls))


@bp.route("/borgere")
@role_required(Role.JOBFORMIDLER, Role.SUPERVISOR)
def citizens() -> ResponseReturnValue:
    """The citizens the user may see, searchable and filtered by status; htmx asks for the rows only."""
    search = request.args.get("q", "")
    status = _status_filter()
    rows = services.caseload(current_user, search=search, status=status)
    context = {
        "rows": rows,
        "search": search,
        "status": status or "",
        "status_choices": status_choices(),
        "today": local_today(),
    }
    if request.htmx and request.htmx.target == "caseload-rows":
        return render_template("caseload/_caseload_rows.html", **context), VARY
    return render_template("caseload/citizens.html", **context), VARY


@bp.route("/borgere/ny", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def new_citizen() -> ResponseReturnValue:
    """Add a citizen to the own caseload."""
    form = CitizenForm()
    if form.validate_on_submit():
        try:
            citizen = services.create_citizen(current_user, form.data)
        except services.DuplicateCaseRef:
            form.case_ref.errors.append(_("Another citizen already has this case reference."))
        else:
            flash(_("%(name)s was added to your caseload.", name=citizen.full_name), "success")
            return redirect(url_for("caseload.citizen", citizen_id=citizen.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("caseload/citizen_form.html", form=form), status


@bp.route("/borgere/<int:citizen_id>")
@login_required
def citizen(citizen_id: int) -> ResponseReturnValue:
    """One citizen: courses and visit history. Someone else's citizen answers 404."""
    found = services.get_citizen(current_user, citizen_id, "citizen_page")
    today = local_today()
    # Each course's hours drawn on the server (the visits table below is the chart's table fallback), and
    # the citizen's standing against the 225-hour rule.
    hour_charts = {
        p.id: hours_chart(hours_trajectory(p), today, chart_id=f"hours-{p.id}") for p in found.placements
    }
    return render_template(
        "caseload/citizen.html",
        citizen=found,
        today=today,
        hour_charts=hour_charts,
        rule=rule_225(found.id, today),
    )


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
    context = {
        "members": members,
        "counts": services.caseload_counts([m.id for m in members]),
        "cap": current_app.config["CASELOAD_CAP"],
        "rows": services.caseload(current_user, jobformidler_id=selected),
        "selected": selected,
        "today": local_today(),
    }
    if request.htmx and request.htmx.target == "caseload-rows":
        return render_template("caseload/_caseload_rows.html", **context), VARY
    return render_template("caseload/team.html", **context), VARY
