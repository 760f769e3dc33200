"""The personal calendar feed of scheduled visits."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import role_required
from app.calendar import services
from app.models import Role

bp = Blueprint("calendar", __name__, url_prefix="/kalender")

# The feed URL is a secret: neither the settings page nor the feed may linger in a shared cache.
NO_STORE = {"Cache-Control": "private, no-store"}


@bp.route("")
@role_required(Role.JOBFORMIDLER, Role.SUPERVISOR)
def settings() -> ResponseReturnValue:
    """The user's feed address with instructions, or a button to create one."""
    token = current_user.calendar_token
    feed_url = url_for("calendar.feed", token=token, _external=True) if token else None
    return render_template("calendar/settings.html", feed_url=feed_url), NO_STORE


@bp.post("/forny")
@role_required(Role.JOBFORMIDLER, Role.SUPERVISOR)
def renew() -> ResponseReturnValue:
    """Create the feed address, or replace it so that the old one stops working."""
    had_token = current_user.calendar_token is not None
    services.issue_token(current_user)
    if had_token:
        flash(_("You have a new calendar address. The old address no longer works."), "success")
    else:
        flash(_("Your calendar address has been created."), "success")
    return redirect(url_for("calendar.settings"), code=303)


@bp.post("/sluk")
@role_required(Role.JOBFORMIDLER, Role.SUPERVISOR)
def revoke() -> ResponseReturnValue:
    """Turn the feed address off."""
    services.revoke(current_user)
    flash(_("The calendar address has been turned off."), "success")
    return redirect(url_for("calendar.settings"), code=303)


@bp.route("/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """The feed itself, without log-in (calendar clients cannot log in): the secret in the URL is the key."""
    user = services.user_for_token(token)
    if user is None:
        # A bare 404 that does not tell an unknown address from a renewed or revoked one.
        return Response(status=404, headers=NO_STORE)
    body = services.build_feed(user, request.url_root)
    return Response(
        body,
        mimetype="text/calendar",
        headers={**NO_STORE, "Content-Disposition": 'inline; filename="eftervaern.ics"'},
    )
