"""The caseload: the jobformidler's day, their citizens, a supervisor's team, a citizen's page."""

from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from app.admin import services as admin
from app.admin.forms import MoveCitizensForm, apply_error
from app.audit import services as audit
from app.audit.pages import logged, shown_and_logged
from app.auth.access import role_required
from app.caseload import services
from app.caseload.forms import CitizenForm, CprForm, status_choices
from app.contacts import services as contacts
from app.core import memo
from app.core.timeutil import local_today, utcnow
from app.core.urls import url_builder
from app.extensions import db
from app.models import AuditAction, CitizenStatus, Role, User
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
    day = services.day(current_user, today)
    # The agenda and the caseload rows are made from the values just read, or are an equal rendering
    # made before (app.core.memo). Logged after rendering, in one statement for all the citizens shown.
    agenda = partial(memo.rendered, HOME_FRAGMENTS["agenda"], agenda=day.agenda, today=today)
    rows = partial(memo.rendered, HOME_FRAGMENTS["caseload-rows"], rows=day.rows, today=today, search="")
    # The caseload lists every citizen the agenda can name, and a waiting contact's citizen is on it.
    caseload_ids = [row.citizen.id for row in day.rows]
    target = request.htmx.target if request.htmx else None
    limit = current_app.config["FIELD_PAGES_MAX"]
    if target in HOME_FRAGMENTS:
        body = agenda() if target == "agenda" else rows()
        logged(day.agenda.citizen_ids if target == "agenda" else caseload_ids, **HOME_LOG)
        return body, VARY
    context = {
        "waiting": contacts.waiting_for_answer(current_user),
        "now": utcnow(),
        "agenda_html": agenda(),
        "rows_html": rows(),
        "prepare_urls": memo.remembered(
            "prepare_urls", _pages_for_the_field_json, agenda=day.agenda, courses=day.courses, limit=limit
        ),
        "prepare_limit": limit,
        "today": today,
    }
    return shown_and_logged("caseload/home.html", context, citizen_ids=caseload_ids, **HOME_LOG), VARY


HOME_LOG = {"object_type": "caseload", "purpose": "caseload"}


def _pages_for_the_field_json(agenda: services.Agenda, courses: tuple, limit: int) -> Markup:
    """`_pages_for_the_field` as the home page's data-urls attribute holds it (JSON, safe in HTML)."""
    policies = current_app.jinja_env.policies  # as the templates' `tojson` filter writes it
    return htmlsafe_json_dumps(
        _pages_for_the_field(agenda, courses, limit),
        dumps=policies["json.dumps_function"],
        **policies["json.dumps_kwargs"],
    )


def _pages_for_the_field(agenda: services.Agenda, courses: tuple, limit: int) -> list[str]:
    """What "Forbered dagen" keeps on the device, most needed first and at most FIELD_PAGES_MAX pages:
    the home page itself (the app opens on it offline: the browser may not have kept it, when the page
    loaded before the service worker took control) and the page that shows what waits on the device;
    each coming visit's form, course page and citizen
    page; then for each of the user's other followed-up courses (soonest next visit first) its course
    page, its citizen's page and the form of its next planned visit; last, each of those citizens' contact
    form, so that a call in the field can be recorded with no network."""
    url_for = url_builder()
    urls: list[str] = [url_for("core.index"), url_for("core.device")]
    for item in [*agenda.today, *agenda.overdue, *agenda.upcoming]:
        urls.append(url_for("visits.new", forloeb=item.placement.id, planlagt=item.visit.id))
        urls.append(url_for("placements.detail", placement_id=item.placement.id))
        urls.append(url_for("caseload.citizen", citizen_id=item.placement.citizen_id))
    for placement, planned in courses:
        urls.append(url_for("placements.detail", placement_id=placement.id))
        urls.append(url_for("caseload.citizen", citizen_id=placement.citizen_id))
        if planned is not None:
            urls.append(url_for("visits.new", forloeb=placement.id, planlagt=planned.id))
    citizen_ids = [item.placement.citizen_id for item in [*agenda.today, *agenda.overdue, *agenda.upcoming]]
    citizen_ids += [placement.citizen_id for placement, _ in courses]
    urls += [url_for("contacts.new", citizen_id=citizen_id) for citizen_id in dict.fromkeys(citizen_ids)]
    return list(dict.fromkeys(urls))[:limit]


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
    if form.errors and form.cpr.data and not form.cpr.errors:
        # The number is never sent back to the browser, so say that it has to be typed again.
        form.cpr.errors.append(_("Type the CPR number again: it is not kept while the form has errors."))
    status = 422 if form.is_submitted() else 200
    return render_template("caseload/citizen_form.html", form=form), status


@bp.route("/borgere/<int:citizen_id>/cpr", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def citizen_cpr(citizen_id: int) -> ResponseReturnValue:
    """Register, replace or remove the CPR number that addresses Digital Post; own citizens only."""
    found = services.get_citizen(current_user, citizen_id, "digital_post")
    form = CprForm()
    if request.method == "POST" and request.form.get("remove"):
        services.remove_cpr(current_user, found)
        flash(_("The CPR number was deleted. Digital Post to the citizen is not possible."), "success")
        return redirect(url_for("caseload.citizen", citizen_id=found.id), code=303)
    if form.validate_on_submit():
        services.set_cpr(current_user, found, form.cpr.data)
        flash(_("CPR number is registered."), "success")
        return redirect(url_for("caseload.citizen", citizen_id=found.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("caseload/cpr.html", citizen=found, form=form), status


@bp.route("/borgere/<int:citizen_id>")
@login_required
def citizen(citizen_id: int) -> ResponseReturnValue:
    """One citizen: courses and visit history. Someone else's citizen answers 404."""
    found = services.get_citizen(current_user, citizen_id, "citizen_page")
    today = local_today()
    contact_list = contacts.contacts_of(found)
    if contact_list:
        audit.record(AuditAction.READ, "contact", citizen_ids=[found.id], object_type="contact")
        db.session.commit()
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
        contacts=contact_list,
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


def _move_choices(form: MoveCitizensForm, user: User) -> list:
    """The jobformidler's open citizens and the colleagues who can take them (with their caseloads): any
    jobformidler for an administrator, the team's for a supervisor."""
    citizens = admin.open_citizens(user)
    team_id = None if current_user.role == Role.ADMIN else current_user.team_id
    receivers = admin.jobformidlere(except_id=user.id, team_id=team_id)
    counts = services.caseload_counts([r.id for r in receivers])
    cap = current_app.config["CASELOAD_CAP"]
    form.citizens.choices = [SelectChoice(c.id, f"{c.full_name} ({c.case_ref})") for c in citizens]
    form.to_user.choices = [
        SelectChoice("", _("Choose a job broker")),
        *(
            SelectChoice(
                str(r.id),
                _(
                    "%(name)s: %(count)d of %(cap)d citizens (%(team)s)",
                    name=r.full_name,
                    team=r.team.name if r.team else _("no team"),
                    count=counts.get(r.id, 0),
                    cap=cap,
                ),
            )
            for r in receivers
        ),
    ]
    return citizens


@bp.route("/team/<int:user_id>/flyt-borgere", methods=["GET", "POST"])
@role_required(Role.ADMIN, Role.SUPERVISOR)
def move_citizens(user_id: int) -> ResponseReturnValue:
    """Hand a jobformidler's citizens to colleagues: before a leave, a change of team, leaving the job, or
    to even out the team's caseloads. A supervisor moves within their own team only."""
    user = db.get_or_404(User, user_id)
    if user.role != Role.JOBFORMIDLER:
        abort(404)
    if current_user.role != Role.ADMIN and (user.team_id is None or user.team_id != current_user.team_id):
        abort(404)  # not the supervisor's team: as if it did not exist
    form = MoveCitizensForm() if request.method == "POST" else MoveCitizensForm(formdata=None)
    citizens = _move_choices(form, user)
    if form.validate_on_submit():
        receiver = db.get_or_404(User, int(form.to_user.data))
        try:
            result = admin.move_citizens(form.citizens.data, user, receiver, by=current_user)
        except admin.AdminError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(
                _("%(count)d citizens were moved to %(name)s.", count=result.moved, name=receiver.full_name),
                "success",
            )
            if result.over_cap:
                flash(
                    _(
                        "%(name)s now has %(count)d citizens, more than the cap of %(cap)d.",
                        name=receiver.full_name,
                        count=result.caseload_after,
                        cap=current_app.config["CASELOAD_CAP"],
                    ),
                    "warning",
                )
            back = url_for("admin.edit_user", user_id=user.id) if current_user.role == Role.ADMIN else None
            return redirect(back or url_for("caseload.team", jobformidler=user.id), code=303)
    # The page shows the citizens' names and case references: a use of their data.
    html = shown_and_logged(
        "caseload/move_citizens.html",
        {"form": form, "user": user, "citizens": citizens},
        citizen_ids=[c.id for c in citizens],
        object_type="caseload",
        purpose="transfer",
    )
    return html, 422 if form.is_submitted() else 200
