"""make_<model>(**overrides): small builders for test data (no SQL fixture files)."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.auth.services import hash_password
from app.core.timeutil import local_today
from app.extensions import db
from app.models import (
    Citizen,
    CitizenStatus,
    Company,
    Contact,
    ContactChannel,
    ContactParty,
    ContactPerson,
    Placement,
    PlacementKind,
    PlacementStatus,
    Purpose,
    Role,
    ScheduledVisit,
    Team,
    User,
    Visit,
    VisitState,
    Workplace,
    is_valid_cvr,
)
from app.models.base import utcnow
from app.visits.defaults import ensure_default_template

PASSWORD = "correct horse"
_seq = itertools.count(1)


def _save(obj: Any) -> Any:
    db.session.add(obj)
    db.session.commit()
    return obj


def valid_cvr(seed: int) -> str:
    """A CVR number with a correct modulus-11 check, different for each seed."""
    for candidate in range(10000000 + seed * 97, 99999999):
        if is_valid_cvr(str(candidate)):
            return str(candidate)
    raise AssertionError("no CVR found")


def make_team(**overrides: Any) -> Team:
    return _save(Team(**{"name": f"Team {next(_seq)}", **overrides}))


def make_user(role: Role = Role.JOBFORMIDLER, **overrides: Any) -> User:
    n = next(_seq)
    password = overrides.pop("password", PASSWORD)
    fields = {
        "username": f"user{n}",
        "full_name": f"Bruger Nummer{n}",
        "role": role,
        "password_hash": hash_password(password),
    }
    return _save(User(**{**fields, **overrides}))


def make_citizen(jobformidler: User, **overrides: Any) -> Citizen:
    n = next(_seq)
    fields = {
        "first_name": f"Borger{n}",
        "last_name": "Hansen",
        "case_ref": f"SAG-TEST-{n:05d}",
        "jobformidler": jobformidler,
        "status": CitizenStatus.IN_COURSE,
    }
    return _save(Citizen(**{**fields, **overrides}))


def make_company(**overrides: Any) -> Company:
    n = next(_seq)
    return _save(Company(**{"cvr": valid_cvr(n), "name": f"Virksomhed {n} ApS", **overrides}))


def make_workplace(company: Company | None = None, **overrides: Any) -> Workplace:
    n = next(_seq)
    fields = {
        "company": company or make_company(),
        "p_number": f"{1000000000 + n}",
        "name": f"Afdeling {n}",
        "address": f"Industrivej {n}",
        "postcode": "7400",
        "city": "Herning",
    }
    return _save(Workplace(**{**fields, **overrides}))


def make_contact(company: Company, **overrides: Any) -> ContactPerson:
    fields = {"company": company, "name": "Hanne Jensen", "phone": "20 30 40 50", "email": "hanne@example.dk"}
    return _save(ContactPerson(**{**fields, **overrides}))


def make_placement(citizen: Citizen, **overrides: Any) -> Placement:
    workplace = overrides.pop("workplace", None) or make_workplace()
    start = overrides.pop("start_date", local_today() - timedelta(days=30))
    fields = {
        "citizen": citizen,
        "workplace": workplace,
        "kind": PlacementKind.MIXED,
        "status": PlacementStatus.ACTIVE,
        "start_date": start,
        "agreement_date": start - timedelta(days=7),
        "purpose": Purpose.JOB,
        "paid_hours_per_week": Decimal("4"),
        "internship_hours_per_week": Decimal("11"),
    }
    return _save(Placement(**{**fields, **overrides}))


def make_scheduled_visit(placement: Placement, due_date: date, **overrides: Any) -> ScheduledVisit:
    return _save(ScheduledVisit(placement=placement, due_date=due_date, label="1m", **overrides))


def make_visit(placement: Placement, by: User, **overrides: Any) -> Visit:
    performed_at: datetime = overrides.pop("performed_at", utcnow())
    fields = {
        "uuid": uuid.uuid4(),
        "placement": placement,
        "template": ensure_default_template(),
        "performed_by": by,
        "performed_at": performed_at,
        "state": VisitState.COMPLETED,
        "paid_hours_per_week": Decimal("5"),
        "internship_hours_per_week": Decimal("10"),
    }
    return _save(Visit(**{**fields, **overrides}))


def make_citizen_contact(citizen: Citizen, by: User, **overrides: Any) -> Contact:
    """A contact between visits (not a ContactPerson: see make_contact), with its 24-hour deadline worked
    out as the service does when it needs an answer."""
    from app.contacts.services import configured_deadline

    came_in_at: datetime = overrides.pop("came_in_at", utcnow())
    needs_answer = overrides.pop("needs_answer", True)
    fields = {
        "uuid": uuid.uuid4(),
        "citizen": citizen,
        "party": ContactParty.CITIZEN,
        "channel": ContactChannel.PHONE,
        "came_in_at": came_in_at,
        "about": "Spørger til timerne",
        "needs_answer": needs_answer,
        "answer_due_at": configured_deadline(came_in_at) if needs_answer else None,
        "recorded_by": by,
        "content_hash": uuid.uuid4().hex,
        "received_at": utcnow(),
    }
    return _save(Contact(**{**fields, **overrides}))
