"""Forms for companies, workplaces and contact persons. The messages are the Danish users' guide."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from app.companies import services
from app.core.forms import AppForm
from app.models import Company, Workplace, is_valid_cvr

CVR_REQUIRED = _l("Enter the company's CVR number.")
CVR_LENGTH = _l("A CVR number is 8 digits.")
CVR_LEADING_ZERO = _l("A CVR number never starts with 0.")
CVR_CHECKSUM = _l("This is not a valid CVR number: the check digit does not match. Check for a typing error.")
CVR_TAKEN = _l("CVR number %(cvr)s is already registered for %(name)s.")
P_NUMBER_LENGTH = _l("A P-number is 10 digits.")
P_NUMBER_TAKEN = _l("P-number %(p_number)s is already registered for %(workplace)s (%(company)s).")
POSTCODE = _l("A postcode is 4 digits.")
PHONE = _l("Enter a phone number of at least 8 digits, e.g. 20 30 40 50.")
EMAIL = _l("Enter an e-mail address such as name@company.dk.")
NAME_REQUIRED = _l("Enter the name.")
ADDRESS_REQUIRED = _l("Enter the address.")
POSTCODE_REQUIRED = _l("Enter the postcode.")
CITY_REQUIRED = _l("Enter the city.")

ASCII_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def optional_id(value: Any) -> int | None:
    """A select's value as an id; the empty choice is None."""
    return None if value in ("", None) else int(value)


def _text(label: Any, *validators: Any, max_length: int, **render_kw: Any) -> StringField:
    return StringField(
        label, validators=[*validators, Length(max=max_length)], filters=[strip], render_kw=render_kw or None
    )


def _postcode(required: bool) -> StringField:
    first = DataRequired(POSTCODE_REQUIRED) if required else Optional()
    return StringField(
        _l("Postcode"),
        validators=[first, Regexp(r"^[0-9]{4}$", message=POSTCODE)],
        filters=[strip],
        render_kw={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": 4},
    )


def _phone() -> TelField:
    return TelField(
        _l("Phone"),
        validators=[Optional(), Regexp(r"^\+?[0-9 ()-]{8,20}$", message=PHONE), Length(max=32)],
        filters=[strip],
        render_kw={"autocomplete": "tel"},
    )


def _email() -> EmailField:
    return EmailField(
        _l("E-mail"),
        validators=[Optional(), Email(EMAIL), Length(max=254)],
        filters=[strip],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"},
    )


class CompanyForm(AppForm):
    """A company. Pass `company_id` when editing, so that its own CVR number is not "already registered"."""

    cvr = StringField(
        _l("CVR number"),
        validators=[DataRequired(CVR_REQUIRED)],
        filters=[strip],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    name = _text(_l("Name"), DataRequired(NAME_REQUIRED), max_length=160, autocomplete="organization")
    address = _text(_l("Address"), Optional(), max_length=200, autocomplete="street-address")
    postcode = _postcode(required=False)
    city = _text(_l("City"), Optional(), max_length=80, autocomplete="address-level2")
    phone = _phone()
    email = _email()

    def __init__(self, *args: Any, company_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.company_id = company_id
        # The company that already has the CVR number typed, for a link from the error.
        self.existing: Company | None = None

    def validate_cvr(self, field: Field) -> None:
        cvr = services.normalise_cvr(field.data)
        if len(cvr) != 8 or not ASCII_DIGITS.fullmatch(cvr):
            raise ValidationError(CVR_LENGTH)
        if cvr.startswith("0"):
            raise ValidationError(CVR_LEADING_ZERO)
        if not is_valid_cvr(cvr):
            raise ValidationError(CVR_CHECKSUM)
        self.existing = services.find_company_by_cvr(cvr, exclude_id=self.company_id)
        if self.existing is not None:
            raise ValidationError(CVR_TAKEN % {"cvr": cvr, "name": self.existing.name})


class WorkplaceForm(AppForm):
    """A workplace ("P-enhed"). Pass `workplace_id` when editing."""

    name = _text(_l("Name of the workplace"), DataRequired(NAME_REQUIRED), max_length=160)
    p_number = StringField(
        _l("P-number"),
        validators=[Optional()],
        filters=[strip],
        description=_l("Optional. 10 digits; find it at datacvr.virk.dk."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"},
    )
    address = _text(
        _l("Address"), DataRequired(ADDRESS_REQUIRED), max_length=200, autocomplete="street-address"
    )
    postcode = _postcode(required=True)
    city = _text(_l("City"), DataRequired(CITY_REQUIRED), max_length=80, autocomplete="address-level2")

    def __init__(self, *args: Any, workplace_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workplace_id = workplace_id

    def validate_p_number(self, field: Field) -> None:
        # No checksum: some P-numbers were issued with wrong weights and are valid all the same.
        p_number = services.normalise_p_number(field.data)
        if len(p_number) != 10 or not ASCII_DIGITS.fullmatch(p_number):
            raise ValidationError(P_NUMBER_LENGTH)
        existing: Workplace | None = services.find_workplace_by_p_number(
            p_number, exclude_id=self.workplace_id
        )
        if existing is not None:
            names = {"p_number": p_number, "workplace": existing.name, "company": existing.company.name}
            raise ValidationError(P_NUMBER_TAKEN % names)


class ContactForm(AppForm):
    """A contact person at the company, optionally tied to one of its workplaces."""

    name = _text(_l("Name"), DataRequired(NAME_REQUIRED), max_length=120, autocomplete="off")
    title = _text(_l("Job title"), Optional(), max_length=120, autocomplete="off")
    phone = _phone()
    email = _email()
    workplace_id = SelectField(_l("Workplace"), coerce=optional_id)

    def __init__(self, *args: Any, company_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workplace_id.choices = [
            ("", _l("Not tied to one workplace")),
            *services.workplace_choices(company_id),
        ]
