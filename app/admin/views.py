"""Administration: users and teams."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.admin.forms import FollowUpStepForm
from app.auth.access import role_required
from app.auth.services import unlock
from app.core.timeutil import local_today
from app.extensions import db
from app.models import Role, Team, User
from app.models.base import utcnow
from app.placements.schedule import FollowUpRule, default_rules, plan_dates
from app.placements.services import current_rules, replace_rules

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/brugere")
@role_required(Role.ADMIN)
def users() -> ResponseReturnValue:
    """All users with their role, team and lock status."""
    teams = db.session.scalars(sa.select(Team).order_by(Team.name)).all()
    all_users = db.session.scalars(sa.select(User).order_by(User.full_name)).all()
    return render_template(
        "admin/users.html", teams=teams, users=all_users, now=utcnow(), today=local_today()
    )


@bp.post("/brugere/<int:user_id>/laas-op")
@role_required(Role.ADMIN)
def unlock_user(user_id: int) -> ResponseReturnValue:
    """Lift a lock-out."""
    user = db.get_or_404(User, user_id)
    unlock(user)
    flash(_("%(name)s can log in again.", name=user.full_name), "success")
    return redirect(url_for("admin.users"), code=303)


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
