"""Form fields that several forms share, with their Danish-ready messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, TelField
from wtforms.validators import Email, Length, Optional, Regexp

PHONE_PATTERN = r"^\+?[\d\s]{8,16}$"


def phone_field() -> TelField:
    """An optional Danish phone number: 8 digits, spaces and a leading + allowed."""
    return TelField(
        _l("Phone"),
        validators=[Optional(), Regexp(PHONE_PATTERN, message=_l("Enter a phone number of 8 digits."))],
    )


def email_field() -> EmailField:
    return EmailField(
        _l("E-mail"), validators=[Optional(), Email(_l("Enter a valid e-mail address.")), Length(max=254)]
    )
