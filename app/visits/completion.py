"""What happens when the last required signature is in: the sealed summary is made and sent."""

from __future__ import annotations

import logging
import threading

from flask import current_app

from app.delivery.services import attempt, deliver_document, plan_deliveries
from app.extensions import db
from app.models import Delivery, DeliveryStatus, Visit
from app.reports.services import produce_document

log = logging.getLogger(__name__)


def finish_signed_visit(visit: Visit) -> threading.Thread | None:
    """Render and seal the summary, then deliver it. A failure here never loses the signatures: the
    visit stays signed, the page offers to make the summary again, and deliveries are retried.

    The summary is made before the answer, so the visit page can offer the PDF at once (render and seal
    take about 0.35 s for two pages; see bench/pdf.py). Sending waits on mail servers, so with
    DELIVER_IN_BACKGROUND it runs after the answer in a thread; deliveries are committed first as
    pending, and `flask deliveries` (cron) sends any that a stopped worker left.
    Returns the thread, if one was started.
    """
    try:
        document = produce_document(visit)
    except Exception:  # the signing itself succeeded; the summary can be made again from the visit page
        log.exception("summary for visit %s could not be produced", visit.uuid)
        return None
    if not current_app.config.get("DELIVER_IN_BACKGROUND", True):
        deliver_document(document)
        return None
    ids = [d.id for d in plan_deliveries(document) if d.status == DeliveryStatus.PENDING]
    thread = threading.Thread(
        target=_send, args=(current_app._get_current_object(), ids), name="deliver-summary", daemon=True
    )
    thread.start()
    return thread


def _send(app, delivery_ids: list[int]) -> None:
    with app.app_context():
        try:
            for delivery_id in delivery_ids:
                delivery = db.session.get(Delivery, delivery_id)
                if delivery is not None and delivery.status == DeliveryStatus.PENDING:
                    attempt(delivery)
        except Exception:  # cron retries what is left pending or failed
            log.exception("sending summaries failed")
        finally:
            db.session.remove()
