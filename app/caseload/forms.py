"""The citizen form. A CPR number goes only into its own field (for Digital Post, stored encrypted); the
other fields refuse one typed by habit."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.core import cpr
from app.core.fields import email_field, phone_field
from app.core.forms import AppForm
from app.core.labels import CITIZEN_STATUS

# Six digits (a birth date), an optional dash or space, four digits: the shape of a CPR number.
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}[-\s]?\d{4}(?!\d)")


def no_cpr(form: AppForm, field: StringField) -> None:
    if field.data and CPR_PATTERN.search(field.data):
        raise ValidationError(_l("Do not enter a CPR number. Use the case reference from the case system."))


def valid_cpr(form: AppForm, field: StringField) -> None:
    """Ten digits with a real date of birth; the form keeps the ten digits in `field.data`."""
    if not field.data:
        return
    digits = cpr.normalize(field.data)
    if digits is None:
        raise ValidationError(_l("A CPR number is 10 digits, for example 010190-1234."))
    if not cpr.is_valid(digits):
        raise ValidationError(_l("The first six digits of a CPR number are a date of birth (DDMMYY)."))
    field.data = digits


def cpr_field() -> StringField:
    # Typed as text, not as a password: it is read aloud from a letter. Never rendered back (see the
    # templates: value=""), so the number is on a page only while it is being typed.
    return StringField(
        _l("CPR number (for Digital Post)"),
        validators=[Optional(), valid_cpr],
        filters=[lambda v: v.strip() if v else v],
    )


class CprForm(AppForm):
    """Register or replace a citizen's CPR number."""

    cpr = StringField(
        _l("CPR number"),
        validators=[DataRequired(_l("Enter the CPR number.")), valid_cpr],
        filters=[lambda v: v.strip() if v else v],
    )
    submit = SubmitField(_l("Save CPR number"))


class CitizenForm(AppForm):
    first_name = StringField(
        _l("First name"), validators=[DataRequired(_l("Enter the first name.")), Length(max=80), no_cpr]
    )
    last_name = StringField(
        _l("Last name"), validators=[DataRequired(_l("Enter the last name.")), Length(max=80), no_cpr]
    )
    case_ref = StringField(
        _l("Case reference"),
        validators=[
            DataRequired(_l("Enter the case reference.")),
            Length(max=32),
            no_cpr,
            Regexp(r"^[\w\-/.]+$", message=_l("Use letters, digits, - / and . only.")),
        ],
    )
    phone = phone_field()
    email = email_field()
    job_wish = TextAreaField(
        _l("The citizen's own job wish"), validators=[Optional(), Length(max=2000), no_cpr]
    )
    cpr = cpr_field()


def status_choices() -> list[tuple[str, str]]:
    """The caseload filter's statuses (rendered by hand in the template, not by a WTForms field)."""
    return [("", _l("All statuses")), *((s.value, label) for s, label in CITIZEN_STATUS.items())]
