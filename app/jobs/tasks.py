"""The jobs: the sealed summary of a signed visit, each delivery, retention, and the sweep.

Each job is safe to run twice and at the same time as itself: what is done is read from the database
(a document exists, a delivery is sent or claimed), never assumed from the queue.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab

from app.delivery import services as delivery
from app.extensions import db
from app.jobs import job
from app.models import DeliveryStatus, Document, Visit, VisitState
from app.models.base import utcnow
from app.reports.services import produce_document

log = logging.getLogger(__name__)

# A summary that fails is tried this many times more, this far apart, before the visit page says so.
SUMMARY_RETRIES = 2
SUMMARY_RETRY_DELAY = 5


@job(retries=SUMMARY_RETRIES, retry_delay=SUMMARY_RETRY_DELAY, context=True)
def make_summary(visit_id: int, task=None) -> None:
    """Render and seal the summary of a signed visit (once), plan its deliveries and queue them."""
    visit = db.session.get(Visit, visit_id)
    if visit is None or not visit.is_immutable:
        return
    try:
        # The document and its deliveries are stored together: a worker that dies in between cannot
        # leave a summary that nobody is sent.
        document = produce_document(visit, commit=False)
        deliveries = delivery.plan_deliveries(document, commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        if task is None or not task.retries:  # the last try: the visit page offers "Prøv igen"
            log.exception("summary of visit %s failed; no more tries", visit_id)
            _record_failure(visit_id)
        raise
    for d in deliveries:
        if d.status == DeliveryStatus.PENDING:
            deliver(d.id)


def _record_failure(visit_id: int) -> None:
    visit = db.session.get(Visit, visit_id)
    if visit is None:
        return
    with force_locale("da"):
        visit.summary_error = _("The summary could not be made.")
    db.session.commit()


@job()
def deliver(delivery_id: int) -> None:
    """One attempt at one delivery; a failure queues the next attempt at its backoff time."""
    claimed = delivery.claim(delivery_id)
    if claimed is None:  # sent already, given up, or another worker is sending it now
        return
    delivery.attempt(claimed)
    if claimed.status == DeliveryStatus.FAILED and claimed.next_attempt_at is not None:
        deliver.schedule(args=(claimed.id,), eta=claimed.next_attempt_at)  # aware: Huey takes it as UTC


@job(periodic=crontab(hour="3", minute="15"))
def purge_access_log() -> int:
    """Delete access-log events older than AUDIT_RETENTION_DAYS."""
    from app.audit.services import purge_expired

    deleted = purge_expired(current_app.config["AUDIT_RETENTION_DAYS"])
    log.info("retention: deleted %d access-log events", deleted)
    return deleted


def visits_without_summary(now: datetime | None = None) -> list[int]:
    """Signed visits with no summary, signed longer than the grace ago, whose summary has not failed
    for good (those wait for a person's "Prøv igen")."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Visit.id)
            .where(
                Visit.state.in_((VisitState.SIGNED, VisitState.DELIVERED)),
                Visit.summary_error.is_(None),
                Visit.signed_at <= now - delivery.grace(),
                ~sa.exists().where(Document.visit_id == Visit.id),
            )
            .order_by(Visit.id)
        )
    )


@job(periodic=lambda timestamp: True)  # at every tick of the scheduler: SWEEP_SECONDS
def sweep() -> tuple[int, int]:
    """Queue again what should have been done by now: summaries not made, deliveries not sent."""
    visit_ids = visits_without_summary()
    for visit_id in visit_ids:
        make_summary(visit_id)
    delivery_ids = delivery.due_ids()
    for delivery_id in delivery_ids:
        deliver(delivery_id)
    if visit_ids or delivery_ids:
        log.info("sweep: queued %d summaries and %d deliveries again", len(visit_ids), len(delivery_ids))
    return len(visit_ids), len(delivery_ids)
