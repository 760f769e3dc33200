"""Form fields that several forms share, with their Danish-ready messages."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, TelField
from wtforms.validators import Email, Length, Optional, Regexp, ValidationError

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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def no_control_characters(form: Any, field: Any) -> None:
    """A NUL or other control character (not a line break or tab) is no text a person typed, and
    PostgreSQL refuses NUL in text: refused with a message rather than stored or failed on.

    The page shows the text back with each such character as "\ufffd" (what a browser would make of it),
    so that the rest of what was typed is kept and the place is visible, and no control character goes
    into the HTML."""
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        field.data = _CONTROL.sub("\ufffd", field.data)
        raise ValidationError(_l("The text has characters that cannot be stored."))
