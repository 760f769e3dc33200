"""The visit pages: the form (saved through the sync API), the visit, signing on this device."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.access import role_required
from app.extensions import db
from app.models import Role, ScheduledVisit, SignerRole, Visit
from app.placements.services import course_progress, get_placement, later_visit_exists
from app.supervision.history import journal_note
from app.visits import services, signing
from app.visits.completion import (
    SummaryState,
    ensure_summary,
    finish_signed_visit,
    retry_summary,
    summary_state,
)
from app.visits.forms import ConsentForm, visit_form

bp = Blueprint("visits", __name__, url_prefix="/besoeg")
VARY = {"Vary": "HX-Request"}


def _visit_or_404(visit_uuid: uuid_lib.UUID, write: bool = False, log: bool = True) -> Visit:
    visit = services.find(visit_uuid)
    if visit is None:
        abort(404)
    get_placement(current_user, visit.placement_id, purpose="visit", write=write, log=log)
    return visit


@bp.route("/ny")
@role_required(Role.JOBFORMIDLER)
def new() -> ResponseReturnValue:
    """The visit form for a course, for a planned visit or an unplanned one."""
    placement = get_placement(current_user, request.args.get("forloeb", type=int) or 0, "visit", write=True)
    sv = db.session.get(ScheduledVisit, request.args.get("planlagt", type=int) or 0)
    if sv is not None and sv.placement_id != placement.id:
        abort(404)
    template = services.current_template()
    form = visit_form(template, formdata=None, data=services.initial_data(placement, sv, template))
    return render_template(
        "visits/form.html",
        form=form,
        placement=placement,
        scheduled=sv,
        visit=None,
        signers=signing.signers(placement, template),
    )


def _signed_by_everyone(visit: Visit) -> ResponseReturnValue:
    flash(_("The visit is signed and can no longer be changed. Make an addendum instead."), "error")
    return redirect(url_for("visits.detail", visit_uuid=visit.uuid), code=303)


@bp.route("/<uuid:visit_uuid>/ret")
@role_required(Role.JOBFORMIDLER)
def edit(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """Change a completed visit before it is signed."""
    visit = _visit_or_404(visit_uuid, write=True)
    if visit.is_immutable:
        return _signed_by_everyone(visit)
    if visit.content_locked:
        return redirect(url_for("visits.withdraw_signatures", visit_uuid=visit.uuid), code=303)
    form = visit_form(visit.template, formdata=None, data=services.data_of(visit))
    return render_template(
        "visits/form.html",
        form=form,
        placement=visit.placement,
        scheduled=visit.scheduled_visit,
        visit=visit,
        signers=signing.signers(visit.placement, visit.template),
        later_visit=later_visit_exists(visit.placement_id, visit.performed_at, visit.id),
    )


@bp.route("/<uuid:visit_uuid>/traek-underskrifter-tilbage", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def withdraw_signatures(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """Before the last signature: take back those given, to change the visit (asked first)."""
    visit = _visit_or_404(visit_uuid, write=True)
    if visit.is_immutable:
        return _signed_by_everyone(visit)
    if not visit.signatures:
        return redirect(url_for("visits.edit", visit_uuid=visit.uuid), code=303)
    if request.method == "POST":
        names = services.withdraw_signatures(visit, current_user)
        flash(
            _(
                "The signatures of %(names)s are withdrawn. Change the visit; then everyone signs again.",
                names=", ".join(names),
            ),
            "success",
        )
        return redirect(url_for("visits.edit", visit_uuid=visit.uuid), code=303)
    return render_template("visits/withdraw.html", visit=visit)


@bp.route("/<uuid:visit_uuid>/tillaeg")
@role_required(Role.JOBFORMIDLER)
def addendum(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """A correction of a signed visit: a new visit that points at it and is signed in its own right."""
    original = _visit_or_404(visit_uuid, write=True)
    if not original.is_immutable:
        return redirect(url_for("visits.edit", visit_uuid=original.uuid), code=303)
    data = {**services.data_of(original), "addendum_of": str(original.uuid), "scheduled_visit_id": ""}
    form = visit_form(original.template, formdata=None, data=data)
    return render_template(
        "visits/form.html",
        form=form,
        placement=original.placement,
        scheduled=None,
        visit=None,
        original=original,
        signers=signing.signers(original.placement, original.template),
    )


@bp.route("/<uuid:visit_uuid>")
@login_required
def detail(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """A visit: its summary in the template version it was filled with, signatures, PDF and delivery."""
    visit = _visit_or_404(visit_uuid)
    return render_template(
        "visits/detail.html",
        visit=visit,
        summary=ensure_summary(visit),
        missing=services.missing_roles(visit),
        progress=course_progress(visit.placement),
        can_edit=visit.placement.citizen.jobformidler_id == current_user.id,
        journal_note=journal_note(visit),
    )


@bp.route("/<uuid:visit_uuid>/underskriv/<role>")
@role_required(Role.JOBFORMIDLER)
def sign(visit_uuid: uuid_lib.UUID, role: str) -> ResponseReturnValue:
    """The signature pad, on this device: the jobformidler hands it to the signer."""
    visit = _visit_or_404(visit_uuid, write=True)
    signer = _role_or_404(visit, role)
    return render_template(
        "visits/sign.html",
        visit=visit,
        role=signer,
        signer_name=signing.default_name(visit, signer),
        put_url=url_for("sync.put_signature", visit_uuid=visit.uuid, role=signer.value),
        done_url=url_for("visits.detail", visit_uuid=visit.uuid),
    )


def _role_or_404(visit: Visit, role: str) -> SignerRole:
    try:
        signer = SignerRole(role)
    except ValueError:
        abort(404)
    if signer not in services.required_roles(visit):
        abort(404)
    return signer


@bp.route("/<uuid:visit_uuid>/samtykke/<role>", methods=["GET", "POST"])
@role_required(Role.JOBFORMIDLER)
def consent(visit_uuid: uuid_lib.UUID, role: str) -> ResponseReturnValue:
    """For a signer who cannot draw: the jobformidler records how consent was given instead."""
    visit = _visit_or_404(visit_uuid, write=True)
    signer = _role_or_404(visit, role)
    form = ConsentForm(data={"name": signing.default_name(visit, signer)})
    if form.validate_on_submit():
        try:
            result = services.record_consent(visit, signer, form.name.data, form.note.data, current_user)
        except services.SignatureError as error:
            form.form_errors.append(str(services.SIGNATURE_MESSAGES[str(error)]))
        else:
            if result.outcome == services.Outcome.CONFLICT:
                form.form_errors.append(
                    _("%(name)s has already signed for this role.", name=result.signature.signer_name)
                )
            else:
                if result.now_signed:
                    finish_signed_visit(visit)
                flash(_("The consent of %(name)s is recorded.", name=result.signature.signer_name), "success")
                return redirect(url_for("visits.detail", visit_uuid=visit.uuid), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("visits/consent.html", visit=visit, role=signer, form=form), status


@bp.post("/<uuid:visit_uuid>/underskrivningslink/<role>")
@role_required(Role.JOBFORMIDLER)
def signing_link(visit_uuid: uuid_lib.UUID, role: str) -> ResponseReturnValue:
    """A single-use link (and QR code) so the company can sign on its own tablet."""
    visit = _visit_or_404(visit_uuid, write=True)
    signer = _role_or_404(visit, role)
    hours = current_app.config.get("SIGNING_TOKEN_HOURS", 24)
    token = signing.issue_token(visit, signer, current_user, timedelta(hours=hours))
    link = url_for("signing.page", token=token, _external=True)
    return render_template(
        "visits/signing_link.html",
        visit=visit,
        role=signer,
        link=link,
        qr=signing.qr_data_uri(link),
        hours=hours,
    )


@bp.post("/<uuid:visit_uuid>/referat")
@role_required(Role.JOBFORMIDLER)
def make_summary(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """ "Prøv igen": queue the sealed summary of a signed visit again after making it failed."""
    visit = _visit_or_404(visit_uuid, write=True)
    state = retry_summary(visit)
    if request.htmx:
        return _summary_fragment(visit, state, can_edit=True), VARY
    return redirect(url_for("visits.detail", visit_uuid=visit.uuid), code=303)


@bp.get("/<uuid:visit_uuid>/referat-status")
@login_required
def summary_status(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """The summary's state as a fragment, polled by the visit page while the summary is being made."""
    # The fragment shows the summary's state, none of the citizen's data, and the visit page that polls
    # it logged its own read: a poll every two seconds is not a new use of the data to log.
    visit = _visit_or_404(visit_uuid, log=False)
    can_edit = visit.placement.citizen.jobformidler_id == current_user.id
    # Only read: a poll every few seconds must not queue the job again each time.
    return _summary_fragment(visit, summary_state(visit), can_edit), VARY


def _summary_fragment(visit: Visit, state: SummaryState, can_edit: bool) -> str:
    return render_template("visits/_summary_status.html", visit=visit, summary=state, can_edit=can_edit)
