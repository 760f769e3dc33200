"""Visits, their signatures, signing tokens, rendered documents and deliveries."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, str_enum, updated_at_column
from app.models.placement import HOURS

if TYPE_CHECKING:
    from app.models.checklist import ChecklistTemplate
    from app.models.placement import Placement, ScheduledVisit
    from app.models.user import User


# A device clock further than this from the server's when it sends is noted on the visit's page.
CLOCK_SKEW_TOLERANCE_SECONDS = 15 * 60


def clock_skew_noted(skew_seconds: int | None) -> bool:
    return skew_seconds is not None and abs(skew_seconds) > CLOCK_SKEW_TOLERANCE_SECONDS


class VisitState(enum.StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"
    SIGNED = "signed"
    DELIVERED = "delivered"


class VisitKind(enum.StrEnum):
    FOLLOW_UP = "follow_up"
    MIDWAY = "midway"  # the course's mid-way evaluation
    FINAL = "final"  # the end evaluation


class ConvertAnswer(enum.StrEnum):
    """Can internship hours be converted to ordinary paid hours?"""

    YES = "yes"
    PARTLY = "partly"
    NO = "no"
    NOT_DISCUSSED = "not_discussed"


class SignerRole(enum.StrEnum):
    COMPANY_CONTACT = "company_contact"
    CITIZEN = "citizen"
    JOBFORMIDLER = "jobformidler"


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the device when the visit is opened: the idempotency key of the sync API.
    uuid: Mapped[uuid.UUID] = mapped_column(sa.Uuid, unique=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"))
    scheduled_visit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scheduled_visits.id"), index=True)
    template_id: Mapped[int] = mapped_column(sa.ForeignKey("checklist_templates.id"))
    performed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[VisitKind] = mapped_column(str_enum(VisitKind), default=VisitKind.FOLLOW_UP)
    on_site: Mapped[bool] = mapped_column(default=True)
    present: Mapped[str | None] = mapped_column(sa.Text)
    # {item_key: {"rating": "good", "note": "..."}}
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    paid_hours_per_week: Mapped[Decimal | None] = mapped_column(HOURS)
    internship_hours_per_week: Mapped[Decimal | None] = mapped_column(HOURS)
    # Were ordinary paid hours discussed at this visit? (A programme indicator: at least 9 in 10.)
    hours_discussed: Mapped[bool] = mapped_column(default=False)
    can_convert: Mapped[ConvertAnswer | None] = mapped_column(str_enum(ConvertAnswer))
    hours_note: Mapped[str | None] = mapped_column(sa.Text)
    # [{"what": "...", "who": "...", "due": "2026-12-01"}]
    actions: Mapped[list] = mapped_column(sa.JSON, default=list)
    next_visit_date: Mapped[date | None]
    state: Mapped[VisitState] = mapped_column(str_enum(VisitState), default=VisitState.DRAFT, index=True)
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The body the device sent, bound to the content it gave (services.submission_hash): an identical
    # replay is recognised by it without building the visit form again.
    submission_hash: Mapped[str | None] = mapped_column(sa.String(64))
    addendum_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visits.id"))
    # The device's clock is part of the record (shared/DESIGN.md, "Time"): when the visit was started and
    # completed there, with the device's UTC offset; the server's receipt time beside them, and how far
    # the device's clock was from the server's when it sent the visit (device minus server).
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    device_utc_offset: Mapped[int | None] = mapped_column(sa.SmallInteger)  # minutes east of UTC
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clock_skew_seconds: Mapped[int | None]
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the summary job last failed, in Danish for the visit page; cleared when it is tried again.
    summary_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    placement: Mapped[Placement] = relationship(back_populates="visits")
    scheduled_visit: Mapped[ScheduledVisit | None] = relationship()
    template: Mapped[ChecklistTemplate] = relationship()
    performed_by: Mapped[User] = relationship()
    signatures: Mapped[list[Signature]] = relationship(
        back_populates="visit", order_by="Signature.signed_at", cascade="all, delete-orphan"
    )
    documents: Mapped[list[Document]] = relationship(back_populates="visit", order_by="Document.created_at")
    addendum_of: Mapped[Visit | None] = relationship(remote_side=[id])

    @property
    def clock_skew_noted(self) -> bool:
        """The device's clock was off by more than the tolerance when it sent the visit: the page says so."""
        return clock_skew_noted(self.clock_skew_seconds)

    @classmethod
    def chronological(cls) -> tuple:
        """The one order of visits everywhere: when performed, then completed, then stored (a visit with
        no completion time counts as completed when performed, on every database alike)."""
        return (cls.performed_at, sa.func.coalesce(cls.completed_at, cls.performed_at), cls.id)

    def sort_key(self) -> tuple:
        """chronological() for visits in memory."""
        return (self.performed_at, self.completed_at or self.performed_at, self.id or 0)

    @property
    def is_immutable(self) -> bool:
        return self.state in (VisitState.SIGNED, VisitState.DELIVERED)

    @property
    def content_locked(self) -> bool:
        """Someone has signed what the visit says: it cannot change under that signature. Before the
        last signature, the jobformidler can withdraw the signatures given so far and change it."""
        return self.is_immutable or bool(self.signatures)


# A course's visits in their one order (Visit.chronological): a course's last visit, and its last visit
# that reported hours, are one step into this index, however many visits share a time; the home page's
# "Seneste besøg" for every citizen reads its first two columns. It serves the foreign key too.
sa.Index("ix_visits_placement_chronological", Visit.placement_id, *Visit.chronological())


class Signature(db.Model):
    __tablename__ = "signatures"
    __table_args__ = (sa.UniqueConstraint("visit_id", "signer_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    signer_role: Mapped[SignerRole] = mapped_column(str_enum(SignerRole))
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    # signature_pad's point groups: the vector drawing, re-renderable at any size.
    strokes: Mapped[list] = mapped_column(sa.JSON)
    svg: Mapped[str] = mapped_column(sa.Text)
    # When it was drawn, by the device's clock (the server's time for old clients), with the device's UTC
    # offset; when the server received it, and the device's clock skew then (device minus server).
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    device_utc_offset: Mapped[int | None] = mapped_column(sa.SmallInteger)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clock_skew_seconds: Mapped[int | None]
    device: Mapped[str | None] = mapped_column(sa.String(200))
    via_token: Mapped[bool] = mapped_column(
        default=False, server_default=sa.false()
    )  # signed on the company's own device
    # A signer who cannot draw gives consent another way; the jobformidler records how (no strokes, no SVG).
    consent_note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The visit's content_hash when this signature was given: what the signer put their name to.
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))

    visit: Mapped[Visit] = relationship(back_populates="signatures")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def clock_skew_noted(self) -> bool:
        return clock_skew_noted(self.clock_skew_seconds)

    @property
    def is_recorded_consent(self) -> bool:
        return self.consent_note is not None


class SigningToken(db.Model):
    """A single-use, expiring link that lets the company sign on its own tablet without logging in."""

    __tablename__ = "signing_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    signer_role: Mapped[SignerRole] = mapped_column(str_enum(SignerRole))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 of the token
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_at_column()

    visit: Mapped[Visit] = relationship()


class Document(db.Model):
    """The rendered, sealed summary PDF of a visit."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One summary per visit, held by the database: two workers that make it at once cannot both store it.
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visits.id"), index=True, unique=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)  # of the sealed file as delivered
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sealed_by: Mapped[str | None] = mapped_column(sa.String(200))  # the certificate's subject
    # A short public id printed on the summary, so /verify can name the visit without personal data.
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    created_at: Mapped[datetime] = created_at_column()

    visit: Mapped[Visit] = relationship(back_populates="documents")
    deliveries: Mapped[list[Delivery]] = relationship(back_populates="document")


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # queued
    SENT = "sent"  # handed over (for Digital Post: accepted by it)
    FAILED = "failed"  # retried with backoff
    REFUSED = "refused"  # the channel said no for good (e.g. no Digital Post mailbox): the next channel
    NOT_POSSIBLE = "not_possible"  # the channel cannot address the recipient (no CPR number)


class Delivery(db.Model):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    recipient_role: Mapped[SignerRole] = mapped_column(str_enum(SignerRole))
    recipient_name: Mapped[str] = mapped_column(sa.String(120))
    address: Mapped[str] = mapped_column(sa.String(254))
    channel: Mapped[str] = mapped_column(sa.String(20), default="email")
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # A worker that is sending this delivery holds it until then, so a second job for it (a re-queue
    # by the sweep, a retry) does not send it again meanwhile; a worker that died lets go when it passes.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The MeMo's messageUUID: the same on every retry, so Digital Post drops a duplicate.
    message_uuid: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, unique=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()

    document: Mapped[Document] = relationship(back_populates="deliveries")
