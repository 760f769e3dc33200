"""The access log as reviewers read it, and a citizen's own extract of it.

An administrator searches the whole log; a supervisor the events about their team's citizens. The extract
tells a citizen when and why their data was used, by which kind of employee, never by whom by name.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import selectinload

from app.audit.services import purpose_label
from app.caseload.services import visible_citizens
from app.core.formatting import datetime_short
from app.core.labels import AUDIT_ACTION, ROLE
from app.extensions import db
from app.models import AuditAction, AuditEvent, Citizen, Role, Team, User
from app.supervision.history import _local_midnight, citizen_matches, spreadsheet_safe
from app.supervision.paging import Page, count_and_clamp

PAGE_SIZE = 50


@dataclass(frozen=True)
class AccessFilter:
    citizen: str = ""  # part of a name or a case reference
    user_id: int | None = None
    action: AuditAction | None = None
    date_from: date | None = None
    date_to: date | None = None


def reviewable_users(reviewer: User) -> list[User]:
    """Whose use of data the reviewer can look up: everyone for an administrator, the team otherwise."""
    query = sa.select(User).order_by(User.full_name)
    if reviewer.role != Role.ADMIN:
        query = query.where(User.team_id == reviewer.team_id) if reviewer.team_id else query.where(sa.false())
    return list(db.session.scalars(query))


def access_query(reviewer: User, f: AccessFilter) -> sa.Select:
    """Events the reviewer may see that match the filter, newest first, with the citizen when known."""
    query = sa.select(AuditEvent, Citizen).outerjoin(Citizen, Citizen.id == AuditEvent.citizen_id)
    if reviewer.role != Role.ADMIN:
        query = query.where(
            AuditEvent.citizen_id.in_(visible_citizens(reviewer).with_only_columns(Citizen.id))
        )
    if f.citizen.strip():
        query = query.where(citizen_matches(f.citizen))
    if f.user_id:
        query = query.where(AuditEvent.user_id == f.user_id)
    if f.action:
        query = query.where(AuditEvent.action == f.action)
    if f.date_from:
        query = query.where(AuditEvent.at >= _local_midnight(f.date_from))
    if f.date_to:
        query = query.where(AuditEvent.at < _local_midnight(f.date_to + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def access_page(reviewer: User, f: AccessFilter, number: int = 1, size: int | None = None) -> Page:
    """One page of the log (its rows are (event, citizen or None)) and how many events match in all."""
    size = size or PAGE_SIZE
    query = access_query(reviewer, f)
    total, number = count_and_clamp(query, number, size)
    rows = db.session.execute(
        query.options(selectinload(AuditEvent.user)).limit(size).offset((number - 1) * size)
    ).all()
    return Page([(event, citizen) for event, citizen in rows], total, number, size)


def subjects(rows: list) -> dict[tuple[str, int], str]:
    """The accounts and teams that account events name (purpose "accounts"), by (object_type, id)."""
    wanted = {
        kind: {e.object_id for e, _ in rows if e.object_type == kind and e.object_id}
        for kind in ("user", "team")
    }
    names: dict[tuple[str, int], str] = {}
    if wanted["user"]:
        for user in db.session.scalars(sa.select(User).where(User.id.in_(wanted["user"]))):
            names[("user", user.id)] = user.full_name
    if wanted["team"]:
        for team in db.session.scalars(sa.select(Team).where(Team.id.in_(wanted["team"]))):
            names[("team", team.id)] = team.name
    return names


# --- The citizen's extract ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExtractRow:
    at: str
    action: str
    purpose: str
    by: str  # the kind of employee, never a name


def extract_rows(citizen: Citizen) -> list[ExtractRow]:
    """When and why the citizen's data was used, oldest first, in Danish."""
    events = db.session.execute(
        sa.select(AuditEvent, User.role)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(AuditEvent.citizen_id == citizen.id)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    with force_locale("da"):
        return [
            ExtractRow(
                at=datetime_short(event.at),
                action=str(AUDIT_ACTION.get(event.action, event.action)),
                purpose=purpose_label(event.purpose),
                by=str(ROLE.get(role, "")) if role else "System",
            )
            for event, role in events
        ]


EXTRACT_COLUMNS = ("Tidspunkt", "Handling", "Formål", "Medarbejder (rolle)")


def extract_csv(rows: list[ExtractRow]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXTRACT_COLUMNS)
    for row in rows:
        writer.writerow(spreadsheet_safe(cell) for cell in (row.at, row.action, row.purpose, row.by))
    return out.getvalue()


def extract_pdf(citizen: Citizen, rows: list[ExtractRow], today: date, municipality: str) -> bytes:
    """The extract as a plain PDF letter (WeasyPrint), in Danish."""
    from weasyprint import HTML

    from app.contacts.services import contacts_of

    with force_locale("da"):
        html = render_template(
            "supervision/extract.html",
            citizen=citizen,
            rows=rows,
            today=today,
            municipality=municipality,
            # The contacts between visits recorded about the citizen: part of their data (issue 17).
            contacts=contacts_of(citizen),
        )
    return HTML(string=html).write_pdf()
