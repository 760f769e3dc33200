"""Signing links for the company's own tablet: single use, expiring, stored only as a hash."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

import segno
import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistTemplate, Placement, SignerRole, SigningToken, User, Visit
from app.models.base import utcnow


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(visit: Visit, role: SignerRole, user: User, lifetime: timedelta) -> str:
    """A new link for one signer; the token itself is shown once and never stored."""
    token = secrets.token_urlsafe(18)
    db.session.add(
        SigningToken(
            visit=visit,
            signer_role=role,
            token_hash=_digest(token),
            expires_at=utcnow() + lifetime,
            created_by_id=user.id,
        )
    )
    db.session.commit()
    return token


class TokenRefused(ValueError):
    """The link cannot be used: "unknown", "used" or "expired"."""


def redeemable(token: str) -> SigningToken:
    """The link's token if it can still be used; raises TokenRefused otherwise."""
    found = db.session.scalar(sa.select(SigningToken).where(SigningToken.token_hash == _digest(token)))
    if found is None:
        raise TokenRefused("unknown")
    if found.used_at is not None:
        raise TokenRefused("used")
    if found.expires_at <= utcnow():
        raise TokenRefused("expired")
    return found


def mark_used(token: SigningToken) -> None:
    token.used_at = utcnow()
    db.session.commit()


def default_name(visit: Visit, role: SignerRole) -> str:
    return default_name_in(visit.placement, role)


def default_name_in(placement: Placement, role: SignerRole) -> str:
    """The name a signer most likely has: the citizen's, or the course's contact person's."""
    if role == SignerRole.CITIZEN:
        return placement.citizen.full_name
    if role == SignerRole.COMPANY_CONTACT and placement.contact_person:
        return placement.contact_person.name
    return ""


def signers(placement: Placement, template: ChecklistTemplate) -> list[tuple[SignerRole, str]]:
    """Who signs a visit filled with this template, with the name to suggest: for signing on the device
    before the visit has reached the server."""
    return [
        (SignerRole(role), default_name_in(placement, SignerRole(role))) for role in template.required_signers
    ]


def qr_data_uri(link: str) -> str:
    """The link as a QR code (SVG) in a data URI: no inline markup or script, so the CSP holds."""
    svg = segno.make(link, error="m").svg_inline(scale=6, border=2, dark="#14213d")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
