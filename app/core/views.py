"""Pages that belong to no single area: the start page, the connectivity ping, language and accessibility."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required

from app.auth.access import role_required
from app.auth.services import set_locale
from app.caseload import views as caseload_views
from app.models import Role

bp = Blueprint("core", __name__)


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    """Each role's first screen: the caseload, the team overview, or administration."""
    if current_user.role == Role.SUPERVISOR:
        return redirect(url_for("supervision.overview"))
    if current_user.role == Role.ADMIN:
        return redirect(url_for("admin.users"))
    return caseload_views.home()


@bp.route("/enhed")
@role_required(Role.JOBFORMIDLER)
def device() -> ResponseReturnValue:
    """What waits on this device to be sent, and what the server refused: drawn from the device's own
    storage by static/js/device.js, so the page holds no data of its own and opens offline."""
    return render_template("core/device.html")


@bp.route("/ping")
def ping() -> ResponseReturnValue:
    """A tiny answer that is never cached: how the offline code learns it can reach the server."""
    return "", 204, {"Cache-Control": "no-store"}


@bp.post("/sprog")
def choose_language() -> ResponseReturnValue:
    """Switch the interface language and go back where the user was."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            set_locale(current_user, lang)
    back = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
    return redirect(back or url_for("core.index"), code=303)


@bp.route("/tilgaengelighed")
def accessibility() -> ResponseReturnValue:
    """The accessibility statement ("tilgængelighedserklæring") required of public-sector web apps."""
    return render_template("core/accessibility.html")
