"""Producing the sealed summary of a visit and handing it out."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid

import sqlalchemy as sa
from flask import abort
from sqlalchemy.exc import IntegrityError

from app.audit import services as audit
from app.extensions import db
from app.models import AuditAction, Document, User, Visit
from app.placements.services import get_placement
from app.reports import seal
from app.reports.pdf import render_summary

REFERENCE_PREFIX = "EV-"


def new_reference() -> str:
    """A short public id such as EV-K3QZ7M2A: 40 random bits, so references cannot be guessed or counted."""
    while True:
        reference = REFERENCE_PREFIX + base64.b32encode(secrets.token_bytes(5)).decode("ascii")
        if db.session.scalar(sa.select(Document.id).where(Document.reference == reference)) is None:
            return reference


def latest_document(visit: Visit) -> Document | None:
    return db.session.scalar(
        sa.select(Document)
        .where(Document.visit_id == visit.id)
        .order_by(Document.created_at.desc(), Document.id.desc())
        .limit(1)
    )


def produce_document(visit: Visit, commit: bool = True) -> Document:
    """Render, seal and store the visit's summary; the one already made is returned as it is.

    The visit's state is not touched: signing and delivery decide that. With `commit=False` the new
    document is only flushed, so that the caller stores its deliveries in the same transaction.
    """
    # Two workers making the same summary at once must not make two: PostgreSQL locks the visit's row
    # until the commit; on SQLite (no row locks) the unique visit_id of documents refuses the second.
    db.session.execute(sa.select(Visit.id).where(Visit.id == visit.id).with_for_update())
    existing = latest_document(visit)
    if existing is not None:
        return existing
    visit_id = visit.id
    reference = new_reference()
    sealed = seal.seal(render_summary(visit, reference))
    document = Document(
        visit=visit,
        pdf=sealed,
        sha256=hashlib.sha256(sealed).hexdigest(),
        sealed_by=seal.seal_key().subject,
        reference=reference,
    )
    db.session.add(document)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(sa.select(Document).where(Document.visit_id == visit_id))
        if existing is None:  # not the other summary: a real error
            raise
        return existing
    visit.summary_error = None
    audit.record(
        AuditAction.CREATE,
        "summary",
        citizen_ids=[visit.placement.citizen_id],
        object_type="document",
        object_id=document.id,
    )
    if commit:
        db.session.commit()
    return document


def summary_for_export(user: User, visit_uuid: uuid.UUID) -> Document:
    """The latest summary of a visit of a citizen the user may see; the read and the export are logged.

    Aborts with 404 for an unknown visit, another caseload's visit, or a visit without a summary yet.
    """
    visit = db.session.scalar(sa.select(Visit).where(Visit.uuid == visit_uuid))
    if visit is None:
        abort(404)
    get_placement(user, visit.placement_id, purpose="summary")
    document = latest_document(visit)
    if document is None:
        abort(404)
    audit.record(
        AuditAction.EXPORT,
        "summary",
        citizen_ids=[visit.placement.citizen_id],
        object_type="visit",
        object_id=visit.id,
        user=user,
    )
    db.session.commit()
    return document
