"""Whose citizens a supervision query covers: a set of jobformidler user ids, or None for all.

Every supervision query restricts by the citizen's *current* jobformidler (`Citizen.jobformidler_id`), so a
supervisor's drill-down never lists a citizen outside the caseloads `visible_citizens` lets them see.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import Citizen, Role, User

Scope = Collection[int] | None


def scope_of(user: User) -> frozenset[int]:
    """The scope a user may review, matching `visible_citizens`: a supervisor their team's members, a
    jobformidler themselves, anyone else nobody."""
    if user.role == Role.JOBFORMIDLER:
        return frozenset({user.id})
    if user.role == Role.SUPERVISOR and user.team_id is not None:
        return frozenset(db.session.scalars(sa.select(User.id).where(User.team_id == user.team_id)))
    return frozenset()


def in_scope(scope: Scope, citizen: Any = Citizen) -> sa.ColumnElement[bool]:
    """The citizens (or an alias of them) whose jobformidler is in `scope` (all citizens for None)."""
    if scope is None:
        return sa.true()
    return citizen.jobformidler_id.in_(sorted(scope))
