"""Log-in, log-out and the user's own password."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from app.audit import services as audit
from app.auth import saml, sessions
from app.auth.forms import ContactDetailsForm, LoginForm, OwnPasswordForm
from app.auth.saml import Refusal, SamlRefused
from app.auth.services import (
    LoginError,
    PasswordRejected,
    authenticate,
    claim_saml_request,
    identity_from,
    log_in,
    log_out,
    password_login_allowed,
    record_password_refusal,
    record_sso_attempt,
    remember_saml_request,
    session_sso,
    set_password,
    sso_user,
    verify_password,
)
from app.core.limits import login_attempts
from app.extensions import csrf, db
from app.models import AuditAction

bp = Blueprint("auth", __name__)
log = logging.getLogger("app.auth")


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core.index")


def _login_page(form: LoginForm | None, status: int = 200, error: str | None = None) -> ResponseReturnValue:
    """The log-in page: the SSO button when single sign-on is on, the password form when allowed."""
    if form is None:
        form = LoginForm(formdata=None)
    if error:
        form.form_errors.append(error)
    show_form = password_login_allowed() or request.args.get("noedadgang") == "1"
    return render_template(
        "auth/login.html", form=form, show_form=show_form, sso=saml.enabled(), next=request.args.get("next")
    ), status


@bp.route("/login", methods=["GET", "POST"])
@login_attempts
def login() -> ResponseReturnValue:
    """Show the log-in page and log the user in with their password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if request.method == "POST" and not password_login_allowed(form.username.data or ""):
        record_password_refusal(form.username.data or "", request.remote_addr)
        form.password.data = None
        return _login_page(
            form, 403, _("Log-in with a password is switched off. Log in with single sign-on.")
        )
    status = 200
    if form.validate_on_submit():
        result = authenticate(form.username.data, form.password.data, request.remote_addr)
        if result.user is not None:
            log_in(result.user, "password")
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
    return _login_page(form, status)


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    """Log out here and forget the session; after single sign-on, end the IdP's session too."""
    sso = log_out("all")  # the next page clears what this device kept for the user
    target = None
    if sso and saml.enabled():
        try:
            target = saml.logout_request(sso)
        except SamlRefused as error:  # the IdP is not reachable: the session here has ended all the same
            log.warning("SSO log-out not sent to the IdP: %s", error)
    if target:
        # Said when the IdP sends the browser back (saml_sls), on the page the person then sees.
        return render_template("auth/sso_logout.html", target=target)
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"), code=303)


# ----- Single sign-on (SAML 2.0, OIOSAML 3) -----

REFUSAL_MESSAGES = {
    Refusal.SIGNATURE: _l(
        "The log-in could not be verified: the identity provider's signature is missing or"
        " not valid. You have not been logged in."
    ),
    Refusal.EXPIRED: _l("The log-in has expired. Try again."),
    Refusal.CLOCK: _l(
        "The time of the log-in does not match the service's clock. Try again, or tell your administrator."
    ),
    Refusal.REPLAYED: _l("This log-in has already been used or was not started here. Try again."),
    Refusal.AUDIENCE: _l("The log-in was meant for another service. You have not been logged in."),
    Refusal.INVALID: _l("The identity provider's answer could not be read. You have not been logged in."),
    Refusal.ASSURANCE: _l("Your log-in is not secure enough for Efterværn (the assurance level is too low)."),
    Refusal.NO_ROLE: _l(
        "Your user at the municipality gives no access to Efterværn. Ask your administrator."
    ),
    Refusal.UNKNOWN: _l("You have no account in Efterværn. Ask your administrator."),
    Refusal.PENDING: _l("Your account is waiting for an administrator to approve it. Try again later."),
    Refusal.INACTIVE: _l("Your account in Efterværn is deactivated. Ask your administrator."),
    Refusal.UNAVAILABLE: _l("Single sign-on is not available right now. Try again later."),
}


def _sso_refused(reason: Refusal) -> ResponseReturnValue:
    status = 503 if reason is Refusal.UNAVAILABLE else 403
    return _login_page(None, status, str(REFUSAL_MESSAGES[reason]))


@bp.get("/saml/metadata")
def saml_metadata() -> ResponseReturnValue:
    """The SP's metadata for the IdP: entity ID, endpoints and certificate (a stable URL)."""
    if not saml.enabled():
        abort(404)
    return Response(saml.metadata_xml(), mimetype="application/samlmetadata+xml")


@bp.get("/saml/login")
def saml_login() -> ResponseReturnValue:
    """Send the browser to the IdP with a signed authentication request."""
    if not saml.enabled():
        abort(404)
    target = _safe_next(request.args.get("next"))
    try:
        url, request_id = saml.login_request(relay_state="")
    except SamlRefused as error:
        log.warning("SSO log-in not started: %s", error)
        return _sso_refused(error.reason)
    remember_saml_request(request_id, target)
    return redirect(url, code=303)


@bp.post("/saml/acs")
@login_attempts
@csrf.exempt  # the IdP's POST carries no token of ours; the signed, once-only assertion stands for it
def saml_acs() -> ResponseReturnValue:
    """The IdP's answer: verify it, decide who it lets in, and log them in (or say why not)."""
    if not saml.enabled():
        abort(404)
    saml_response = request.form.get("SAMLResponse", "")
    request_id = saml.in_response_to(saml_response)
    open_request = claim_saml_request(request_id)
    outstanding = {open_request.id: open_request.next_url or ""} if open_request else {}
    try:
        assertion = saml.parse_login_response(saml_response, outstanding)
    except SamlRefused as error:
        record_sso_attempt(None, "", error.reason, request.remote_addr, error.detail)
        return _sso_refused(error.reason)
    result = sso_user(identity_from(assertion), request.remote_addr)
    if result.user is None:
        return _sso_refused(result.refusal)
    log_in(result.user, "sso", sso=assertion.session_data())
    return redirect(_safe_next(open_request.next_url if open_request else None), code=303)


@bp.get("/saml/sls")
def saml_sls() -> ResponseReturnValue:
    """Single Logout: the IdP's answer to our LogoutRequest, or the IdP ending the session (its request)."""
    if not saml.enabled():
        abort(404)
    raw_query = request.query_string.decode("ascii", "replace")
    if "SAMLResponse" in request.args:
        try:
            saml.check_logout_response(request.args["SAMLResponse"], raw_query)
        except SamlRefused as error:
            log.warning("SSO log-out answer from the IdP not accepted (%s): %s", error.reason, error.detail)
        if not current_user.is_authenticated:
            flash(_("You are logged out."), "success")
        return redirect(url_for("auth.login"), code=303)
    try:
        name_id, logout = saml.parse_logout_request(
            request.args.get("SAMLRequest", ""), request.args.get("RelayState"), raw_query
        )
    except SamlRefused as error:
        log.warning("SSO log-out request refused (%s): %s", error.reason, error.detail)
        abort(400)
    sso = session_sso()
    if current_user.is_authenticated and sso and sso.get("name_id") == name_id:
        log.info("SSO log-out from the IdP: user=%s", current_user.username)
        # Ended from elsewhere, so nobody could be warned: visits not yet sent stay on the device.
        log_out("pages")
        flash(_("You were logged out through the municipality's log-in. Log in again."), "info")
    return redirect(saml.logout_response(logout, request.args.get("RelayState")), code=303)


@bp.route("/konto/adgangskode", methods=["GET", "POST"])
@login_required
def change_password() -> ResponseReturnValue:
    """The user chooses a new password; the present one is asked for first. An account that logs in
    through the municipality's IdP only has none here: it is told so and sent to its contact details."""
    if not current_user.has_password:
        message = _("You log in through the municipality's log-in, so you have no password here to change.")
        flash(message, "info")
        return redirect(url_for("auth.contact_details"), code=303)
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


@bp.route("/konto/kontaktoplysninger", methods=["GET", "POST"])
@login_required
def contact_details() -> ResponseReturnValue:
    """The user's own direct phone and e-mail, given to companies and citizens as the hotline."""
    form = ContactDetailsForm(obj=current_user)
    if form.validate_on_submit():
        current_user.phone = (form.phone.data or "").strip() or None
        current_user.email = (form.email.data or "").strip() or None
        audit.record_account_change(AuditAction.UPDATE, current_user, by=current_user)
        db.session.commit()
        flash(_("Your contact details were saved."), "success")
        return redirect(url_for("auth.contact_details"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/contact_details.html", form=form), status


@bp.get("/konto/enheder")
@login_required
def devices() -> ResponseReturnValue:
    """The user's own active sessions: which device, last used; each can be ended."""
    found = sessions.sessions_of(current_user.id)
    current = sessions.current_key()
    return render_template("auth/devices.html", sessions=found, current=current, label=sessions.device_label)


@bp.post("/konto/enheder/<public_id>/log-ud")
@login_required
def end_device(public_id: str) -> ResponseReturnValue:
    """End one of the user's other sessions (a phone left somewhere); the present one is the log-out."""
    current = sessions.current_key()
    if current and current.startswith(public_id):
        abort(400)
    if not sessions.end_session_of(current_user.id, public_id, "user"):
        abort(404)
    flash(_("The device was logged out."), "success")
    return redirect(url_for("auth.devices"), code=303)
