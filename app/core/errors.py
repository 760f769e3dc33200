"""Error pages in Danish; a failed request never leaves a broken transaction behind.

The sync API and JSON callers get the API's Error schema instead (app/sync/openapi.py): an `error`
code and a `message` for the user, whatever went wrong, so that a device can always read the answer.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

# code → (the Error schema's `error`, the message for the user).
JSON_ERRORS = {
    400: ("bad_request", _l("The request could not be read.")),
    401: ("unauthorized", _l("Your session has ended. Log in again.")),
    403: ("forbidden", _l("You do not have access to this.")),
    # The same for what does not exist and what is outside the user's caseload: existence is not told.
    404: ("not_found", _l("Not found on the server, or not in your caseload.")),
    405: ("method_not_allowed", _l("The request could not be read.")),
    409: ("conflict", _l("The request conflicts with what the server holds.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("bad_request", _l("The request could not be read.")),
    422: ("invalid", _l("The request could not be read.")),
    429: (
        "too_many_requests",
        _l(
            "There have been too many attempts from this network in a short time. Wait a minute and try again."  # noqa: E501
        ),
    ),
    500: ("server_error", _l("Something went wrong on the server. Try again later.")),
    503: ("unavailable", _l("The server is busy. Try again later.")),
}

_CSRF_MESSAGE = _l("The request's security token is out of date. Reload the page and try again.")


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.is_json


def json_error(code: int) -> ResponseReturnValue:
    error, message = JSON_ERRORS.get(code, (f"http_{code}", JSON_ERRORS[500][1]))
    return {"error": error, "message": str(message)}, code


def _render(code: int) -> ResponseReturnValue:
    if wants_json():
        return json_error(code)
    return render_template("errors/error.html", code=code, error_page=True), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        if wants_json():
            # The device sets such an entry aside as needing action (static/js/outbox.js).
            return {"error": "csrf", "message": str(_CSRF_MESSAGE)}, 400
        return render_template("errors/error.html", code=400, csrf=True, error_page=True), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return _render(500)
