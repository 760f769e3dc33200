"""Error pages in Danish; a failed request never leaves a broken transaction behind."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.extensions import db

# Said to JSON callers (the signing page's script shows `message`) where a page would explain it.
_JSON_MESSAGES = {
    429: _l(
        "There have been too many attempts from this network in a short time. Wait a minute and try again."
    ),
}

_CSRF_MESSAGE = _l("The request's security token is out of date. Reload the page and try again.")


def _render(code: int) -> ResponseReturnValue:
    if request.path.startswith("/api/") or request.is_json:
        body: dict = {"error": code}
        if code in _JSON_MESSAGES:
            body["message"] = str(_JSON_MESSAGES[code])
        return body, code
    return render_template("errors/error.html", code=code), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> ResponseReturnValue:
        if request.path.startswith("/api/"):
            # The device sets such an entry aside as needing action (static/js/outbox.js).
            return {"error": "csrf", "message": str(_CSRF_MESSAGE)}, 400
        return render_template("errors/error.html", code=400, csrf=True), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        if error.code is None or error.code < 400:
            return error
        return _render(error.code)

    @app.errorhandler(500)
    def server_error(error: Exception) -> ResponseReturnValue:
        db.session.rollback()
        return _render(500)
