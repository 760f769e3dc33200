"""The summary PDF for the caseload's own visits, and the public page that checks a summary's seal."""

from __future__ import annotations

import uuid
from io import BytesIO

from flask import Blueprint, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.limits import verify_uploads
from app.reports import seal, services

bp = Blueprint("reports", __name__)

MAX_UPLOAD_MB = 20
MAX_UPLOAD = MAX_UPLOAD_MB * 1024 * 1024


@bp.route("/besoeg/<uuid:visit_uuid>/referat.pdf")
@login_required
def summary_pdf(visit_uuid: uuid.UUID) -> ResponseReturnValue:
    """The visit's sealed summary, shown in the browser; 404 outside the caseload or before it exists."""
    document = services.summary_for_export(current_user, visit_uuid)
    response = send_file(
        BytesIO(document.pdf),
        mimetype="application/pdf",
        as_attachment=False,
        download_name=f"referat-{document.reference}.pdf",
        etag=document.sha256,
        max_age=0,
    )
    # Personal data: no shared cache and no browser disk cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _too_large() -> str:
    return _("The file is too large. A summary is well under %(mb)d MB.", mb=MAX_UPLOAD_MB)


def _page(result: seal.VerifyResult | None = None, error: str | None = None) -> str:
    return render_template("reports/verify.html", result=result, error=error, max_mb=MAX_UPLOAD_MB)


@bp.route("/verify", methods=["GET", "POST"])
@verify_uploads
def verify() -> ResponseReturnValue:
    """Anyone can check whether a summary PDF is unchanged and sealed by this municipality."""
    if request.method == "GET":
        return _page()
    if (request.content_length or 0) > MAX_UPLOAD + 64 * 1024:  # the form around the file adds a little
        return _page(error=_too_large()), 413
    upload = request.files.get("document")
    if upload is None or not upload.filename:
        return _page(error=_("Choose a PDF file to check.")), 422
    data = upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _page(error=_too_large()), 413
    return _page(seal.verify(data))


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(error: RequestEntityTooLarge) -> ResponseReturnValue:
    """With MAX_CONTENT_LENGTH set, the form parser refuses first: still a Danish answer on the page."""
    return _page(error=_too_large()), 413
