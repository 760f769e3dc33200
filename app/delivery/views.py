"""A visit's deliveries: who got the summary, what failed, and sending it again."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.access import role_required
from app.core.formatting import date_short, datetime_short, time_short
from app.core.labels import SIGNER_ROLE
from app.core.timeutil import local_date, local_today
from app.delivery import services
from app.extensions import db
from app.models import Delivery, DeliveryStatus, Role, Visit
from app.placements.services import get_placement

bp = Blueprint("delivery", __name__)
VARY = {"Vary": "HX-Request"}

# The existing badge colours, green and grey. A failure is not a badge: its reason must be able to wrap.
STATUS_BADGE = {DeliveryStatus.SENT: "badge-delivered", DeliveryStatus.PENDING: "badge-planned"}


def readable_reason(error: str | None) -> str:
    """Why a delivery failed, in words for the job broker: never an exception's text such as
    "[Errno 111] Connection refused" (that detail is in the log). An SMTP reply keeps its code."""
    error = error or ""
    with force_locale("da"):
        switched_off = _("E-mail is switched off in this installation.")
    if error == switched_off:
        return _("E-mail is switched off in this installation.")
    if error.startswith("invalid address"):
        return _("the e-mail address cannot be used")
    code = re.match(r"([45])\d\d\b", error)
    if code and code.group(1) == "5":
        return _("the mail server refused the e-mail (%(code)s)", code=code.group(0))
    if code:
        return _("the mail server could not take the e-mail just now (%(code)s)", code=code.group(0))
    if error == "timeout":
        return _("the mail server did not answer in time")
    return _("the mail server could not be reached")


def status_text(delivery: Delivery) -> str:
    """ "Sendt 23.11.2026 14:05", "Fejlet: <reason>, nyt forsøg kl. 14:35" or "Venter"."""
    if delivery.status == DeliveryStatus.SENT:
        return _("Sent %(when)s", when=datetime_short(delivery.sent_at))
    if delivery.status == DeliveryStatus.PENDING:
        return _("Waiting")
    reason = readable_reason(delivery.last_error)
    retry = delivery.next_attempt_at
    if retry is None:
        return _("Failed: %(reason)s. No more automatic attempts.", reason=reason)
    if local_date(retry) == local_today():
        return _("Failed: %(reason)s, new attempt at %(time)s", reason=reason, time=time_short(retry))
    return _(
        "Failed: %(reason)s, new attempt %(date)s at %(time)s",
        reason=reason,
        date=date_short(retry),
        time=time_short(retry),
    )


def _fragment(visit: Visit, can_resend: bool, message: str | None = None) -> str:
    return render_template(
        "delivery/_deliveries.html",
        groups=[(doc, services.ordered(doc.deliveries)) for doc in reversed(visit.documents)],
        can_resend=can_resend and services.email_enabled(),
        email_enabled=services.email_enabled(),
        message=message,
        role_label=lambda role: str(SIGNER_ROLE.get(role, role)),
        status_text=status_text,
        status_badge=STATUS_BADGE,
    )


@bp.get("/besoeg/<uuid:visit_uuid>/leveringer")
@login_required
def list_for_visit(visit_uuid: uuid.UUID) -> ResponseReturnValue:
    """The visit's deliveries as a fragment; the citizen's own job broker also gets the resend buttons."""
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == visit_uuid)) or abort(404)
    placement = get_placement(current_user, visit.placement_id, "summary")
    return _fragment(visit, can_resend=placement.citizen.jobformidler_id == current_user.id)


@bp.post("/leveringer/<int:delivery_id>/send-igen")
@role_required(Role.JOBFORMIDLER)
def resend(delivery_id: int) -> ResponseReturnValue:
    """Send the summary to one recipient again (a new copy if it already went); own citizens only."""
    delivery = db.session.get(Delivery, delivery_id) or abort(404)
    visit = delivery.document.visit
    get_placement(current_user, visit.placement_id, "summary", write=True)
    if services.resend(delivery, user=current_user):
        message = _("The summary was sent again to %(name)s.", name=delivery.recipient_name)
    else:
        message = _("The summary could not be sent to %(name)s.", name=delivery.recipient_name)
    if request.htmx:
        return _fragment(visit, can_resend=True, message=message), VARY
    flash(message, "success" if delivery.status == DeliveryStatus.SENT else "error")
    return redirect(_back(), code=303), VARY


def _back() -> str:
    """Where the plain form post came from, if it was this site; else the home page."""
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        return referrer
    return "/"
