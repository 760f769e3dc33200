"""Courses: the written agreement, the follow-up plan and the course's end."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.auth.access import role_required
from app.caseload.services import get_citizen
from app.contacts import services as contacts
from app.core.timeutil import local_today
from app.extensions import db
from app.models import PlacementStatus, Role
from app.placements import services
from app.placements.forms import AddVisitForm, CancelVisitForm, EndCourseForm, MoveVisitForm, PlacementForm

bp = Blueprint("placements", __name__, url_prefix="/forloeb")


def _fill_choices(form: PlacementForm) -> PlacementForm:
    form.workplace_id.choices = [SelectChoice("", _("Choose a workplace")), *services.workplace_options()]
    contacts = services.contact_options(form.workplace_id.data)
    form.contact_person_id.choices = [SelectChoice("", _("No fixed contact person yet")), *contacts]
    return form


@bp.route("/ny/<int:citizen_id>", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def new(citizen_id: int) -> ResponseReturnValue:
    """Start a course for one of the own citizens, with its written agreement."""
    citizen = get_citizen(current_user, citizen_id, "placement")
    form = _fill_choices(PlacementForm())
    if form.validate_on_submit():
        placement = services.create_placement(citizen, form.agreement_data(), current_user, local_today())
        flash(_("The course was created and its follow-up visits planned."), "success")
        return redirect(url_for("placements.detail", placement_id=placement.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("placements/form.html", form=form, citizen=citizen, placement=None), status


@bp.route("/<int:placement_id>")
@login_required
def detail(placement_id: int) -> ResponseReturnValue:
    """A course: agreement, progress toward paid hours, plan and history."""
    placement = services.get_placement(current_user, placement_id)
    return render_template("placements/detail.html", **_detail_context(placement))


def _detail_context(placement, **forms) -> dict:
    today = local_today()
    run_up = contacts.weekly_contact(placement, today) if placement.status == PlacementStatus.PLANNED else []
    if placement.status == PlacementStatus.PLANNED:
        db.session.commit()  # the read of the citizen's contacts is logged
    return {
        "placement": placement,
        "hotline_until": contacts.hotline_until(placement),
        "hotline_open": contacts.hotline_open(placement, today),
        # Week by week before the start: was there contact with the citizen (shown while it matters).
        "run_up": run_up,
        "progress": services.course_progress(placement),
        "agreement_names": services.agreement_names(placement),
        "can_edit": placement.citizen.jobformidler_id == current_user.id,
        "today": local_today(),
        "add_form": forms.get("add_form") or AddVisitForm(formdata=None),
        "move_errors": forms.get("move_errors", {}),
    }


@bp.route("/<int:placement_id>/aftale", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def edit(placement_id: int) -> ResponseReturnValue:
    """Change the written agreement; the old text is kept in the history."""
    placement = services.get_placement(current_user, placement_id, write=True)
    form = _fill_choices(PlacementForm(obj=placement))
    if form.validate_on_submit():
        revision = services.update_agreement(placement, form.agreement_data(), current_user, local_today())
        flash(_("The agreement was updated.") if revision else _("Nothing was changed."), "success")
        return redirect(url_for("placements.detail", placement_id=placement.id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "placements/form.html", form=form, citizen=placement.citizen, placement=placement
    ), status


@bp.route("/kontaktpersoner")
@login_required
def contact_field() -> ResponseReturnValue:
    """The contact-person choice for the chosen workplace (htmx swaps it in when the workplace changes)."""
    form = PlacementForm(formdata=None)
    form.workplace_id.data = request.args.get("workplace_id", type=int)
    return render_template("placements/_contact_field.html", form=_fill_choices(form))


def _schedule_response(placement, status: int = 200, **forms) -> ResponseReturnValue:
    """The plan as an htmx fragment, or back to the course page for a plain form post."""
    if request.htmx:
        # With errors, 422: htmx swaps 422 answers in (templates/base.html), and the fragment shows them.
        return render_template("placements/_schedule.html", **_detail_context(placement, **forms)), status
    if status != 200:
        return render_template("placements/detail.html", **_detail_context(placement, **forms)), status
    return redirect(url_for("placements.detail", placement_id=placement.id), code=303)


@bp.post("/besoeg/<int:visit_id>/flyt")
@role_required(Role.JOBFORMIDLER)
def move(visit_id: int) -> ResponseReturnValue:
    """Move a planned visit to another day."""
    sv = services.get_scheduled_visit(current_user, visit_id)
    form = MoveVisitForm()
    if not form.validate_on_submit():
        return _schedule_response(sv.placement, 422, move_errors={sv.id: form.errors})
    services.move_visit(sv, form.due_date.data, form.note.data or None)
    return _schedule_response(sv.placement)


@bp.post("/besoeg/<int:visit_id>/aflys")
@role_required(Role.JOBFORMIDLER)
def cancel(visit_id: int) -> ResponseReturnValue:
    """Cancel a planned visit, with the reason."""
    sv = services.get_scheduled_visit(current_user, visit_id)
    form = CancelVisitForm()
    if not form.validate_on_submit():
        return _schedule_response(sv.placement, 422, move_errors={sv.id: form.errors})
    services.cancel_visit(sv, form.note.data)
    return _schedule_response(sv.placement)


@bp.post("/<int:placement_id>/besoeg")
@role_required(Role.JOBFORMIDLER)
def add(placement_id: int) -> ResponseReturnValue:
    """Add an extra visit to the plan."""
    placement = services.get_placement(current_user, placement_id, write=True)
    form = AddVisitForm()
    if not form.validate_on_submit():
        return _schedule_response(placement, 422, add_form=form)
    services.add_visit(placement, form.due_date.data, form.note.data or None)
    return _schedule_response(placement)


@bp.route("/<int:placement_id>/afslut", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def end(placement_id: int) -> ResponseReturnValue:
    """End the course: completed, broken off or handed to the rehabilitation team."""
    placement = services.get_placement(current_user, placement_id, write=True)
    form = EndCourseForm(data={"end_date": local_today()} if request.method == "GET" else None)
    if form.validate_on_submit():
        services.end_course(
            placement, PlacementStatus(form.status.data), form.end_date.data, form.reason.data, current_user
        )
        flash(_("The course was ended."), "success")
        return redirect(url_for("caseload.citizen", citizen_id=placement.citizen_id), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("placements/end.html", form=form, placement=placement), status
