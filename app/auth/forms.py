from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.core.fields import email_field, phone_field
from app.core.forms import AppForm


class LoginForm(AppForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(_l("Enter your username.")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password."))],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(AppForm):
    """A new password, twice."""

    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Enter a password."))])
    confirm = PasswordField(
        _l("The new password again"),
        validators=[
            DataRequired(_l("Enter the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class OwnPasswordForm(PasswordForm):
    """The user changes their own password: the present one first."""

    current = PasswordField(
        _l("Present password"), validators=[DataRequired(_l("Enter your present password."))]
    )


class ContactDetailsForm(AppForm):
    """The user's own direct phone and e-mail: the hotline the company and the citizen are given."""

    phone = phone_field()
    email = email_field()
