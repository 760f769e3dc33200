"""Log-in, roles and the idle-session rule."""

from __future__ import annotations

from flask import Flask, Response, flash, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth import sessions, user_cache
from app.core.timeutil import epoch_seconds
from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user; a deactivated account is logged out at its next request. With sessions in
    Redis its row is kept there under a stamp that every change to it replaces (app.auth.user_cache)."""
    kept = user_cache.cache()
    user = kept.load(int(user_id)) if kept is not None else db.session.get(User, int(user_id))
    return user if user is not None and user.is_active else None


def _wants_json() -> bool:
    return request.path.startswith("/api/")


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Full pages go to the log-in page; htmx and API callers get 401 so they can keep their data."""
    login_url = url_for("auth.login", next=request.full_path if request.method == "GET" else None)
    if _wants_json():
        if session.get("session_ended"):
            # Ended on the server (log-out elsewhere, a new password, "log out on all devices"): the
            # device wipes what it keeps, except visits not yet sent, which wait for its user's log-in.
            message = _("Your session was ended. Log in again.")
            return jsonify(error="session_ended", message=message), 401
        return jsonify(error="unauthorized", message=_("Your session has ended. Log in again.")), 401
    if request.htmx:
        response = Response(status=401)
        response.headers["HX-Redirect"] = login_url
        return response
    flash(login_manager.login_message, "info")
    return redirect(login_url)


def api_session_required() -> Response | None:
    """A write to the API without a session answers 401 JSON before the CSRF check runs: the CSRF
    check would otherwise answer 400 for the missing session's token, and a device cannot tell that
    from a bad request; a 401 tells it to ask the user to log in again, keeping what it holds."""
    writes = request.method not in ("GET", "HEAD", "OPTIONS")
    if writes and request.path.startswith("/api/") and not current_user.is_authenticated:
        return unauthorized()
    return None


def end_idle_session() -> Response | None:
    """Log out a session that has been idle longer than SESSION_IDLE_MINUTES, judged on the server."""
    if request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = epoch_seconds()
    last_seen = session.get("last_seen", now)
    if now - last_seen > current_app.config["SESSION_IDLE_MINUTES"] * 60:
        from app.auth.services import log_out

        # Only the page copies go: visits the user has not yet sent stay for the next log-in.
        log_out("pages")
        flash(_("You were logged out after a period of inactivity. Log in again."), "info")
        return unauthorized()
    if now - last_seen >= 30 or "last_seen" not in session:
        # Not every request: each change is a write to the session store.
        session["last_seen"] = now
    if not session.permanent:
        # Setting it marks the session modified, which would write it to the store on every request.
        session.permanent = True
    return None


def init_app(app: Flask) -> None:
    sessions.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.session_protection = "basic"
    app.before_request(end_idle_session)
