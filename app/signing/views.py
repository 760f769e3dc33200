"""Signing on the company's own tablet through a single-use link: no log-in, the summary read-only."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.audit import services as audit
from app.core.limits import signing_links
from app.extensions import db
from app.models import AuditAction
from app.sync.views import json_object, sign
from app.visits import services, signing

bp = Blueprint("signing", __name__, url_prefix="/s")
REFUSED_STATUS = {"unknown": 404, "used": 410, "expired": 410}


@bp.route("/<token>")
@signing_links
def page(token: str) -> ResponseReturnValue:
    """The summary to read and the pad to sign on, for the signer the link was made for."""
    try:
        found = signing.redeemable(token)
    except signing.TokenRefused as refused:
        return render_template("signing/refused.html", reason=str(refused)), REFUSED_STATUS[str(refused)]
    visit = found.visit
    audit.record(
        AuditAction.READ,
        "summary",
        citizen_ids=[visit.placement.citizen_id],
        object_type="signing_link",
        object_id=found.id,
    )
    db.session.commit()
    return render_template(
        "signing/page.html",
        visit=visit,
        role=found.signer_role,
        signer_name=signing.default_name(visit, found.signer_role),
        put_url=request.path,
        missing=services.missing_roles(visit),
    ), {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _refused_json(reason: str) -> ResponseReturnValue:
    message = {
        "unknown": _("The signing link is not valid."),
        "used": _("The signing link has already been used."),
        "expired": _("The signing link has expired. Ask the job broker for a new one."),
    }[reason]
    return jsonify(error=reason, message=message), REFUSED_STATUS[reason]


@bp.put("/<token>")
@signing_links
def submit(token: str) -> ResponseReturnValue:
    """Take the signature; the link is used up by a stored signature, not by a failed attempt."""
    try:
        found = signing.redeemable(token)
    except signing.TokenRefused as refused:
        return _refused_json(str(refused))
    if any(s.signer_role == found.signer_role for s in found.visit.signatures):
        return _refused_json("used")  # the link's signature is in: a second use of it, however sent
    payload = json_object()
    if payload is None:
        message = _("The request body is not a JSON object.")
        return jsonify(error="invalid", message=message, errors={"body": [message]}), 422
    try:
        response = sign(found.visit, found.signer_role.value, payload, via_token=True)
    except services.SignatureRace:
        return _refused_json("used")  # two uses of one link at once: the other one signed
    status = response[1] if isinstance(response, tuple) else 200
    if 200 <= status < 300:
        signing.mark_used(found)
    return response
