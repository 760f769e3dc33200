"""Users, teams and log-in attempts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import UTCDateTime, created_at_column, str_enum


class Role(enum.StrEnum):
    JOBFORMIDLER = "jobformidler"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    created_at: Mapped[datetime] = created_at_column()

    members: Mapped[list[User]] = relationship(back_populates="team", order_by="User.full_name")

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


# The password hash of an account that has no password (it logs in through the IdP only).
NO_PASSWORD = "!"
# Where a User made from a kept copy (app.auth.user_cache), which holds no hash, notes whether it has one.
KEPT_HAS_PASSWORD = "_kept_has_password"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failures_reset_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # The secret in the user's personal calendar feed URL; renewing it invalidates the old URL.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The identity provider's stable identifier of the person (OIOSAML's persistent UUID, else the
    # persistent NameID), set at their first single sign-on; later log-ins find the account by it.
    sso_subject: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    # Made by a first single sign-on of someone unknown: off until an administrator completes and
    # switches the account on.
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = created_at_column()

    team: Mapped[Team | None] = relationship(back_populates="members")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def has_password(self) -> bool:
        """False for an account that logs in through the municipality's IdP only (made by its first
        single sign-on): it has no password here to change."""
        if "password_hash" not in self.__dict__ and KEPT_HAS_PASSWORD in self.__dict__:
            # A copy kept without its hash (app.auth.user_cache) knows this much; every page's header asks.
            return bool(self.__dict__[KEPT_HAS_PASSWORD])
        return self.password_hash != NO_PASSWORD

    @property
    def first_name(self) -> str:
        return self.full_name.split(" ", 1)[0]

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.username} ({self.role})>"


class LoginAttempt(db.Model):
    """Every log-in attempt, kept for the lock-out rule and for security review."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    succeeded: Mapped[bool]
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    # "password" or "sso"; for a refused single sign-on, why (app.auth.saml.Refusal).
    method: Mapped[str] = mapped_column(sa.String(16), default="password", server_default="password")
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    at: Mapped[datetime] = created_at_column()


class SamlRequest(db.Model):
    """An authentication request sent to the IdP and not yet answered.

    Kept in the database, not the session: the IdP's answer is a cross-site POST, which does not carry a
    SameSite=Lax session cookie. An answer is accepted once, for a request made here in the last
    SAML_REQUEST_MINUTES; that refuses replayed and unsolicited responses whichever browser sends them.
    """

    __tablename__ = "saml_requests"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    next_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = created_at_column()
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
