"""Passwords, log-in attempts and the lock-out rule."""

from __future__ import annotations

import contextlib
import enum
import logging
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
from app.auth import saml, sessions
from app.auth.saml import Assertion, Refusal
from app.core.timeutil import epoch_seconds
from app.extensions import db
from app.models import AuditAction, Citizen, CitizenStatus, LoginAttempt, Role, SamlRequest, Team, User
from app.models.base import utcnow
from app.models.user import NO_PASSWORD

log = logging.getLogger("app.auth")
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


# ----- Logging in and out: every way in (password, single sign-on) goes through these two -----


def log_in(user: User, method: str = "password", sso: dict[str, str | None] | None = None) -> None:
    """Start a fresh session for `user`. `sso`: what Single Logout needs to know of the IdP's session."""
    session.clear()  # nothing of a previous session (or of an attacker's planted one) carries over
    sessions.regenerate()  # a new session id: one known before the log-in is worth nothing
    login_user(user)
    session["last_seen"] = epoch_seconds()
    session["login_method"] = method
    if sso is not None:
        session["sso"] = sso
    session.permanent = True


def log_out(wipe: str = "all") -> dict[str, str | None] | None:
    """End the session; the next page wipes the device (`wipe`: "all" or only the "pages").

    Returns the single sign-on data the session had, so the caller can end the IdP's session too.
    """
    sso = session.get("sso")
    logout_user()
    sessions.end_current()  # on the server: a copy of the cookie no longer opens anything
    session.clear()
    session["wipe_device"] = wipe
    return sso


def session_sso() -> dict[str, str | None] | None:
    return session.get("sso")


def password_login_allowed(username: str | None = None) -> bool:
    """Password log-in is on, or off for everyone but the break-glass administrator."""
    config = current_app.config
    if config["PASSWORD_LOGIN_ENABLED"]:
        return True
    glass = config.get("BREAK_GLASS_USERNAME")
    return bool(glass and username is not None and username.strip().lower() == glass)


# ----- Who a single sign-on lets in -----


ROLE_RANK = (Role.ADMIN, Role.SUPERVISOR, Role.JOBFORMIDLER)  # when several privileges map: the broadest


@dataclass
class SsoIdentity:
    """The person as the IdP's assertion describes them, mapped to this app's role and team."""

    subject: str
    email: str | None
    full_name: str | None
    role: Role | None
    team_name: str | None
    loa: str | None = None


def identity_from(assertion: Assertion) -> SsoIdentity:
    """Map an assertion's attributes to role and team with SAML_ROLE_MAP and SAML_TEAM_MAP."""
    config = current_app.config
    values: list[str] = []
    for value in assertion.attributes.get(config["SAML_ATTRIBUTE_GROUPS"], []):
        # An OIOSAML privilege list is one base64 value holding many privileges; a group claim is plain.
        values.extend(saml.privileges(value) or [value.strip()])
    roles = set()
    for value in values:
        try:
            roles.add(Role(config["SAML_ROLE_MAP"][value]))
        except KeyError:
            continue  # a privilege or group that means nothing here
        except ValueError:
            log.error("SAML_ROLE_MAP maps %r to %r, which is no role", value, config["SAML_ROLE_MAP"][value])
    teams = [config["SAML_TEAM_MAP"][v] for v in values if v in config["SAML_TEAM_MAP"]]
    email = assertion.first(config["SAML_ATTRIBUTE_EMAIL"])
    return SsoIdentity(
        subject=assertion.subject,
        email=email.lower() if email else None,
        full_name=assertion.first(config["SAML_ATTRIBUTE_NAME"]),
        role=next((r for r in ROLE_RANK if r in roles), None),
        team_name=teams[0] if teams else None,
        loa=saml.loa_of(assertion),
    )


@dataclass
class SsoResult:
    user: User | None = None
    refusal: Refusal | None = None


def record_sso_attempt(
    user: User | None, subject: str, refusal: Refusal | None, ip_address: str | None, detail: str = ""
) -> None:
    """Log a single sign-on like a password log-in: a LoginAttempt row and a line in the app's log."""
    db.session.add(
        LoginAttempt(
            username=(user.username if user else subject)[:64],
            user_id=user.id if user else None,
            succeeded=refusal is None,
            ip_address=ip_address,
            method="sso",
            reason=str(refusal) if refusal else None,
        )
    )
    db.session.commit()
    if refusal is None:
        log.info("SSO log-in: user=%s subject=%s ip=%s", user.username if user else "-", subject, ip_address)
    else:
        log.warning(
            "SSO log-in refused (%s): user=%s subject=%s ip=%s %s",
            refusal,
            user.username if user else "-",
            subject or "-",
            ip_address,
            detail,
        )


def _find_account(identity: SsoIdentity) -> User | None:
    """The account by its linked subject, else the account with the same e-mail not yet linked."""
    user = db.session.scalar(sa.select(User).where(User.sso_subject == identity.subject))
    if user is None and identity.email:
        user = db.session.scalar(
            sa.select(User).where(sa.func.lower(User.email) == identity.email, User.sso_subject.is_(None))
        )
    return user


def _has_open_citizens(user: User) -> bool:
    query = sa.select(Citizen.id).where(
        Citizen.jobformidler_id == user.id, Citizen.status != CitizenStatus.INACTIVE
    )
    return db.session.scalar(query.limit(1)) is not None


def _team(name: str | None) -> Team | None:
    return db.session.scalar(sa.select(Team).where(Team.name == name)) if name else None


def _unique_username(identity: SsoIdentity) -> str:
    base = (identity.email or identity.subject).split("@", 1)[0].lower()[:56] or "sso"
    candidate, n = base, 1
    while db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == candidate)) is not None:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def sso_user(identity: SsoIdentity, ip_address: str | None = None) -> SsoResult:
    """Decide who a verified assertion lets in, link or create the account, and log the attempt.

    A known person (by subject, or at the first log-in by e-mail) is linked and gets the role and team the
    IdP's attributes map to; an unknown one gets an account waiting for an administrator, or is refused,
    as SAML_UNKNOWN_USERS says. Attributes that map to no role are refused either way.
    """
    config = current_app.config
    user = _find_account(identity)

    def refuse(reason: Refusal, detail: str = "") -> SsoResult:
        record_sso_attempt(user, identity.subject, reason, ip_address, detail)
        return SsoResult(refusal=reason)

    if not saml.loa_sufficient(identity.loa, config.get("SAML_MIN_LOA")):
        return refuse(Refusal.ASSURANCE, f"loa={identity.loa}")
    if identity.role is None:
        return refuse(Refusal.NO_ROLE)
    if user is None:
        if config["SAML_UNKNOWN_USERS"] != "pending":
            return refuse(Refusal.UNKNOWN)
        user = User(
            username=_unique_username(identity),
            full_name=identity.full_name or identity.email or identity.subject,
            email=identity.email,
            role=identity.role,
            team=_team(identity.team_name),
            password_hash=NO_PASSWORD,  # this account logs in through the IdP only
            sso_subject=identity.subject,
            is_active_account=False,
            awaiting_approval=True,
        )
        db.session.add(user)
        record_account_change(AuditAction.CREATE, user)
        db.session.commit()
        return refuse(Refusal.PENDING, "account made, waiting for an administrator")
    if user.awaiting_approval:
        return refuse(Refusal.PENDING)
    if not user.is_active:
        return refuse(Refusal.INACTIVE)
    role = identity.role
    if user.role == Role.JOBFORMIDLER and role != Role.JOBFORMIDLER and _has_open_citizens(user):
        # As in the administrator's rule: the citizens are moved to a colleague before the role changes.
        log.warning("SSO role %s for %s not applied: they still have citizens", role, user.username)
        role = user.role
    changed = user.sso_subject != identity.subject or user.role != role
    user.sso_subject = identity.subject
    user.role = role
    team = _team(identity.team_name)
    if team is not None and team != user.team:
        user.team, changed = team, True
    if changed:
        record_account_change(AuditAction.UPDATE, user)  # by the IdP: "System" in the access log
    user.locked_until = None
    db.session.commit()
    record_sso_attempt(user, identity.subject, None, ip_address)
    return SsoResult(user=user)


# ----- Open authentication requests (app.models.SamlRequest) -----

SAML_REQUEST_MINUTES = 15  # time for a person to get through the IdP's log-in


def remember_saml_request(request_id: str, next_url: str | None) -> None:
    now = utcnow()
    db.session.execute(sa.delete(SamlRequest).where(SamlRequest.created_at < now - timedelta(days=1)))
    db.session.add(SamlRequest(id=request_id, next_url=next_url, created_at=now))
    db.session.commit()


def claim_saml_request(request_id: str | None) -> SamlRequest | None:
    """The open request `request_id` answers, marked answered; None if unknown, answered or too old.

    The UPDATE claims it atomically, so two copies of one response posted at once cannot both log in.
    """
    if not request_id:
        return None
    now = utcnow()
    claimed = db.session.execute(
        sa.update(SamlRequest)
        .where(
            SamlRequest.id == request_id,
            SamlRequest.answered_at.is_(None),
            SamlRequest.created_at > now - timedelta(minutes=SAML_REQUEST_MINUTES),
        )
        .values(answered_at=now)
    ).rowcount
    db.session.commit()
    return db.session.get(SamlRequest, request_id) if claimed else None


def record_password_refusal(username: str, ip_address: str | None) -> None:
    """A password log-in tried while password log-in is off: logged like any failed attempt."""
    username = username.strip().lower()[:64]
    db.session.add(
        LoginAttempt(username=username, succeeded=False, ip_address=ip_address, reason="password_off")
    )
    db.session.commit()
    log.warning("Password log-in refused (switched off): user=%s ip=%s", username or "-", ip_address)
