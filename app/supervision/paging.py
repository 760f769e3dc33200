"""Pages of a long list: how many rows match, and which page of them is shown."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.extensions import db


@dataclass
class Page:
    rows: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def count_and_clamp(query: sa.Select, number: int, size: int) -> tuple[int, int]:
    """How many rows the query has, and the asked-for page number kept within the pages there are."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, min(max(1, number), max(1, math.ceil(total / size)))
