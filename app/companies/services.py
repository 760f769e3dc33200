"""Companies, workplaces and contact persons without HTTP: search, create, change, and choices for selects.

Companies are shared by the whole municipality (not part of a caseload), and hold no citizen data, so
reading them is not written to the citizens' access log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Company, ContactPerson, Workplace

COMPANY_FIELDS = ("cvr", "name", "address", "postcode", "city", "phone", "email")
WORKPLACE_FIELDS = ("name", "p_number", "address", "postcode", "city")
CONTACT_FIELDS = ("name", "title", "phone", "email", "workplace_id")


def normalise_cvr(value: str | None) -> str:
    """The CVR number as stored: every space removed, so that "1374 8136" becomes "13748136"."""
    return "".join((value or "").split())


def normalise_p_number(value: str | None) -> str:
    """The P-nummer as stored: every space removed, like a CVR number."""
    return "".join((value or "").split())


def _clean(data: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The known fields of `data`, text stripped and empty text stored as NULL."""
    cleaned = {}
    for name in fields:
        value = data.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[name] = value
    return cleaned


@dataclass
class CompanyRow:
    company: Company
    workplace_count: int


def search_companies(term: str = "") -> list[CompanyRow]:
    """Companies by name, each with its number of workplaces; `term` matches the name or the CVR number."""
    counts = (
        sa.select(Workplace.company_id, sa.func.count(Workplace.id).label("n"))
        .group_by(Workplace.company_id)
        .subquery()
    )
    query = (
        sa.select(Company, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.company_id == Company.id)
        .order_by(sa.func.lower(Company.name), Company.id)
    )
    term = term.strip()
    if term:
        conditions = [sa.func.lower(Company.name).like(f"%{_escape_like(term.lower())}%", escape="\\")]
        digits = normalise_cvr(term)
        if digits.isdigit():
            conditions.append(Company.cvr.like(f"%{digits}%"))
        query = query.where(sa.or_(*conditions))
    return [CompanyRow(company, count) for company, count in db.session.execute(query).all()]


def _escape_like(text: str) -> str:
    """A search term with LIKE's wildcards taken literally: "50%" does not match everything."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_company_by_cvr(cvr: str, exclude_id: int | None = None) -> Company | None:
    """The company registered with `cvr` (spaces ignored), other than `exclude_id`."""
    query = sa.select(Company).where(Company.cvr == normalise_cvr(cvr))
    if exclude_id is not None:
        query = query.where(Company.id != exclude_id)
    return db.session.scalar(query)


def find_workplace_by_p_number(p_number: str, exclude_id: int | None = None) -> Workplace | None:
    """The workplace registered with `p_number` (spaces ignored), other than `exclude_id`."""
    query = sa.select(Workplace).where(Workplace.p_number == normalise_p_number(p_number))
    if exclude_id is not None:
        query = query.where(Workplace.id != exclude_id)
    return db.session.scalar(query)


def create_company(data: Mapping[str, Any]) -> Company:
    """Register a company from validated form data; the CVR number is stored without spaces."""
    company = Company(**_company_values(data))
    db.session.add(company)
    db.session.commit()
    return company


def update_company(company: Company, data: Mapping[str, Any]) -> Company:
    """Store validated form data on `company` and commit."""
    for name, value in _company_values(data).items():
        setattr(company, name, value)
    db.session.commit()
    return company


def _company_values(data: Mapping[str, Any]) -> dict[str, Any]:
    values = _clean(data, COMPANY_FIELDS)
    values["cvr"] = normalise_cvr(values["cvr"])
    return values


def add_workplace(company: Company, data: Mapping[str, Any]) -> Workplace:
    """Add a workplace to `company` from validated form data and commit."""
    workplace = Workplace(company=company, **_workplace_values(data))
    db.session.add(workplace)
    db.session.commit()
    return workplace


def update_workplace(workplace: Workplace, data: Mapping[str, Any]) -> Workplace:
    """Store validated form data on `workplace` and commit."""
    for name, value in _workplace_values(data).items():
        setattr(workplace, name, value)
    db.session.commit()
    return workplace


def _workplace_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """A workplace's fields; the P-nummer without spaces, and NULL when none is given."""
    values = _clean(data, WORKPLACE_FIELDS)
    values["p_number"] = normalise_p_number(values["p_number"]) or None
    return values


def add_contact(company: Company, data: Mapping[str, Any]) -> ContactPerson:
    """Add a contact person to `company` from validated form data and commit.

    Raises ValueError if the chosen workplace belongs to another company.
    """
    values = _contact_values(company.id, data)
    contact = ContactPerson(company=company, **values)
    db.session.add(contact)
    db.session.commit()
    return contact


def update_contact(contact: ContactPerson, data: Mapping[str, Any]) -> ContactPerson:
    """Store validated form data on `contact` and commit.

    Raises ValueError if the chosen workplace belongs to another company.
    """
    for name, value in _contact_values(contact.company_id, data).items():
        setattr(contact, name, value)
    db.session.commit()
    return contact


def _contact_values(company_id: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """A contact person's fields; the workplace must be the company's, as the placement form trusts."""
    values = _clean(data, CONTACT_FIELDS)
    workplace_id = values["workplace_id"]
    if workplace_id is not None and workplace_id not in dict(workplace_choices(company_id)):
        raise ValueError(f"workplace {workplace_id} does not belong to company {company_id}")
    return values


def workplace_choices(company_id: int) -> list[tuple[int, str]]:
    """(id, "name, address, postcode city") for each of the company's workplaces, for a select box."""
    workplaces = db.session.scalars(
        sa.select(Workplace).where(Workplace.company_id == company_id).order_by(Workplace.name, Workplace.id)
    )
    return [(w.id, f"{w.name}, {w.full_address}") for w in workplaces]


def contact_choices(company_id: int) -> list[tuple[int, str]]:
    """(id, "name, title") for each of the company's contact persons, for a select box."""
    contacts = db.session.scalars(
        sa.select(ContactPerson)
        .where(ContactPerson.company_id == company_id)
        .order_by(ContactPerson.name, ContactPerson.id)
    )
    return [(c.id, f"{c.name}, {c.title}" if c.title else c.name) for c in contacts]
