"""The company, workplace and contact forms' rules, checked without HTTP."""

from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.datastructures import MultiDict

from app.companies import forms
from app.companies.forms import CompanyForm, ContactForm, WorkplaceForm
from app.companies.services import normalise_cvr, normalise_p_number
from tests.factories import make_company, make_workplace


def _validate(app: Flask, form_class: type, data: dict, **kwargs) -> tuple[bool, dict]:
    """Validate `data` posted to a form; returns whether it passed and the errors as text."""
    with app.test_request_context(method="POST", data=MultiDict(data)):
        form = form_class(**kwargs)
        ok = form.validate()
        return ok, {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def _message(app: Flask, message) -> str:
    with app.test_request_context():
        return str(message)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13748136", "13748136"),
        ("1374 8136", "13748136"),
        (" 13 74 81 36 ", "13748136"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalise_cvr_removes_spaces(typed, expected):
    """Is a CVR number stored without the spaces people type?"""
    assert normalise_cvr(typed) == expected


def test_normalise_p_number_removes_spaces():
    """Is a P-number stored without spaces?"""
    assert normalise_p_number("1012 345 678") == "1012345678"


@pytest.mark.parametrize("cvr", ["13748136", "1374 8136", " 13748136 ", "10103940"])
def test_company_form_accepts_valid_cvr(app, cvr):
    """Is a valid CVR number accepted, with or without spaces?"""
    ok, errors = _validate(app, CompanyForm, {"cvr": cvr, "name": "Herning Blik A/S"})
    assert ok, errors


@pytest.mark.parametrize(
    ("cvr", "message"),
    [
        ("13748137", forms.CVR_CHECKSUM),
        ("1374813", forms.CVR_LENGTH),
        ("137481360", forms.CVR_LENGTH),
        ("1374813A", forms.CVR_LENGTH),
        ("١٣٧٤٨١٣٦", forms.CVR_LENGTH),
        ("01374813", forms.CVR_LEADING_ZERO),
        ("", forms.CVR_REQUIRED),
        ("   ", forms.CVR_REQUIRED),
    ],
)
def test_company_form_refuses_bad_cvr(app, cvr, message):
    """Is a malformed CVR number refused with the message that says what is wrong?"""
    ok, errors = _validate(app, CompanyForm, {"cvr": cvr, "name": "Herning Blik A/S"})
    assert not ok
    assert errors == {"cvr": [_message(app, message)]}


def test_company_form_refuses_a_registered_cvr_and_names_the_company(app):
    """Is a CVR number already registered refused, naming the company that has it?"""
    existing = make_company(cvr="13748136", name="Herning Blik A/S")
    with app.test_request_context(method="POST", data={"cvr": "1374 8136", "name": "Ny ApS"}):
        form = CompanyForm()
        assert not form.validate()
        assert form.existing == existing
        assert "Herning Blik A/S" in str(form.cvr.errors[0]) and "13748136" in str(form.cvr.errors[0])


def test_company_form_accepts_its_own_cvr_when_editing(app):
    """May a company being edited keep its own CVR number?"""
    company = make_company(cvr="13748136")
    ok, errors = _validate(app, CompanyForm, {"cvr": "13748136", "name": "Nyt navn"}, company_id=company.id)
    assert ok, errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "740", forms.POSTCODE),
        ("postcode", "74000", forms.POSTCODE),
        ("postcode", "74OO", forms.POSTCODE),
        ("email", "hanne@", forms.EMAIL),
        ("phone", "12 34", forms.PHONE),
        ("phone", "ring efter kl. 9", forms.PHONE),
        ("name", "", forms.NAME_REQUIRED),
    ],
)
def test_company_form_refuses_bad_details(app, field, value, message):
    """Are a wrong postcode, e-mail or phone number and a missing name refused with a clear message?"""
    data = {"cvr": "13748136", "name": "Herning Blik A/S", field: value}
    ok, errors = _validate(app, CompanyForm, data)
    assert not ok
    assert errors == {field: [_message(app, message)]}


def test_company_form_needs_only_cvr_and_name(app):
    """Are address, postcode, city, phone and e-mail optional for a company?"""
    ok, errors = _validate(app, CompanyForm, {"cvr": "13748136", "name": "Herning Blik A/S", "postcode": ""})
    assert ok, errors


WORKPLACE = {"name": "Lageret", "address": "Industrivej 1", "postcode": "7400", "city": "Herning"}


@pytest.mark.parametrize("p_number", ["1234567890", "1012 345 678", ""])
def test_workplace_form_accepts_p_number_without_checksum(app, p_number):
    """Is any 10-digit P-number accepted without a checksum, and may it be left out?"""
    ok, errors = _validate(app, WorkplaceForm, {**WORKPLACE, "p_number": p_number})
    assert ok, errors


@pytest.mark.parametrize("p_number", ["123456789", "12345678901", "12345678AB", "P-1234567"])
def test_workplace_form_refuses_malformed_p_number(app, p_number):
    """Is a P-number that is not 10 digits refused?"""
    ok, errors = _validate(app, WorkplaceForm, {**WORKPLACE, "p_number": p_number})
    assert not ok
    assert errors == {"p_number": [_message(app, forms.P_NUMBER_LENGTH)]}


def test_workplace_form_refuses_a_used_p_number(app):
    """Is a P-number already registered refused, naming the workplace and company that have it?"""
    make_workplace(make_company(name="Herning Blik A/S"), p_number="1234567890", name="Værkstedet")
    ok, errors = _validate(app, WorkplaceForm, {**WORKPLACE, "p_number": "1234567890"})
    assert not ok
    assert "Værkstedet" in errors["p_number"][0] and "Herning Blik A/S" in errors["p_number"][0]


def test_workplace_form_accepts_its_own_p_number_when_editing(app):
    """May a workplace being edited keep its own P-number?"""
    workplace = make_workplace(p_number="1234567890")
    data = {**WORKPLACE, "p_number": "1234567890"}
    ok, errors = _validate(app, WorkplaceForm, data, workplace_id=workplace.id)
    assert ok, errors


@pytest.mark.parametrize("missing", ["name", "address", "postcode", "city"])
def test_workplace_form_requires_name_and_address(app, missing):
    """Are name, address, postcode and city required for a workplace?"""
    ok, errors = _validate(app, WorkplaceForm, {**WORKPLACE, missing: ""})
    assert not ok and list(errors) == [missing]


def test_contact_form_offers_only_the_companys_workplaces(app):
    """Does the contact form list the company's own workplaces, and refuse another company's?"""
    company = make_company()
    own = make_workplace(company, name="Butikken")
    other = make_workplace(make_company())
    with app.test_request_context():
        choices = ContactForm(company_id=company.id).workplace_id.choices
    assert [value for value, _ in choices] == ["", own.id]
    ok, errors = _validate(
        app, ContactForm, {"name": "Hanne", "workplace_id": str(other.id)}, company_id=company.id
    )
    assert not ok and list(errors) == ["workplace_id"]


def test_contact_form_needs_only_a_name(app):
    """May a contact person be registered with a name only?"""
    company = make_company()
    ok, errors = _validate(
        app, ContactForm, {"name": "Hanne Jensen", "workplace_id": ""}, company_id=company.id
    )
    assert ok, errors
