"""The administrator's checklist versions: list, read, copy into a draft, edit, publish, discard.

The item list is a self-replacing htmx component (id "items"); each of its forms also works as a plain
post, which answers with a 303 back to the page, or the page with the errors (422).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from app.auth.access import role_required
from app.checklists import services
from app.checklists.forms import ITEM_KIND, TEMPLATE_STATUS, ItemForm, TemplateForm
from app.core.labels import SIGNER_ROLE
from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate, Role, TemplateStatus

bp = Blueprint("checklists", __name__, url_prefix="/admin/skabeloner")
VARY = {"Vary": "HX-Request"}
ITEMS_TARGET = "items"  # the id of the item list that htmx swaps
# app.css has no colours of its own for template states; these borrow its green, amber and grey badges.
STATUS_BADGE = {
    TemplateStatus.PUBLISHED: "badge-completed",
    TemplateStatus.DRAFT: "badge-broken_off",
    TemplateStatus.SUPERSEDED: "badge-inactive",
}


@bp.context_processor
def _labels() -> dict:
    def signers_label(roles: list[str]) -> str:
        return ", ".join(str(SIGNER_ROLE.get(r, r)) for r in roles) or _("None")

    return {
        "template_status_label": lambda status: str(TEMPLATE_STATUS.get(status, status)),
        "item_kind_label": lambda kind: str(ITEM_KIND.get(kind, kind)),
        "signers_label": signers_label,
        "status_badge_class": lambda status: STATUS_BADGE.get(status, ""),
    }


def _wants_items() -> bool:
    """Did htmx ask for the item list alone? (Boosted links and forms send HX-Request too.)"""
    return bool(request.htmx) and request.htmx.target == ITEMS_TARGET


def _item_form(item: ChecklistItem | None = None, submitted: bool = False) -> ItemForm:
    """An item's form (the add form without `item`): from the request when `submitted`, else the stored
    values. Each has its own prefix, so the page's many item forms have distinct field names and ids."""
    prefix = f"item-{item.id}" if item else "new"
    if submitted:
        return ItemForm(prefix=prefix)
    return ItemForm(formdata=None, obj=item, prefix=prefix)


def _context(template: ChecklistTemplate, **overrides: object) -> dict:
    """The page's data; `overrides` put a submitted form (with its errors and typed values) in place."""
    item_forms = {item.id: _item_form(item) for item in template.items}
    item_forms.update(overrides.pop("item_forms", {}))
    return {
        "template": template,
        "item_forms": item_forms,
        "add_form": _item_form(),
        "settings_form": TemplateForm(formdata=None, obj=template),
        "has_hours_item": services.hours_item(template) is not None,
        "visit_count": services.visit_counts().get(template.id, 0),
        "draft": services.current_draft(),
        "parent": db.session.get(ChecklistTemplate, template.parent_id) if template.parent_id else None,
        "items_error": None,
        **overrides,
    }


def _page(template: ChecklistTemplate, status: int = 200, **overrides: object) -> ResponseReturnValue:
    """The item list for htmx, else the whole page; a refused change answers 422 either way (htmx swaps
    422 answers in: templates/base.html)."""
    context = _context(template, **overrides)
    if _wants_items():
        return render_template("checklists/_items.html", **context), status, VARY
    return render_template("checklists/detail.html", **context), status, VARY


def _done(template: ChecklistTemplate, message: str | None = None) -> ResponseReturnValue:
    """After a change: the fresh item list for htmx, or back to the page."""
    if _wants_items():
        return _page(template)
    if message:
        flash(message, "success")
    return redirect(url_for("checklists.detail", template_id=template.id), code=303)


def _refused(template: ChecklistTemplate, error: services.ChecklistRuleError) -> ResponseReturnValue:
    """A change the rules refuse: said in the item list for htmx, or as a message on the page."""
    if _wants_items():
        return _page(template, 422, items_error=str(error))
    flash(str(error), "error")
    return redirect(url_for("checklists.detail", template_id=template.id), code=303)


@bp.route("")
@role_required(Role.ADMIN)
def index() -> ResponseReturnValue:
    """All versions, newest first, with the way to a new version."""
    return render_template(
        "checklists/index.html",
        templates=services.versions(),
        draft=services.current_draft(),
        visit_counts=services.visit_counts(),
    )


@bp.post("/ny")
@role_required(Role.ADMIN)
def new_version() -> ResponseReturnValue:
    """Copy the published version into a draft, or open the draft that already exists."""
    existing = services.current_draft()
    draft = existing or services.new_draft(current_user)
    if existing:
        flash(_("You are continuing the draft of version %(version)s.", version=draft.version), "success")
    else:
        flash(
            _("Version %(version)s is a draft. Publish it when it is ready.", version=draft.version),
            "success",
        )
    return redirect(url_for("checklists.detail", template_id=draft.id), code=303)


@bp.route("/<int:template_id>")
@role_required(Role.ADMIN)
def detail(template_id: int) -> ResponseReturnValue:
    """One version; a draft with its edit forms. htmx may ask for the item list alone."""
    return _page(db.get_or_404(ChecklistTemplate, template_id))


@bp.post("/<int:template_id>/indstillinger")
@role_required(Role.ADMIN)
def update_settings(template_id: int) -> ResponseReturnValue:
    """Change the draft's name and required signatures."""
    template = db.get_or_404(ChecklistTemplate, template_id)
    form = TemplateForm()
    try:
        services.check_editable(template)
        if form.validate_on_submit():
            services.update_draft(
                template, {"name": form.name.data, "required_signers": form.required_signers.data or []}
            )
            return _done(template, _("The checklist was saved."))
    except services.ChecklistRuleError as error:
        return _refused(template, error)
    return _page(template, 422, settings_form=form)


@bp.post("/<int:template_id>/punkter")
@role_required(Role.ADMIN)
def add_item(template_id: int) -> ResponseReturnValue:
    """Add an item at the end of the draft."""
    template = db.get_or_404(ChecklistTemplate, template_id)
    form = _item_form(submitted=True)
    try:
        services.check_editable(template)
        if form.validate_on_submit():
            services.add_item(template, **form.item_data())
            return _done(template, _("The item was added."))
    except services.TemplateLocked as error:
        return _refused(template, error)
    except services.ChecklistRuleError as error:
        form.form_errors.append(str(error))
    return _page(template, 422, add_form=form)


@bp.post("/punkter/<int:item_id>")
@role_required(Role.ADMIN)
def update_item(item_id: int) -> ResponseReturnValue:
    """Change an item's title, help text or kind."""
    item = db.get_or_404(ChecklistItem, item_id)
    template = item.template
    form = _item_form(item, submitted=True)
    try:
        services.check_editable(template)
        if form.validate_on_submit():
            services.update_item(item, **form.item_data())
            return _done(template, _("The item was saved."))
    except services.TemplateLocked as error:
        return _refused(template, error)
    except services.ChecklistRuleError as error:
        form.form_errors.append(str(error))
    return _page(template, 422, item_forms={item.id: form})


@bp.post("/punkter/<int:item_id>/flyt")
@role_required(Role.ADMIN)
def move_item(item_id: int) -> ResponseReturnValue:
    """Move an item one place up or down."""
    item = db.get_or_404(ChecklistItem, item_id)
    direction = "up" if request.form.get("direction") == "up" else "down"
    try:
        services.move_item(item, direction)
    except services.ChecklistRuleError as error:
        return _refused(item.template, error)
    return _done(item.template)


@bp.post("/punkter/<int:item_id>/slet")
@role_required(Role.ADMIN)
def remove_item(item_id: int) -> ResponseReturnValue:
    """Remove an item from the draft (the hours item stays)."""
    item = db.get_or_404(ChecklistItem, item_id)
    template = item.template
    try:
        services.remove_item(item)
    except services.ChecklistRuleError as error:
        return _refused(template, error)
    return _done(template, _("The item was removed."))


@bp.post("/<int:template_id>/udgiv")
@role_required(Role.ADMIN)
def publish(template_id: int) -> ResponseReturnValue:
    """Publish the draft: new visits use it from now on."""
    template = db.get_or_404(ChecklistTemplate, template_id)
    try:
        services.publish(template, current_user)
    except services.ChecklistRuleError as error:
        return _refused(template, error)
    flash(
        _("Version %(version)s is published. New visits use it from now on.", version=template.version),
        "success",
    )
    return redirect(url_for("checklists.detail", template_id=template.id), code=303)


@bp.post("/<int:template_id>/kasser")
@role_required(Role.ADMIN)
def discard(template_id: int) -> ResponseReturnValue:
    """Throw the draft away; the published version stays as it is."""
    template = db.get_or_404(ChecklistTemplate, template_id)
    try:
        services.discard_draft(template)
    except services.ChecklistRuleError as error:
        return _refused(template, error)
    flash(_("The draft was discarded."), "success")
    return redirect(url_for("checklists.index"), code=303)
