"""Writing the access log. Every use of a citizen's data goes through record()."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import AuditAction, AuditEvent, Team, User
from app.models.base import utcnow

# Why data was used, in words a citizen can read in their extract. Events store the key.
PURPOSES = {
    "caseload": _l("Overview of the caseload"),
    "citizen_page": _l("Citizen's page"),
    "placement": _l("Course and written agreement"),
    "visit": _l("Follow-up visit"),
    "calendar": _l("The job broker's calendar of planned visits"),
    "summary": _l("Visit summary"),
    "export": _l("Export"),
    "extract": _l("Extract for the citizen"),
    "review": _l("The supervisor's review of follow-up"),
    "access_log": _l("Check of the access log"),
    "transfer": _l("Transfer to another job broker"),
    # Calls, messages and meetings between visits, and their answers (app/contacts/).
    "contact": _l("Contact between visits"),
    "feedback": _l("Feedback on a follow-up visit"),
    "team_meeting": _l("Team meeting on ordinary hours"),
    # The CPR number entered, changed or removed, and each time it is read to address a Digital Post letter.
    "digital_post": _l("CPR number for Digital Post"),
    # Not a use of citizen data: changes to who may see what (accounts, roles, teams, passwords).
    "accounts": _l("User accounts"),
}


def purpose_label(key: str) -> str:
    return str(PURPOSES.get(key, key))


def event_values(
    action: AuditAction,
    purpose: str,
    *,
    object_type: str,
    search_term: str | None = None,
    user: User | None = None,
) -> dict[str, object]:
    """An event's values but its object and citizen: when, who (the request's user unless given), from
    which address, what and why."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown audit purpose {purpose!r}")
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    return {
        "at": utcnow(),
        "user_id": user.id if user else None,  # once: `current_user` is a proxy, dear for a 35-row page
        "action": action,
        "object_type": object_type,
        "purpose": purpose,
        "search_term": search_term[:200] if search_term else None,
        "ip_address": request.remote_addr if has_request_context() else None,
    }


def insert_for_rows(rows: sa.Select, object_id: str, citizen_id: str) -> sa.Insert:
    """An INSERT … SELECT of one event for each of `rows`, with its object and citizen from the row's
    columns of those names and the rest from parameters `audit_<column>` (`event_values`, given as
    `audit_params` makes them): a statement that reads a row can log its read in the same round trip
    (PostgreSQL's WITH … INSERT)."""
    table = AuditEvent.__table__
    given = [
        sa.bindparam(f"audit_{name}", type_=table.c[name].type).label(name)
        for name in _COLUMNS
        if name not in ("object_id", "citizen_id")
    ]
    source = rows.with_only_columns(
        *given, rows.selected_columns[object_id].label("object_id"), rows.selected_columns[citizen_id]
    )
    return sa.insert(table).from_select([*(c.name for c in given), "object_id", "citizen_id"], source)


def audit_params(values: dict[str, object]) -> dict[str, object]:
    """`event_values` as the parameters of `insert_for_rows`."""
    return {f"audit_{name}": value for name, value in values.items()}


def record(
    action: AuditAction,
    purpose: str,
    *,
    citizen_ids: Iterable[int | None] = (None,),
    object_type: str = "citizen",
    object_id: int | None = None,
    search_term: str | None = None,
    user: User | None = None,
) -> None:
    """Log one event per citizen: the caller's commit writes them with its own change.

    `purpose` is a key of PURPOSES: what the data was used for, shown in the citizen's extract.
    """
    values = event_values(action, purpose, object_type=object_type, search_term=search_term, user=user)
    values["object_id"] = object_id
    ids = list(citizen_ids)
    if not ids:
        return
    # Kept with the session until it commits, then written with every other event of the transaction
    # in one statement (`_write_kept`): a page's 35 citizens, and a visit's save with the read of its
    # course, each one INSERT. A rollback drops them with the rest of the transaction.
    db.session().info.setdefault(_KEPT, []).append((values, ids))


_KEPT = "audit_events"
_COLUMNS = (
    "at",
    "user_id",
    "action",
    "object_type",
    "object_id",
    "purpose",
    "search_term",
    "ip_address",
    "citizen_id",
)


@sa.event.listens_for(Session, "before_commit")
def _write_kept(session: Session) -> None:
    """The transaction's events, written before it commits, on its connection, past the ORM's handling
    of statements (these are the table's own INSERTs, no objects are made for the rows)."""
    kept = session.info.pop(_KEPT, None)
    if not kept:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        rows = [{**values, "citizen_id": c} for values, ids in kept for c in ids]
        connection.execute(_INSERT, rows)  # several rows in one statement (executemany)
    elif len(kept) == 1:  # one record(): its values once, an array of its citizens
        values, ids = kept[0]
        connection.execute(_INSERT_FOR_EACH_CITIZEN, {**values, "citizen_ids": ids})
    else:
        rows = [[values[name] for name in _COLUMNS[:-1]] + [c] for values, ids in kept for c in ids]
        connection.execute(_INSERT_ROWS, dict(zip(_COLUMNS, map(list, zip(*rows, strict=True)), strict=True)))


@sa.event.listens_for(Session, "after_transaction_end")
def _drop_kept(session: Session, transaction: sa.orm.SessionTransaction) -> None:
    """Events of a transaction that rolled back go with it (one that committed has written them)."""
    if transaction.parent is None:
        session.info.pop(_KEPT, None)


def _insert_for_each_citizen() -> sa.Insert:
    """PostgreSQL's INSERT … SELECT whose rows the database makes from an array of the citizens' ids, one
    row for each: one statement with nine parameters, whatever the number of citizens. A page of 12
    citizens as 12 rows of parameters was a quarter of the home page's cost, the database's and ours."""
    table = AuditEvent.__table__
    values = [sa.bindparam(name, type_=table.c[name].type) for name in _COLUMNS[:-1]]
    each = sa.func.unnest(sa.bindparam("citizen_ids", type_=postgresql.ARRAY(sa.Integer)))
    return sa.insert(table).from_select(list(_COLUMNS), sa.select(*values, each))


def _insert_rows() -> sa.Insert:
    """The same for the rows of several record()s: one array per column (unnest zips them)."""
    table = AuditEvent.__table__
    arrays = [
        sa.func.unnest(sa.bindparam(name, type_=postgresql.ARRAY(table.c[name].type))).label(name)
        for name in _COLUMNS
    ]
    return sa.insert(table).from_select(list(_COLUMNS), sa.select(*arrays))


_INSERT = sa.insert(AuditEvent.__table__)
_INSERT_FOR_EACH_CITIZEN = _insert_for_each_citizen()
_INSERT_ROWS = _insert_rows()


def record_account_change(action: AuditAction, subject: User | Team, by: User | None = None) -> None:
    """A change to an account or a team (creation, role, team, deactivation, password, unlock), logged
    beside the uses of citizen data so that the administrator can see who gave whom access, and when.
    The caller commits."""
    db.session.flush()  # a new account or team needs its id
    record(
        action,
        "accounts",
        object_type="team" if isinstance(subject, Team) else "user",
        object_id=subject.id,
        user=by,
    )


def purge_expired(retention_days: int) -> int:
    """Delete events older than the retention period; returns how many went."""
    cutoff = utcnow() - timedelta(days=retention_days)
    result = db.session.execute(sa.delete(AuditEvent).where(AuditEvent.at < cutoff))
    db.session.commit()
    return result.rowcount
