"""The team's visit history: filters, pages, the CSV export and the journal note.

Scope is the reviewer's: a supervisor sees the visits of their team's citizens (app.caseload.services
.visible_citizens). Listing visits is a use of the citizens' data, so the views log each page shown.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from sqlalchemy.orm import contains_eager, selectinload

from app.caseload.services import visible_citizens
from app.core.formatting import date_short, hours
from app.core.labels import CONVERT, VISIT_KIND, VISIT_STATE, delivery_label
from app.core.timeutil import zone
from app.extensions import db
from app.models import (
    Citizen,
    Company,
    Delivery,
    Document,
    Placement,
    Role,
    SignerRole,
    User,
    Visit,
    VisitState,
    Workplace,
)
from app.supervision.paging import Page, count_and_clamp

PAGE_SIZE = 25
# What the history can be narrowed to; a draft never reaches the server, so it is not offered.
STATES = (VisitState.COMPLETED, VisitState.SIGNED, VisitState.DELIVERED)


@dataclass(frozen=True)
class HistoryFilter:
    jobformidler_id: int | None = None
    citizen: str = ""  # part of a name or a case reference
    company: str = ""  # part of a company name, or its CVR number
    date_from: date | None = None  # local days, both ends included
    date_to: date | None = None
    state: VisitState | None = None

    @property
    def is_empty(self) -> bool:
        return self == HistoryFilter()

    @property
    def search_term(self) -> str | None:
        """What was searched for by name, for the access log ("Søgt" with the term); None if nothing."""
        parts = [
            f"{label}: {text.strip()}"
            for label, text in (("borger", self.citizen), ("virksomhed", self.company))
            if text.strip()
        ]
        return "; ".join(parts) or None


def team_members(user: User) -> list[User]:
    """The jobformidlere whose visits the reviewer sees, by name."""
    if user.team_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.team_id == user.team_id, User.role == Role.JOBFORMIDLER)
            .order_by(User.full_name)
        )
    )


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, zone())


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def citizen_matches(text: str) -> sa.ColumnElement[bool]:
    """A citizen whose name or case reference holds the text (any case; % and _ are plain characters)."""
    pattern = _like(text)
    name = sa.func.lower(Citizen.first_name + " " + Citizen.last_name)
    return sa.or_(name.like(pattern, escape="\\"), sa.func.lower(Citizen.case_ref).like(pattern, escape="\\"))


def history_query(user: User, f: HistoryFilter) -> sa.Select:
    """The visits `user` may review that match the filter, newest first."""
    query = (
        sa.select(Visit)
        .join(Visit.placement)
        .join(Placement.citizen)
        .join(Placement.workplace)
        .join(Workplace.company)
        .where(Citizen.id.in_(visible_citizens(user).with_only_columns(Citizen.id)))
        .where(Visit.state != VisitState.DRAFT)
    )
    if f.jobformidler_id:
        query = query.where(Visit.performed_by_id == f.jobformidler_id)
    if f.citizen.strip():
        query = query.where(citizen_matches(f.citizen))
    if f.company.strip():
        digits = "".join(ch for ch in f.company if ch.isdigit())
        condition = sa.func.lower(Company.name).like(_like(f.company), escape="\\")
        if len(digits) == 8:
            condition = sa.or_(condition, Company.cvr == digits)
        query = query.where(condition)
    if f.date_from:
        query = query.where(Visit.performed_at >= _local_midnight(f.date_from))
    if f.date_to:
        query = query.where(Visit.performed_at < _local_midnight(f.date_to + timedelta(days=1)))
    if f.state:
        query = query.where(Visit.state == f.state)
    return query.order_by(*(column.desc() for column in Visit.chronological()))


def _with_rows(query: sa.Select) -> sa.Select:
    return query.options(
        contains_eager(Visit.placement).contains_eager(Placement.citizen),
        contains_eager(Visit.placement).contains_eager(Placement.workplace).contains_eager(Workplace.company),
        selectinload(Visit.performed_by),
        selectinload(Visit.template),
        # The sealed file itself stays in the database: the list needs only its reference.
        selectinload(Visit.documents)
        .load_only(Document.id, Document.visit_id, Document.reference, Document.created_at)
        # Each recipient's channel and status, shown under the visit's state.
        .selectinload(Document.deliveries)
        .load_only(
            Delivery.id,
            Delivery.document_id,
            Delivery.recipient_role,
            Delivery.channel,
            Delivery.status,
        ),
    )


def history_page(user: User, f: HistoryFilter, number: int = 1, size: int | None = None) -> Page:
    """One page of the history (its rows are visits) and how many visits match in all."""
    size = size or PAGE_SIZE
    query = history_query(user, f)
    total, number = count_and_clamp(query, number, size)
    visits = list(db.session.scalars(_with_rows(query).limit(size).offset((number - 1) * size)).unique())
    return Page(visits, total, number, size)


def history_rows(user: User, f: HistoryFilter) -> list[Visit]:
    """Every matching visit, for the export."""
    return list(db.session.scalars(_with_rows(history_query(user, f))).unique())


# --- The export ----------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "Dato",
    "Borger",
    "Sagsreference",
    "Virksomhed",
    "CVR",
    "Arbejdssted",
    "Jobformidler",
    "Besøgstype",
    "På arbejdspladsen",
    "Ordinære timer pr. uge",
    "Praktiktimer pr. uge",
    "Ordinære timer drøftet",
    "Kan praktiktimer veksles",
    "Status",
    "Tjekliste (version)",
    "Referat (reference)",
    "Levering til virksomheden",
    "Levering til borgeren",
)


# A spreadsheet reads a cell that starts with one of these as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> str:
    """The cell as text a spreadsheet shows as text: a leading formula character gets a quote before it
    (OWASP's advice), so a citizen or company named "=HYPERLINK(…)" is a name, not a link."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def history_csv(visits: list[Visit]) -> str:
    """The visits as CSV for a Danish spreadsheet: semicolons, decimal commas, a byte-order mark."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    with force_locale("da"):
        for v in visits:
            p = v.placement
            writer.writerow(
                spreadsheet_safe(cell)
                for cell in [
                    date_short(v.performed_at),
                    p.citizen.full_name,
                    p.citizen.case_ref,
                    p.workplace.company.name,
                    p.workplace.company.cvr,
                    p.workplace.name,
                    v.performed_by.full_name,
                    str(VISIT_KIND.get(v.kind, v.kind)),
                    "ja" if v.on_site else "nej",
                    hours(v.paid_hours_per_week),
                    hours(v.internship_hours_per_week),
                    "ja" if v.hours_discussed else "nej",
                    str(CONVERT.get(v.can_convert, "")) if v.can_convert else "",
                    str(VISIT_STATE.get(v.state, v.state)),
                    f"{v.template.name} (v{v.template.version})",
                    v.documents[-1].reference if v.documents else "",
                    _deliveries(v, SignerRole.COMPANY_CONTACT),
                    _deliveries(v, SignerRole.CITIZEN),
                ]
            )
    return out.getvalue()


def _deliveries(visit: Visit, role: SignerRole) -> str:
    """How the latest summary went to one recipient, each channel tried: "Digital Post, ikke mulig / E-mail,
    sendt"."""
    if not visit.documents:
        return ""
    deliveries = visit.documents[-1].deliveries
    tried = sorted((d for d in deliveries if d.recipient_role == role), key=lambda d: d.id)
    return " / ".join(delivery_label(d) for d in tried)


def journal_note(visit: Visit) -> str:
    """The visit as plain text for the municipality's case system (always in Danish, like the summary)."""
    with force_locale("da"):
        text = render_template("supervision/journal_note.txt", visit=visit)
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # Collapse runs of blank lines left by the template's conditionals.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out) + "\n"
