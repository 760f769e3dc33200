"""Companies (by CVR), their workplaces (by P-nummer) and contact persons."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import created_at_column

CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def is_valid_cvr(value: str) -> bool:
    """A CVR number is 8 digits, not starting with 0, whose weighted sum is divisible by 11."""
    if len(value) != 8 or not value.isascii() or not value.isdigit() or value[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(value, CVR_WEIGHTS, strict=True)) % 11 == 0


class Company(db.Model):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    cvr: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    postcode: Mapped[str | None] = mapped_column(sa.String(4))
    city: Mapped[str | None] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = created_at_column()

    workplaces: Mapped[list[Workplace]] = relationship(back_populates="company", order_by="Workplace.name")
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="company", order_by="ContactPerson.name"
    )

    def __repr__(self) -> str:
        return f"<Company {self.cvr} {self.name}>"


class Workplace(db.Model):
    """A production unit ("P-enhed") of a company: where the citizen works and is visited."""

    __tablename__ = "workplaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    # P-numbers are stored as given: some were issued with wrong check digits, so none is computed.
    p_number: Mapped[str | None] = mapped_column(sa.String(10), unique=True)
    name: Mapped[str] = mapped_column(sa.String(160))
    address: Mapped[str] = mapped_column(sa.String(200))
    postcode: Mapped[str] = mapped_column(sa.String(4))
    city: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = created_at_column()

    company: Mapped[Company] = relationship(back_populates="workplaces")

    @property
    def full_address(self) -> str:
        return f"{self.address}, {self.postcode} {self.city}"


class ContactPerson(db.Model):
    """The citizen's fixed contact person at the company ("kontaktperson")."""

    __tablename__ = "contact_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    workplace_id: Mapped[int | None] = mapped_column(sa.ForeignKey("workplaces.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = created_at_column()

    company: Mapped[Company] = relationship(back_populates="contacts")
    workplace: Mapped[Workplace | None] = relationship()
