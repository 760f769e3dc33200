"""Administration: users and teams, moving citizens between jobformidlere, and the follow-up plan."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import services
from app.admin.forms import (
    FollowUpStepForm,
    NewUserForm,
    PasswordForm,
    TeamForm,
    UserForm,
    apply_error,
)
from app.auth import sessions
from app.auth.access import role_required
from app.auth.services import PasswordRejected, end_all_sessions, set_password, unlock
from app.caseload.services import caseload_counts
from app.core.timeutil import local_today
from app.extensions import db
from app.models import Role, Team, User
from app.models.base import utcnow
from app.placements.schedule import FollowUpRule, default_rules, plan_dates
from app.placements.services import current_rules, replace_rules

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def _users_page(team_form: TeamForm | None = None, status: int = 200) -> ResponseReturnValue:
    teams = _teams()
    # Accounts waiting for approval first: someone is waiting to start work.
    order = (User.awaiting_approval.desc(), User.full_name)
    all_users = db.session.scalars(sa.select(User).order_by(*order)).all()
    counts = caseload_counts([u.id for u in all_users if u.role == Role.JOBFORMIDLER])
    return (
        render_template(
            "admin/users.html",
            teams=teams,
            users=all_users,
            counts=counts,
            cap=current_app.config["CASELOAD_CAP"],
            team_form=team_form or TeamForm(formdata=None),
            now=utcnow(),
            today=local_today(),
        ),
        status,
    )


@bp.route("/brugere")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """All users with their role, team, caseload and lock status; the teams, and a form for a new one."""
    return _users_page()


@bp.route("/brugere/ny", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new_user() -> ResponseReturnValue:
    """Create an account; the administrator hands the first password to the person."""
    form = NewUserForm()
    form.set_teams(_teams())
    if form.validate_on_submit():
        try:
            user = services.create_user(**form.account(), password=form.password.data, by=current_user)
        except services.AdminError as error:
            apply_error(form, error)
        else:
            flash(
                _("%(name)s can now log in as %(username)s.", name=user.full_name, username=user.username),
                "success",
            )
            return redirect(url_for("admin.users"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/user_form.html", form=form, user=None), status


def _user_data(user: User) -> dict:
    """The account as the edit form shows it."""
    return {
        "full_name": user.full_name,
        "username": user.username,
        "email": user.email,
        "phone": user.phone,
        "role": user.role.value,
        "team": str(user.team_id) if user.team_id else "",
        "active": user.is_active_account,
    }


def _edit_page(
    user: User, form: UserForm, password_form: PasswordForm, status: int = 200
) -> ResponseReturnValue:
    return (
        render_template(
            "admin/user_form.html",
            form=form,
            password_form=password_form,
            user=user,
            open_citizens=services.open_citizens(user) if user.role == Role.JOBFORMIDLER else [],
            active_sessions=len(sessions.sessions_of(user.id)),
        ),
        status,
    )


@bp.route("/brugere/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change an account: name, role, team, contact details, or switch it off."""
    user = db.get_or_404(User, user_id)
    form = UserForm(data=_user_data(user))  # a POST's values win over the stored ones
    form.set_teams(_teams())
    if form.validate_on_submit():
        try:
            services.update_user(user, by=current_user, active=form.active.data, **form.account())
        except services.AdminError as error:
            db.session.rollback()
            apply_error(form, error)
        else:
            flash(_("The changes to %(name)s were saved.", name=user.full_name), "success")
            return redirect(url_for("admin.users"), code=303)
    status = 422 if form.is_submitted() else 200
    return _edit_page(user, form, PasswordForm(formdata=None), status)


@bp.post("/brugere/<int:user_id>/adgangskode")
@role_required(Role.ADMIN)
def reset_password(user_id: int) -> ResponseReturnValue:
    """Give the user a new password (forgotten, or a new colleague); it also lifts a lock-out."""
    user = db.get_or_404(User, user_id)
    password_form = PasswordForm()
    if password_form.validate_on_submit():
        try:
            set_password(user, password_form.password.data, by=current_user)
        except PasswordRejected as error:
            password_form.password.errors = [*password_form.password.errors, str(error)]
        else:
            flash(
                _("%(name)s has a new password. Give it to them in person.", name=user.full_name), "success"
            )
            return redirect(url_for("admin.edit_user", user_id=user.id), code=303)
    db.session.refresh(user)
    form = UserForm(formdata=None, data=_user_data(user))
    form.set_teams(_teams())
    return _edit_page(user, form, password_form, 422)


@bp.post("/teams")
@role_required(Role.ADMIN)
def new_team() -> ResponseReturnValue:
    """Create a team; members are chosen on each user's page."""
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(form.name.data, by=current_user)
        except services.AdminError as error:
            form.name.errors = [*form.name.errors, error.message]
        else:
            flash(_("The team %(name)s was created.", name=team.name), "success")
            return redirect(url_for("admin.users", _anchor="teams"), code=303)
    return _users_page(form, 422)


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_team(team_id: int) -> ResponseReturnValue:
    """Rename a team (its members are chosen on each user's page)."""
    team = db.get_or_404(Team, team_id)
    form = TeamForm(data={"name": team.name})
    if form.validate_on_submit():
        try:
            services.rename_team(team, form.name.data, by=current_user)
        except services.AdminError as error:
            form.name.errors = [*form.name.errors, error.message]
        else:
            flash(_("The team is now called %(name)s.", name=team.name), "success")
            return redirect(url_for("admin.users", _anchor="teams"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/team_form.html", form=form, team=team), status


@bp.post("/teams/<int:team_id>/slet")
@role_required(Role.ADMIN)
def delete_team(team_id: int) -> ResponseReturnValue:
    """Delete a team with no active members."""
    team = db.get_or_404(Team, team_id)
    try:
        name = services.delete_team(team, by=current_user)
    except services.AdminError as error:
        flash(error.message, "error")
        return redirect(url_for("admin.edit_team", team_id=team.id), code=303)
    flash(_("The team %(name)s was deleted.", name=name), "success")
    return redirect(url_for("admin.users", _anchor="teams"), code=303)


@bp.post("/brugere/<int:user_id>/laas-op")
@role_required(Role.ADMIN)
def unlock_user(user_id: int) -> ResponseReturnValue:
    """Lift a lock-out."""
    user = db.get_or_404(User, user_id)
    unlock(user, by=current_user)
    flash(_("%(name)s can log in again.", name=user.full_name), "success")
    return redirect(url_for("admin.users"), code=303)


@bp.post("/brugere/<int:user_id>/log-ud")
@role_required(Role.ADMIN)
def end_user_sessions(user_id: int) -> ResponseReturnValue:
    """Log the user out on all devices (a lost or stolen phone): every session ends at once."""
    user = db.get_or_404(User, user_id)
    ended = end_all_sessions(user, by=current_user)
    flash(_("%(name)s was logged out on %(n)d devices.", name=user.full_name, n=ended), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id), code=303)


def _plan_page(form: FollowUpStepForm, status: int = 200) -> ResponseReturnValue:
    rules = current_rules()
    example_start = local_today()
    return (
        render_template(
            "admin/follow_up_plan.html",
            rules=rules,
            example=plan_dates(example_start, rules),
            example_start=example_start,
            is_default=rules == default_rules(),
            form=form,
        ),
        status,
    )


@bp.route("/opfoelgningsplan")
@role_required(Role.ADMIN)
def follow_up_plan() -> ResponseReturnValue:
    """The municipality's follow-up plan for new courses."""
    return _plan_page(FollowUpStepForm(formdata=None))


@bp.post("/opfoelgningsplan/trin")
@role_required(Role.ADMIN)
def add_follow_up_step() -> ResponseReturnValue:
    """Add a step (a visit so long after the start) to the plan."""
    form = FollowUpStepForm()
    if not form.validate_on_submit():
        return _plan_page(form, 422)
    step = {
        "days": FollowUpRule(days=form.amount.data),
        "weeks": FollowUpRule(days=7 * form.amount.data),
        "months": FollowUpRule(months=form.amount.data),
    }[form.unit.data]
    rules = current_rules()
    if step in rules:
        form.amount.errors.append(_("The plan already has a visit at that time."))
        return _plan_page(form, 422)
    replace_rules([*rules, step])
    flash(_("The step was added. It applies to courses created from now on."), "success")
    return redirect(url_for("admin.follow_up_plan"), code=303)


@bp.post("/opfoelgningsplan/trin/<code>/slet")
@role_required(Role.ADMIN)
def remove_follow_up_step(code: str) -> ResponseReturnValue:
    """Remove a step from the plan (a plan keeps at least one step)."""
    rules = current_rules()
    remaining = [r for r in rules if r.code != code]
    if len(remaining) == len(rules):
        abort(404)
    if not remaining:
        flash(_("The plan must keep at least one visit."), "error")
    else:
        replace_rules(remaining)
        flash(_("The step was removed. It applies to courses created from now on."), "success")
    return redirect(url_for("admin.follow_up_plan"), code=303)


@bp.post("/opfoelgningsplan/standard")
@role_required(Role.ADMIN)
def reset_follow_up_plan() -> ResponseReturnValue:
    """Go back to the programme's plan: 1 week, 1 month, 3 months, then monthly for a year."""
    replace_rules([])
    flash(_("The plan is the programme's default again."), "success")
    return redirect(url_for("admin.follow_up_plan"), code=303)
