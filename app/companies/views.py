"""Companies (CVR), workplaces (P-nummer) and contact persons."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from app.auth.access import role_required
from app.companies import services
from app.companies.forms import CompanyForm, ContactForm, WorkplaceForm
from app.core.forms import AppForm
from app.extensions import db
from app.models import Company, ContactPerson, Role, Workplace

bp = Blueprint("companies", __name__, url_prefix="/virksomheder")

# Companies are shared by the municipality's jobformidlere and supervisors; administrators run the system.
ROLES = (Role.JOBFORMIDLER, Role.SUPERVISOR)
VARY = {"Vary": "HX-Request"}


@bp.route("")
@role_required(*ROLES)
def index() -> ResponseReturnValue:
    """All companies, searchable by name or CVR number; htmx asks for the rows only."""
    search = request.args.get("q", "")
    context = {"rows": services.search_companies(search), "search": search}
    if request.htmx and request.htmx.target == "company-rows":
        return render_template("companies/_company_rows.html", **context), VARY
    return render_template("companies/index.html", **context), VARY


@bp.route("/ny", methods=["GET", "POST"])
@role_required(*ROLES)
def new() -> ResponseReturnValue:
    """Register a company; a form with errors answers 422 with what was typed."""
    form = CompanyForm()
    if form.validate_on_submit():
        company = services.create_company(form.data)
        flash(_("%(name)s is registered.", name=company.name), "success")
        return redirect(url_for(".detail", company_id=company.id), 303)
    return render_template("companies/company_form.html", form=form, company=None), _status(form)


@bp.route("/<int:company_id>")
@role_required(*ROLES)
def detail(company_id: int) -> ResponseReturnValue:
    """One company: its facts, workplaces and contact persons, with forms to add more."""
    return _detail_page(db.get_or_404(Company, company_id))


@bp.route("/<int:company_id>/rediger", methods=["GET", "POST"])
@role_required(*ROLES)
def edit(company_id: int) -> ResponseReturnValue:
    """Change a company's details; another company's CVR number is refused."""
    company = db.get_or_404(Company, company_id)
    form = CompanyForm(obj=company, company_id=company.id)
    if form.validate_on_submit():
        services.update_company(company, form.data)
        flash(_("The changes are saved."), "success")
        return redirect(url_for(".detail", company_id=company.id), 303)
    return render_template("companies/company_form.html", form=form, company=company), _status(form)


@bp.post("/<int:company_id>/arbejdssteder")
@role_required(*ROLES)
def add_workplace(company_id: int) -> ResponseReturnValue:
    """Add a workplace: htmx gets a fresh form and the refreshed list, a plain POST a 303 to the company."""
    company = db.get_or_404(Company, company_id)
    form = WorkplaceForm(prefix="workplace")
    inline = _inline("workplace-form")
    if form.validate_on_submit():
        workplace = services.add_workplace(company, form.data)
        if not inline:
            flash(_("The workplace %(name)s is added.", name=workplace.name), "success")
            return redirect(url_for(".detail", company_id=company.id), 303)
        return render_template("companies/_workplace_added.html", added=workplace, **_blank_forms(company))
    if inline:
        # 422 like a plain POST: htmx is configured to swap 422 answers in (templates/base.html).
        return render_template("companies/_workplace_form.html", company=company, workplace_form=form), 422
    return _detail_page(company, workplace_form=form), 422


@bp.post("/<int:company_id>/kontaktpersoner")
@role_required(*ROLES)
def add_contact(company_id: int) -> ResponseReturnValue:
    """Add a contact person: htmx gets a fresh form and the refreshed list, a plain POST a 303."""
    company = db.get_or_404(Company, company_id)
    form = ContactForm(prefix="contact", company_id=company.id)
    inline = _inline("contact-form")
    if form.validate_on_submit():
        contact = services.add_contact(company, form.data)
        if not inline:
            flash(_("The contact person %(name)s is added.", name=contact.name), "success")
            return redirect(url_for(".detail", company_id=company.id), 303)
        return render_template("companies/_contact_added.html", added=contact, **_blank_forms(company))
    if inline:
        return render_template("companies/_contact_form.html", company=company, contact_form=form), 422
    return _detail_page(company, contact_form=form), 422


@bp.route("/<int:company_id>/arbejdssteder/<int:workplace_id>/rediger", methods=["GET", "POST"])
@role_required(*ROLES)
def edit_workplace(company_id: int, workplace_id: int) -> ResponseReturnValue:
    """Change a workplace; a P-number used by another workplace is refused."""
    workplace = _part_of_company(Workplace, workplace_id, company_id)
    form = WorkplaceForm(obj=workplace, workplace_id=workplace.id)
    if form.validate_on_submit():
        services.update_workplace(workplace, form.data)
        flash(_("The changes are saved."), "success")
        return redirect(url_for(".detail", company_id=company_id), 303)
    context = {"form": form, "company": workplace.company, "title": _("Edit workplace")}
    return render_template("companies/edit_part.html", **context), _status(form)


@bp.route("/<int:company_id>/kontaktpersoner/<int:contact_id>/rediger", methods=["GET", "POST"])
@role_required(*ROLES)
def edit_contact(company_id: int, contact_id: int) -> ResponseReturnValue:
    """Change a contact person's details or workplace."""
    contact = _part_of_company(ContactPerson, contact_id, company_id)
    form = ContactForm(obj=contact, company_id=company_id)
    if form.validate_on_submit():
        services.update_contact(contact, form.data)
        flash(_("The changes are saved."), "success")
        return redirect(url_for(".detail", company_id=company_id), 303)
    context = {"form": form, "company": contact.company, "title": _("Edit contact person")}
    return render_template("companies/edit_part.html", **context), _status(form)


def _status(form: AppForm) -> int:
    """422 for a submitted form that was refused, 200 for a form shown the first time."""
    return 422 if form.is_submitted() else 200


def _inline(target: str) -> bool:
    """Whether the request is htmx's post from the self-replacing form with id `target`."""
    return bool(request.htmx) and request.htmx.target == target


def _blank_forms(company: Company) -> dict:
    """The company with empty add forms, ignoring the request's data."""
    return {
        "company": company,
        "workplace_form": WorkplaceForm(formdata=None, prefix="workplace"),
        "contact_form": ContactForm(formdata=None, prefix="contact", company_id=company.id),
    }


def _detail_page(company: Company, **forms: AppForm) -> str:
    """The company page; a form given in `forms` (refused by a plain POST) replaces its empty one."""
    return render_template("companies/detail.html", **{**_blank_forms(company), **forms})


def _part_of_company(
    model: type[Workplace] | type[ContactPerson], id_: int, company_id: int
) -> Workplace | ContactPerson:
    """The workplace or contact person `id_` of company `company_id`; aborts with 404 otherwise."""
    found = db.get_or_404(model, id_)
    if found.company_id != company_id:
        abort(404)
    return found
