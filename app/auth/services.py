"""Passwords, log-in attempts and the lock-out rule."""

from __future__ import annotations

import contextlib
import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from app.audit.services import record_account_change
from app.auth import sessions
from app.core.timeutil import epoch_seconds
from app.extensions import db
from app.models import AuditAction, LoginAttempt, User
from app.models.base import utcnow

_hasher = PasswordHasher()
# Low-cost Argon2id for the test suite only (TestConfig.PASSWORD_HASH_FAST); same algorithm.
_fast_hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _current_hasher() -> PasswordHasher:
    return _fast_hasher if current_app.config.get("PASSWORD_HASH_FAST") else _hasher


def hash_password(password: str) -> str:
    return _current_hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_dummy_hashes: dict[bool, str] = {}


def _spend_a_verification(password: str) -> None:
    """Verify against a hash of nothing, as long as a real check takes: an unknown user name must not
    answer faster than a known one, or names could be found by timing."""
    fast = bool(current_app.config.get("PASSWORD_HASH_FAST"))
    if fast not in _dummy_hashes:
        _dummy_hashes[fast] = _current_hasher().hash(secrets.token_urlsafe(16))
    with contextlib.suppress(VerificationError, InvalidHashError):
        _hasher.verify(_dummy_hashes[fast], password)


class LoginError(enum.Enum):
    INVALID = "invalid"
    LOCKED = "locked"


@dataclass
class LoginResult:
    user: User | None = None
    error: LoginError | None = None
    locked_until: datetime | None = None


def _recent_failures(user: User, now: datetime) -> int:
    """Failed attempts within the window, counted from the last success or unlock."""
    since = now - timedelta(hours=current_app.config["LOGIN_FAILURE_WINDOW_HOURS"])
    last_success = db.session.scalar(
        sa.select(LoginAttempt.at)
        .where(LoginAttempt.user_id == user.id, LoginAttempt.succeeded.is_(True))
        .order_by(LoginAttempt.at.desc())
        .limit(1)
    )
    since = max(t for t in (since, last_success, user.failures_reset_at) if t is not None)
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            LoginAttempt.user_id == user.id,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.at > since,
        )
    )


def authenticate(username: str, password: str, ip_address: str | None = None) -> LoginResult:
    """Check a log-in. Too many failures within the window lock the account, even for the right password."""
    now = utcnow()
    username = username.strip().lower()
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.username) == username))

    def attempt(succeeded: bool) -> None:
        db.session.add(
            LoginAttempt(
                username=username[:64],
                user_id=user.id if user else None,
                succeeded=succeeded,
                ip_address=ip_address,
                at=now,
            )
        )

    if user is not None and user.locked_until is not None and user.locked_until > now:
        attempt(False)
        db.session.commit()
        return LoginResult(error=LoginError.LOCKED, locked_until=user.locked_until)

    if user is None:
        _spend_a_verification(password)
    if user is None or not user.is_active or not verify_password(user, password):
        attempt(False)
        db.session.flush()
        result = LoginResult(error=LoginError.INVALID)
        if user is not None and _recent_failures(user, now) >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            result = LoginResult(error=LoginError.LOCKED, locked_until=user.locked_until)
        db.session.commit()
        return result

    attempt(True)
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash) and not current_app.config.get("PASSWORD_HASH_FAST"):
        user.password_hash = hash_password(password)
    db.session.commit()
    return LoginResult(user=user)


MIN_PASSWORD_LENGTH = 10


class PasswordRejected(ValueError):
    """A new password that is too weak; the message says why, in the user's language."""


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why a new password is not good enough, in the user's language; None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if username and username.strip().lower() in password.lower():
        return _("The password must not contain the username.")
    if len(set(password)) < 4:
        return _("Use more different characters.")
    return None


def set_password(user: User, password: str, by: User | None = None) -> None:
    """A new password (by an administrator, or the user: `by`); it also lifts a lock-out, and ends the
    user's sessions on other devices (all of them when someone else set it): whoever knew the old
    password may have logged in with it."""
    problem = password_problem(password, user.username)
    if problem:
        raise PasswordRejected(problem)
    user.password_hash = hash_password(password)
    user.locked_until = None
    user.failures_reset_at = utcnow()
    record_account_change(AuditAction.UPDATE, user, by or user)
    db.session.commit()
    sessions.end_sessions_of(user.id, "password", keep_current=by is None or by.id == user.id)


def log_in(user: User) -> None:
    """Start the session of an authenticated user (password or SAML log-in): a new session id, so that
    an id known before the log-in is worth nothing, and nothing kept from before."""
    session.clear()
    sessions.regenerate()
    login_user(user)
    session["last_seen"] = epoch_seconds()
    session.permanent = True


def log_out() -> None:
    """End the present session on the server (a copy of its cookie no longer opens anything); the next
    page tells the device to wipe what it keeps for the user."""
    logout_user()
    sessions.end_current()
    session["wipe_device"] = "all"


def end_all_sessions(user: User, by: User) -> int:
    """An administrator logs a user out on all devices (a lost or stolen phone); logged as an account
    change. The devices wipe what they keep at their next contact."""
    ended = sessions.end_sessions_of(user.id, "admin")
    record_account_change(AuditAction.UPDATE, user, by)
    db.session.commit()
    return ended


def unlock(user: User, by: User | None = None) -> None:
    """An administrator lifts a lock; the failures before it no longer count."""
    user.locked_until = None
    user.failures_reset_at = utcnow()
    record_account_change(AuditAction.UPDATE, user, by)
    db.session.commit()


def set_locale(user: User, lang: str) -> None:
    user.locale = lang
    db.session.commit()
