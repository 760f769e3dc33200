"""Pages for contacts between visits, feedback on visits and team meetings. The contact form is sent
through the device's outbox to the sync API (PUT /api/v1/contacts/<uuid>), like a visit."""

from __future__ import annotations

import uuid as uuid_lib
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from app.audit.pages import shown_and_logged
from app.auth.access import role_required
from app.caseload.services import current_placement, get_citizen, visible_citizens
from app.contacts import services
from app.contacts.forms import CHANNEL_LABELS, AnswerForm, ContactForm, FeedbackForm, TeamMeetingForm
from app.core.timeutil import local_now, local_today
from app.extensions import db
from app.models import Citizen, Role, TeamMeeting, User
from app.placements.services import get_placement
from app.visits.services import find as find_visit

bp = Blueprint("contacts", __name__)
VARY = {"Vary": "HX-Request"}


@bp.app_template_filter("contact_channel")
def contact_channel(value: str) -> str:
    return str(CHANNEL_LABELS.get(value, value))


@bp.app_template_filter("duration")
def duration(value: timedelta) -> str:
    """A time left or overdue, in whole hours and minutes: "3 t. 20 min."."""
    minutes = int(abs(value.total_seconds()) // 60)
    return _("%(hours)d h %(minutes)d min", hours=minutes // 60, minutes=minutes % 60)


@bp.route("/borgere/<int:citizen_id>/kontakt")
@role_required(Role.JOBFORMIDLER)
def new(citizen_id: int) -> ResponseReturnValue:
    """The contact form for one of the user's own citizens; the device sends it through its outbox."""
    citizen = get_citizen(current_user, citizen_id, "contact")
    if citizen.jobformidler_id != current_user.id:
        abort(404)
    placement = current_placement(citizen)
    now = local_now()
    form = ContactForm(
        formdata=None,
        data={
            "citizen_id": citizen.id,
            "placement_id": placement.id if placement else "",
            "came_in_on": now.date(),
            "came_in_time": now.time().replace(second=0, microsecond=0),
        },
    )
    return render_template("contacts/form.html", form=form, citizen=citizen, placement=placement)


@bp.post("/kontakter/<int:citizen_contact_id>/svar")
@role_required(Role.JOBFORMIDLER)
def answer(citizen_contact_id: int) -> ResponseReturnValue:
    """Record the answer to a contact, with the time now; htmx swaps the row out of "Venter på svar"."""
    contact = services.get_contact(current_user, citizen_contact_id, write=True)
    form = AnswerForm()
    if not form.validate():
        db.session.commit()
        return render_template("contacts/_waiting_row.html", contact=contact, form=form, now=local_now()), 422
    answered = services.answer(contact, current_user, form.note.data)
    if not answered:
        db.session.commit()  # the read is logged; it was answered before
    if request.htmx:
        return render_template("contacts/_answered.html", contact=contact), VARY
    if answered:
        flash(_("The answer was recorded."), "success")
    back = request.form.get("next", "")
    if not back.startswith("/") or back.startswith("//"):  # only a page of this site
        back = url_for("caseload.citizen", citizen_id=contact.citizen_id)
    return redirect(back, 303)


@bp.route("/besoeg/<uuid:visit_uuid>/sparring", methods=["GET", "POST"])
@login_required
def feedback(visit_uuid: uuid_lib.UUID) -> ResponseReturnValue:
    """Feedback on a visit ("sparring"): the leder gives it; the jobformidler records a colleague who took
    part. Never part of the citizen's summary."""
    visit = find_visit(visit_uuid)
    if visit is None or current_user.role not in (Role.SUPERVISOR, Role.JOBFORMIDLER):
        abort(404)
    get_placement(current_user, visit.placement_id, purpose="feedback")
    colleagues = _colleagues(visit.performed_by)
    form = FeedbackForm()
    if current_user.role == Role.JOBFORMIDLER:
        form.given_by.choices = [SelectChoice(u.id, u.full_name) for u in colleagues]
    else:
        del form.given_by
    if request.method == "POST" and form.validate():
        giver = (
            current_user if current_user.role == Role.SUPERVISOR else db.session.get(User, form.given_by.data)
        )
        if giver is None or not services.may_give_feedback(giver, visit):
            abort(404)
        services.add_feedback(visit, giver, bool(form.took_part.data), form.feedback.data)
        flash(_("The feedback was recorded."), "success")
        return redirect(url_for("contacts.feedback", visit_uuid=visit.uuid), 303)
    context = {"visit": visit, "form": form, "items": services.feedback_of(visit)}
    return shown_and_logged(
        "contacts/feedback.html",
        context,
        citizen_ids=[visit.placement.citizen_id],
        object_type="visit_feedback",
        purpose="feedback",
    ), (422 if form.errors else 200)


def _colleagues(user: User) -> list[User]:
    """The jobformidler's team mates who may be recorded as giving feedback."""
    if user.team_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.team_id == user.team_id, User.id != user.id, User.is_active_account.is_(True))
            .order_by(User.full_name)
        )
    )


@bp.route("/leder/teammoeder", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def team_meetings() -> ResponseReturnValue:
    """The team's meetings, and a new one with the citizens whose ordinary hours were discussed."""
    citizens = list(
        db.session.scalars(visible_citizens(current_user).order_by(Citizen.first_name, Citizen.last_name))
    )
    form = TeamMeetingForm()
    form.citizens.choices = [SelectChoice(c.id, c.full_name) for c in citizens]
    if current_user.team_id is None:
        abort(404)
    if request.method == "GET":
        form.held_on.data = local_today()
    if request.method == "POST" and form.validate():
        chosen = [c for c in citizens if c.id in set(form.citizens.data)]
        meeting = services.record_team_meeting(
            current_user.team_id,
            form.held_on.data,
            chosen,
            current_user,
            bool(form.successes_discussed.data),
            form.note.data,
        )
        flash(_("The team meeting was recorded."), "success")
        return redirect(url_for("contacts.team_meeting", meeting_id=meeting.id), 303)
    context = {"form": form, "meetings": services.team_meetings(current_user.team_id)}
    return shown_and_logged(
        "contacts/team_meetings.html",
        context,
        citizen_ids=[c.id for c in citizens],
        object_type="team_meeting",
        purpose="team_meeting",
    ), (422 if form.errors else 200)


@bp.route("/leder/teammoeder/<int:meeting_id>")
@role_required(Role.SUPERVISOR)
def team_meeting(meeting_id: int) -> ResponseReturnValue:
    """One team meeting: each citizen's change in paid hours since the last meeting, courses completed."""
    meeting = db.session.get(TeamMeeting, meeting_id)
    if meeting is None or meeting.team_id != current_user.team_id:
        abort(404)
    lines = services.meeting_lines(meeting)
    return shown_and_logged(
        "contacts/team_meeting.html",
        {"meeting": meeting, "lines": lines},
        citizen_ids=[line.citizen.id for line in lines],
        object_type="team_meeting",
        purpose="team_meeting",
    )
