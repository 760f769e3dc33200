"""The citizen form. No CPR number is stored, and the form refuses one typed by habit."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from app.core.fields import email_field, phone_field
from app.core.labels import CITIZEN_STATUS

# Six digits (a birth date), an optional dash or space, four digits: the shape of a CPR number.
CPR_PATTERN = re.compile(r"(?<!\d)\d{6}[-\s]?\d{4}(?!\d)")


def no_cpr(form: FlaskForm, field: StringField) -> None:
    if field.data and CPR_PATTERN.search(field.data):
        raise ValidationError(_l("Do not enter a CPR number. Use the case reference from the case system."))


class CitizenForm(FlaskForm):
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


def status_choices() -> list[tuple[str, str]]:
    """The caseload filter's statuses (rendered by hand in the template, not by a WTForms field)."""
    return [("", _l("All statuses")), *((s.value, label) for s, label in CITIZEN_STATUS.items())]
