"""Delivering a sealed summary: whom it goes to, sending it, retrying, and the visit's state after."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.audit import services as audit
from app.contacts.services import hotline_text
from app.core import cpr
from app.core.formatting import date_short
from app.core.timeutil import local_date
from app.delivery.channels import (
    CHANNELS,
    DeliveryError,
    DeliveryNotPossible,
    DeliveryRefused,
    OutgoingSummary,
    channel_for,
    in_danish,
)
from app.extensions import db
from app.models import (
    AuditAction,
    Citizen,
    Delivery,
    DeliveryStatus,
    Document,
    Placement,
    SignerRole,
    User,
    Visit,
    VisitState,
)
from app.models.base import utcnow
from app.reports.pdf import verify_url

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
# A planned delivery is queued at once; if it is never sent (the worker died), the sweep queues it again
# after JOB_GRACE_SECONDS. A worker that sends a delivery claims it for as long, longer than any SMTP
# timeout, so that two jobs for the same delivery never send it together.


def grace() -> timedelta:
    """How long work may stay undone before the sweep takes it up again (JOB_GRACE_SECONDS)."""
    return timedelta(seconds=current_app.config.get("JOB_GRACE_SECONDS", 600))


RECIPIENT_ORDER = (SignerRole.COMPANY_CONTACT, SignerRole.CITIZEN)
DIGITAL_POST = "digital_post"
# What Delivery.address holds for a citizen's Digital Post: the number itself is read, encrypted, from
# the citizen at send time and is never copied onto a delivery.
CPR_ADDRESS = "CPR"
# A delivery that ended in one of these leaves the recipient to the next channel.
GAVE_UP = (DeliveryStatus.REFUSED, DeliveryStatus.NOT_POSSIBLE)


def email_enabled() -> bool:
    """Does this installation send summaries by e-mail (DELIVERY_EMAIL_ENABLED)?"""
    return bool(current_app.config.get("DELIVERY_EMAIL_ENABLED", True))


def channels() -> list[str]:
    """The channels this installation uses, in the order DELIVERY_CHANNELS gives (e-mail only while
    DELIVERY_EMAIL_ENABLED)."""
    names = current_app.config.get("DELIVERY_CHANNELS") or ()
    if isinstance(names, str):
        names = names.split(",")
    wanted = []
    for name in (n.strip() for n in names):
        if name in CHANNELS and name not in wanted and (name != "email" or email_enabled()):
            wanted.append(name)
    return wanted


def no_cpr_reason() -> str:
    return in_danish(_l("The citizen has no CPR number registered, so Digital Post is not possible."))


def _recipient(placement: Placement, role: SignerRole, channel: str) -> tuple[str, str] | str | None:
    """(name, address) of the recipient in `channel`; a reason when the channel cannot address them
    (recorded as "not possible"); None when the channel simply has nothing for them (no e-mail address)."""
    if role == SignerRole.COMPANY_CONTACT:
        contact = placement.contact_person
        if channel == DIGITAL_POST:
            # Digital Post goes to the CVR entity (its MitID Erhverv mailbox), the contact person named.
            company = placement.workplace.company
            return company.name, company.cvr
        if contact is not None and contact.email:
            return contact.name, contact.email
        return None
    citizen: Citizen = placement.citizen
    if channel == DIGITAL_POST:
        return (citizen.full_name, CPR_ADDRESS) if citizen.has_cpr else no_cpr_reason()
    return (citizen.full_name, citizen.email) if citizen.email else None


def plan_deliveries(document: Document, commit: bool = True) -> list[Delivery]:
    """One delivery per recipient (the course's company and contact person, and the citizen) in the first
    channel of DELIVERY_CHANNELS that can address them. A channel that cannot (Digital Post without a CPR
    number) is recorded as "not possible" with the reason, and the next channel is planned.

    Idempotent: a recipient with a delivery that is not given up (refused, not possible) gets no second
    one, and a channel already tried for a recipient is not planned again. Returns all the document's
    deliveries.
    """
    placement = document.visit.placement
    order = channels()
    now = utcnow()
    for role in RECIPIENT_ORDER:
        existing = [d for d in document.deliveries if d.recipient_role == role]
        if any(d.status not in GAVE_UP for d in existing):
            continue
        tried = {d.channel for d in existing}
        for channel in order:
            if channel in tried:
                continue
            found = _recipient(placement, role, channel)
            if found is None:
                continue
            delivery = Delivery(
                document=document,
                recipient_role=role,
                channel=channel,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now + grace(),
                message_uuid=uuid.uuid4() if channel == DIGITAL_POST else None,
            )
            if isinstance(found, str):
                delivery.recipient_name = _name_for(placement, role)[:120]
                delivery.address = CPR_ADDRESS
                delivery.status = DeliveryStatus.NOT_POSSIBLE
                delivery.last_error = found
                delivery.next_attempt_at = None
                db.session.add(delivery)
                continue
            name, address = found
            delivery.recipient_name = name[:120]
            delivery.address = address.strip()
            db.session.add(delivery)
            break
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return ordered(document.deliveries)


def _name_for(placement: Placement, role: SignerRole) -> str:
    if role == SignerRole.CITIZEN:
        return placement.citizen.full_name
    return placement.workplace.company.name


def ordered(deliveries: list[Delivery]) -> list[Delivery]:
    """Company and contact person first, then the citizen, each in the order the channels were tried."""
    return sorted(deliveries, key=lambda d: (RECIPIENT_ORDER.index(d.recipient_role), d.id))


def deliver_document(document: Document, user: User | None = None) -> list[Delivery]:
    """Plan the deliveries of a newly sealed summary and send each one not yet sent."""
    deliveries = plan_deliveries(document)
    for delivery in deliveries:
        if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            attempt(delivery, user=user)
    return ordered(document.deliveries)


def attempt(delivery: Delivery, *, now: datetime | None = None, user: User | None = None) -> bool:
    """Send the delivery once through its channel; True if it went. Records the outcome and commits.

    A failure schedules the next attempt with backoff. A refusal, or a channel that cannot address the
    recipient, gives the recipient to the next channel, which is tried at once. When every recipient has
    the summary, a signed visit becomes delivered. Each attempt is logged as an export of the citizen's
    data, and each reading of the citizen's CPR number for Digital Post as a use of its own.
    """
    now = now or utcnow()
    # Composed and sent before anything is changed: no write transaction stays open (on SQLite it would
    # lock the database) while the far side takes its time.
    switched_off = delivery.channel == "email" and not email_enabled()
    gave_up: DeliveryStatus | None = None
    try:
        if switched_off:  # planned before e-mail was switched off: it does not go, now or later
            raise DeliveryError(in_danish(_l("E-mail is switched off in this installation.")))
        channel_for(delivery.channel).send(compose(delivery, user=user))
    except DeliveryNotPossible as exc:
        error: str | None = exc.reason
        gave_up = DeliveryStatus.NOT_POSSIBLE
    except DeliveryRefused as exc:
        error = exc.reason
        gave_up = DeliveryStatus.REFUSED
    except DeliveryError as exc:
        error = exc.reason
    else:
        error = None
    delivery.attempts += 1
    delivery.claimed_until = None
    if error is None:
        delivery.status = DeliveryStatus.SENT
        delivery.sent_at = now
        delivery.last_error = None
        delivery.next_attempt_at = None
        _mark_delivered(delivery.document)
    else:
        # The technical detail is for the log (and the row); the page says it in Danish words. Digital
        # Post's reasons carry no CPR number: NgDP's own text is stored with its digits masked.
        current_app.logger.warning("Delivery %s (%s) failed: %s", delivery.id, delivery.channel, error)
        delivery.status = gave_up or DeliveryStatus.FAILED
        delivery.last_error = error[:1000]
        retry = not (switched_off or gave_up)
        delivery.next_attempt_at = next_attempt_at(delivery.attempts, now) if retry else None
    audit.record(
        AuditAction.EXPORT,
        "summary",
        citizen_ids=[delivery.document.visit.placement.citizen_id],
        object_type="delivery",
        object_id=delivery.id,
        user=user,
    )
    db.session.commit()
    if gave_up is not None:
        _fall_back(delivery, user=user)
    return error is None


def _fall_back(delivery: Delivery, user: User | None) -> None:
    """Plan and send the recipient's next channel after one that gave up."""
    document = delivery.document
    for planned in plan_deliveries(document):
        if planned.recipient_role == delivery.recipient_role and planned.status == DeliveryStatus.PENDING:
            attempt(planned, user=user)


def next_attempt_at(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None once MAX_ATTEMPTS are used."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[min(attempts, len(BACKOFF)) - 1]


def _mark_delivered(document: Document) -> None:
    """Delivered once each recipient has the summary through some channel."""
    visit = document.visit
    roles = {d.recipient_role for d in document.deliveries}
    has_it = {d.recipient_role for d in document.deliveries if d.status == DeliveryStatus.SENT}
    if visit.state == VisitState.SIGNED and roles and roles == has_it:
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
    were sent. The sweep job queues these one by one; `flask deliveries` sends them at once, by hand."""
    now = now or utcnow()
    sent = 0
    for delivery_id in due_ids(now):
        delivery = claim(delivery_id, now)
        if delivery is not None:
            sent += attempt(delivery, now=now)
    return sent


def claim(delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Take the delivery for one attempt, if it still needs one and no other worker holds it.

    One UPDATE decides, so two workers cannot both win, on PostgreSQL and SQLite alike. The claim is
    committed before anything is sent and ends with the attempt (or after `grace()`, if the worker died).
    """
    now = now or utcnow()
    claimed = db.session.execute(
        sa.update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.FAILED)),
            Delivery.next_attempt_at.is_not(None),
            Delivery.attempts < MAX_ATTEMPTS,
            sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
        )
        .values(claimed_until=now + grace())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.get(Delivery, delivery_id, populate_existing=True)


def due_ids(now: datetime | None = None) -> list[int]:
    """Deliveries whose next attempt is due and that no worker holds: what the sweep queues again."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            _due()
            .with_only_columns(Delivery.id)
            .where(
                Delivery.next_attempt_at <= now,
                sa.or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
            )
            .order_by(Delivery.id)
        )
    )


def resend(delivery: Delivery, user: User | None = None) -> bool:
    """Send now, whatever the schedule says; for a delivery already sent this is a new copy (for Digital
    Post with a new messageUUID, or Digital Post would drop it as a duplicate of the first)."""
    if delivery.status == DeliveryStatus.SENT and delivery.channel == DIGITAL_POST:
        delivery.message_uuid = uuid.uuid4()
    return attempt(delivery, user=user)


# --- The message -----------------------------------------------------------------------------------


def compose(delivery: Delivery, user: User | None = None) -> OutgoingSummary:
    """What the channel sends, always in Danish (it goes to citizens and companies, not to the user)."""
    if delivery.channel == DIGITAL_POST:
        return compose_digital_post(delivery, user=user)
    return compose_email(delivery)


def compose_digital_post(delivery: Delivery, user: User | None = None) -> OutgoingSummary:
    """The Digital Post letter: the sealed PDF as the main document, addressed by CPR (the citizen) or by
    CVR (the company, for the attention of the contact person).

    The citizen's CPR number is decrypted here, for this one send, and that use is written to the access
    log; the caller commits it with the attempt's outcome.
    """
    document = delivery.document
    placement: Placement = document.visit.placement
    citizen = placement.citizen
    if delivery.recipient_role == SignerRole.CITIZEN:
        if not citizen.has_cpr:
            raise DeliveryNotPossible(no_cpr_reason())
        try:
            address = cpr.decrypt(citizen.cpr_encrypted)
        except cpr.CprKeyError as exc:
            raise DeliveryError(
                in_danish(_l("The CPR number cannot be read with the configured key."))
            ) from exc
        audit.record(
            AuditAction.READ,
            "digital_post",
            citizen_ids=[citizen.id],
            object_type="cpr",
            object_id=delivery.id,
            user=user,
        )
        id_type, attention = "CPR", None
    else:
        address, id_type = placement.workplace.company.cvr, "CVR"
        contact = placement.contact_person
        attention = contact.name if contact is not None else None
    if delivery.message_uuid is None:  # planned before Digital Post had UUIDs: fixed from now on
        delivery.message_uuid = uuid.uuid4()
    with force_locale("da"):
        subject = _(
            "Summary of follow-up visit %(date)s", date=date_short(local_date(document.visit.performed_at))
        )
    return OutgoingSummary(
        recipient_name=delivery.recipient_name,
        recipient_address=address,
        subject=subject,
        body="",
        pdf=document.pdf,
        filename=f"referat-{document.reference}.pdf",
        recipient_id_type=id_type,
        attention_name=attention,
        case_ref=citizen.case_ref,
        message_uuid=delivery.message_uuid,
    )


def compose_email(delivery: Delivery) -> OutgoingSummary:
    """The covering e-mail.

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
            hotline_text(visit.placement, local_date(visit.performed_at)),
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
