"""Delivering a sealed summary: whom it goes to, sending it, retrying, and the visit's state after."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.audit import services as audit
from app.core.formatting import date_short
from app.core.timeutil import local_date
from app.delivery.channels import DeliveryError, OutgoingSummary, channel_for
from app.extensions import db
from app.models import AuditAction, Delivery, DeliveryStatus, Document, SignerRole, User, Visit, VisitState
from app.models.base import utcnow

# Waits after the 1st, 2nd, … failed attempt; the last one repeats. Short at first because most SMTP
# failures are greylisting or a server restart; capped so a long outage is still retried a few times a day.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
)
# After this many attempts (about a day and a half) a person has to look: the address is probably wrong.
MAX_ATTEMPTS = 10
# A planned delivery is sent at once; if that never happens (the process died), the retry run takes it
# after this long. Longer than any SMTP timeout, so the two never send the same delivery together.
PENDING_GRACE = timedelta(minutes=10)

VERIFY_ENDPOINT = "reports.verify"
RECIPIENT_ORDER = (SignerRole.COMPANY_CONTACT, SignerRole.CITIZEN)


def email_enabled() -> bool:
    """Does this installation send summaries by e-mail (DELIVERY_EMAIL_ENABLED)?"""
    return bool(current_app.config.get("DELIVERY_EMAIL_ENABLED", True))


def plan_deliveries(document: Document) -> list[Delivery]:
    """One delivery per recipient with an e-mail address: the course's contact person and the citizen.
    None while e-mail is switched off.

    Idempotent: a recipient who already has a delivery of this document does not get a second one.
    Returns all the document's deliveries.
    """
    if not email_enabled():
        return ordered(document.deliveries)
    placement = document.visit.placement
    wanted = []
    contact = placement.contact_person
    if contact is not None and contact.email:
        wanted.append((SignerRole.COMPANY_CONTACT, contact.name, contact.email))
    if placement.citizen.email:
        wanted.append((SignerRole.CITIZEN, placement.citizen.full_name, placement.citizen.email))
    planned = {d.recipient_role for d in document.deliveries}
    now = utcnow()
    for role, name, address in wanted:
        if role not in planned:
            db.session.add(
                Delivery(
                    document=document,
                    recipient_role=role,
                    recipient_name=name[:120],
                    address=address.strip(),
                    channel="email",
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now + PENDING_GRACE,
                )
            )
    db.session.commit()
    return ordered(document.deliveries)


def ordered(deliveries: list[Delivery]) -> list[Delivery]:
    """Contact person first, then the citizen, then by age."""
    return sorted(deliveries, key=lambda d: (RECIPIENT_ORDER.index(d.recipient_role), d.id))


def deliver_document(document: Document, user: User | None = None) -> list[Delivery]:
    """Plan the deliveries of a newly sealed summary and send each one not yet sent."""
    deliveries = plan_deliveries(document)
    for delivery in deliveries:
        if delivery.status != DeliveryStatus.SENT:
            attempt(delivery, user=user)
    return deliveries


def attempt(delivery: Delivery, *, now: datetime | None = None, user: User | None = None) -> bool:
    """Send the delivery once through its channel; True if it went. Records the outcome and commits.

    A failure schedules the next attempt with backoff. When every delivery of the document has gone,
    a signed visit becomes delivered. Each attempt is logged as an export of the citizen's data.
    """
    now = now or utcnow()
    # Composed and sent before anything is changed: no write transaction stays open (on SQLite it would
    # lock the database) while the mail server takes its time.
    switched_off = delivery.channel == "email" and not email_enabled()
    try:
        if switched_off:  # planned before e-mail was switched off: it does not go, now or later
            with force_locale("da"):
                raise DeliveryError(_("E-mail is switched off in this installation."))
        channel_for(delivery.channel).send(compose(delivery))
    except DeliveryError as exc:
        error: str | None = exc.reason
    else:
        error = None
    delivery.attempts += 1
    if error is None:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.last_error = None
        delivery.next_attempt_at = None
        _mark_delivered(delivery.document)
    else:
        # The technical detail is for the log (and the row); the page says it in Danish words.
        current_app.logger.warning("Delivery %s (%s) failed: %s", delivery.id, delivery.channel, error)
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = error[:1000]
        delivery.next_attempt_at = None if switched_off else next_attempt_at(delivery.attempts, now)
    audit.record(
        AuditAction.EXPORT,
        "summary",
        citizen_ids=[delivery.document.visit.placement.citizen_id],
        object_type="delivery",
        object_id=delivery.id,
        user=user,
    )
    db.session.commit()
    return error is None


def next_attempt_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once MAX_ATTEMPTS are used."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(attempts, len(BACKOFF)) - 1]


def _mark_delivered(document: Document) -> None:
    visit = document.visit
    if visit.state == VisitState.SIGNED and all(d.status == DeliveryStatus.SENT for d in document.deliveries):
        visit.state = VisitState.DELIVERED


def _due() -> sa.Select:
    return sa.select(Delivery).where(
        Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)),
        Delivery.next_attempt_at.is_not(None),
        Delivery.attempts < MAX_ATTEMPTS,
    )


def count_due(now: datetime) -> int:
    query = _due().where(Delivery.next_attempt_at <= now)
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


def retry_due(now: datetime | None = None) -> int:
    """Attempt every failed (or stranded pending) delivery whose next attempt is due; returns how many
    were sent. Run from cron every few minutes (`flask deliveries`)."""
    now = now or utcnow()
    due_ids = db.session.scalars(
        _due().with_only_columns(Delivery.id).where(Delivery.next_attempt_at <= now).order_by(Delivery.id)
    ).all()
    sent = 0
    for delivery_id in due_ids:
        # Claimed one at a time and re-checked under a row lock, so two overlapping cron runs never send
        # the same delivery twice (PostgreSQL; SQLite has no row locks and runs one writer anyway).
        delivery = db.session.scalar(
            _due()
            .where(Delivery.id == delivery_id, Delivery.next_attempt_at <= now)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        if delivery is not None:
            sent += attempt(delivery, now=now)
    db.session.commit()
    return sent


def resend(delivery: Delivery, user: User | None = None) -> bool:
    """Send now, whatever the schedule says; for a delivery already sent this is a new copy."""
    return attempt(delivery, user=user)


# --- The message -----------------------------------------------------------------------------------


def compose(delivery: Delivery) -> OutgoingSummary:
    """The covering e-mail, always in Danish (it goes to citizens and companies, not to the user).

    It says who sends, that the summary is attached and sealed, and where to answer, and nothing from
    the visit itself: e-mail is the less secure channel, and the PDF carries the content.
    """
    document = delivery.document
    visit: Visit = document.visit
    jobformidler = visit.placement.citizen.jobformidler
    municipality = current_app.config.get("MUNICIPALITY_NAME", "")
    with force_locale("da"):
        day = date_short(local_date(visit.performed_at))
        subject = _("Summary of follow-up visit %(date)s", date=day)
        if jobformidler.email:
            contact = _(
                "If you have questions about the summary, reply to this e-mail: your reply goes to the "
                "job broker %(name)s (%(email)s).",
                name=jobformidler.full_name,
                email=jobformidler.email,
            )
        else:
            contact = _(
                "If you have questions about the summary, contact the job broker %(name)s at the jobcentre. "
                "Replies to this e-mail are not read.",
                name=jobformidler.full_name,
            )
        paragraphs = [
            _("Dear %(name)s", name=delivery.recipient_name),
            _(
                "%(municipality)s sends you the summary of the follow-up visit on %(date)s. "
                "The summary is attached as a PDF file.",
                municipality=municipality,
                date=day,
            ),
            _(
                "The summary is sealed with a digital signature. You can check that it is genuine and "
                "unchanged at %(url)s (reference %(reference)s).",
                url=verify_url(),
                reference=document.reference,
            ),
            contact,
            _("Kind regards") + "\n" + municipality,
        ]
    return OutgoingSummary(
        recipient_name=delivery.recipient_name,
        recipient_address=delivery.address,
        subject=subject,
        body="\n\n".join(paragraphs) + "\n",
        pdf=document.pdf,
        filename=f"referat-{document.reference}.pdf",
        reply_to=jobformidler.email or None,
    )


def verify_url() -> str:
    """The public page where a summary's seal is checked, as an absolute address for the e-mail.

    BASE_URL wins: a retry from cron has no request to take the host from. Until the reports area
    has its verify page, the address is the planned /verify.
    """
    try:
        path = current_app.url_map.bind("localhost").build(VERIFY_ENDPOINT)
    except BuildError:
        path = "/verify"
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context():
        return request.host_url.rstrip("/") + request.script_root + path
    return path
