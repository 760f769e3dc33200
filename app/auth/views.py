"""Log-in, log-out and the user's own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth.forms import LoginForm, OwnPasswordForm
from app.auth.services import LoginError, PasswordRejected, authenticate, set_password, verify_password
from app.core.limits import login_attempts
from app.core.timeutil import epoch_seconds

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core.index")


@bp.route("/login", methods=["GET", "POST"])
@login_attempts
def login() -> ResponseReturnValue:
    """Show the log-in form and log the user in."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data, request.remote_addr)
        if result.user is not None:
            session.clear()
            login_user(result.user)
            session["last_seen"] = epoch_seconds()
            session.permanent = True
            return redirect(_safe_next(request.args.get("next")), code=303)
        if result.error is LoginError.LOCKED:
            form.form_errors.append(
                _(
                    "The account is locked after too many failed log-ins. Try again after %(time)s,"
                    " or ask your administrator to unlock it.",
                    time=format_datetime(result.locked_until, "dd.MM.yyyy HH:mm"),
                )
            )
        else:
            form.form_errors.append(_("Wrong username or password."))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out and forget the session."""
    logout_user()
    session.clear()
    session["wipe_device"] = "all"  # the next page clears what this device kept for the user
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/konto/adgangskode", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """The user chooses a new password; the present one is asked for first."""
    form = OwnPasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user, form.current.data):
            form.current.errors = [_("The present password is not right.")]
        else:
            try:
                set_password(current_user, form.password.data)
            except PasswordRejected as error:
                form.password.errors = [str(error)]
            else:
                flash(_("Your password was changed."), "success")
                return redirect(url_for("core.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/password.html", form=form), status
