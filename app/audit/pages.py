"""Pages that show citizens' data: rendered, then that use of the data logged (one event per citizen)."""

from __future__ import annotations

from flask import render_template

from app.audit import services as audit
from app.extensions import commit_keeping_loaded
from app.models import AuditAction


def shown_and_logged(
    template: str,
    context: dict,
    *,
    citizen_ids: list[int],
    object_type: str,
    action: AuditAction = AuditAction.READ,
    purpose: str = "review",
    search_term: str | None = None,
) -> str:
    """Render a page that shows citizens' data, then log that use of it (one event per citizen shown;
    one with no citizen when the page shows none, so that a search that found nothing is logged too).

    Rendered before the log is committed: a commit expires the loaded rows, and reloading them one by one
    would cost more than the page.
    """
    body = render_template(template, **context)
    logged(citizen_ids, object_type=object_type, action=action, purpose=purpose, search_term=search_term)
    return body


def logged(
    citizen_ids: list[int],
    *,
    object_type: str,
    action: AuditAction = AuditAction.READ,
    purpose: str = "review",
    search_term: str | None = None,
) -> None:
    """Log the use of citizens' data by a page just made (as `shown_and_logged`), and commit."""
    audit.record(
        action,
        purpose,
        citizen_ids=citizen_ids or [None],
        object_type=object_type,
        search_term=search_term,
    )
    # The page is made and the request ends: the rows it read stay loaded for the response's hooks.
    commit_keeping_loaded()
