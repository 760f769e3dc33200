"""What happens when the last required signature is in: the sealed summary is queued to be made.

Signing answers at once; a worker renders and seals the summary and sends it (app/jobs/tasks.py).
The visit page shows "being made" until the document exists, and the sweep re-queues any visit left
without one.
"""

from __future__ import annotations

import enum

from app.extensions import db
from app.jobs import enqueue_after_commit
from app.models import Document, Visit
from app.visits.services import StoredVisit


class SummaryState(enum.StrEnum):
    NONE = "none"  # not signed yet: no summary is due
    PENDING = "pending"  # queued or being made
    READY = "ready"
    FAILED = "failed"  # the last tries failed: a person can try again


def summary_state(visit: Visit | StoredVisit) -> SummaryState:
    """The summary's state; for a StoredVisit, from the values read with it."""
    if not visit.is_immutable:
        return SummaryState.NONE
    if isinstance(visit, StoredVisit):
        has_document = visit.has_document
    else:
        has_document = db.session.query(db.exists().where(Document.visit_id == visit.id)).scalar()
    if has_document:
        return SummaryState.READY
    return SummaryState.FAILED if visit.summary_error else SummaryState.PENDING


def finish_signed_visit(visit: Visit | StoredVisit) -> None:
    """Queue the summary of a visit just signed (the signature is committed before this is called)."""
    from app.jobs.tasks import make_summary

    enqueue_after_commit(make_summary, visit.id)


def ensure_summary(visit: Visit | StoredVisit) -> SummaryState:
    """A signed visit without its summary gets it queued (again): called when the device replays a
    visit or signature, and when the visit's page is opened, so that a summary lost with a killed
    process is made without waiting for the sweep. A failed one waits for "Prøv igen"."""
    state = summary_state(visit)
    if state == SummaryState.PENDING:
        finish_signed_visit(visit)
    return state


def retry_summary(visit: Visit) -> SummaryState:
    """ "Prøv igen": forget the last failure and queue the summary again."""
    if summary_state(visit) == SummaryState.FAILED:
        visit.summary_error = None
        db.session.commit()
        finish_signed_visit(visit)
    return summary_state(visit)
