from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.admin.services import AdminError
from app.auth.forms import PasswordForm
from app.auth.services import password_problem
from app.core.fields import email_field, phone_field
from app.core.forms import AppForm
from app.core.labels import ROLE
from app.models import Role, Team

__all__ = [
    "FollowUpStepForm",
    "MoveCitizensForm",
    "NewUserForm",
    "PasswordForm",
    "TeamForm",
    "UserForm",
    "apply_error",
]

UNITS = {"days": _l("days"), "weeks": _l("weeks"), "months": _l("months")}


class FollowUpStepForm(AppForm):
    """One step of the follow-up plan: a visit this long after the start of employment."""

    amount = IntegerField(
        _l("After"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(1, 36, _l("Enter a number between 1 and 36.")),
        ],
    )
    unit = RadioField(
        _l("Unit"),
        choices=[SelectChoice(k, v) for k, v in UNITS.items()],
        default="months",
        validators=[InputRequired(_l("Choose days, weeks or months."))],
    )


def _lowercase(value: str | None) -> str | None:
    return value.strip().lower() if value else value


class UserForm(AppForm):
    """An account as the administrator edits it. The team list is filled by the view."""

    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Enter the full name.")), Length(max=120)]
    )
    username = StringField(
        _l("Username"),
        filters=[_lowercase],
        validators=[
            DataRequired(_l("Enter a username.")),
            Regexp(
                r"^[a-z0-9][a-z0-9._-]{1,63}$",
                message=_l("Use 2–64 letters a–z, digits, dot, dash or underscore."),
            ),
        ],
    )
    email = email_field()
    phone = phone_field()
    role = RadioField(
        _l("Role"),
        choices=[SelectChoice(r.value, label) for r, label in ROLE.items()],
        validators=[InputRequired(_l("Choose a role."))],
    )
    team = SelectField(_l("Team"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active: the user can log in"), default=True)

    def set_teams(self, teams: list[Team]) -> None:
        self.team.choices = [
            SelectChoice("", _l("No team")),
            *(SelectChoice(str(t.id), t.name) for t in teams),
        ]
        self._teams = {str(t.id): t for t in teams}

    def validate_team(self, field: SelectField) -> None:
        # The same rules as app.admin.services, checked here too so that every error shows at once.
        if field.data and field.data not in self._teams:
            raise ValidationError(_l("Choose a team from the list."))
        if not field.data and self.role.data in (Role.JOBFORMIDLER.value, Role.SUPERVISOR.value):
            raise ValidationError(_l("Choose a team: a supervisor sees the citizens of their own team only."))

    def chosen_team(self) -> Team | None:
        return self._teams.get(self.team.data or "")

    def account(self) -> dict:
        """What app.admin.services.create_user and update_user take from the form."""
        return {
            "username": self.username.data,
            "full_name": self.full_name.data,
            "role": Role(self.role.data),
            "team": self.chosen_team(),
            "email": self.email.data,
            "phone": self.phone.data,
        }


class NewUserForm(UserForm):
    password = PasswordField(_l("First password"), validators=[DataRequired(_l("Enter a password."))])

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data, self.username.data)
        if problem:
            raise ValidationError(problem)

    confirm = PasswordField(
        _l("The password again"),
        validators=[
            DataRequired(_l("Enter the password again.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
    )


class TeamForm(AppForm):
    name = StringField(
        _l("Team name"), validators=[DataRequired(_l("Enter the team's name.")), Length(max=120)]
    )


class MoveCitizensForm(AppForm):
    """Some of a jobformidler's citizens to another jobformidler. Both lists are filled by the view."""

    citizens = SelectMultipleField(
        _l("Citizens to move"),
        choices=[],
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    to_user = SelectField(_l("New job broker"), choices=[], validate_choice=False)

    def validate_citizens(self, field: SelectMultipleField) -> None:
        allowed = {value for value, *_rest in field.choices}
        if not field.data:
            raise ValidationError(_l("Choose at least one citizen."))
        if not set(field.data) <= allowed:
            raise ValidationError(_l("Choose citizens from the list."))

    def validate_to_user(self, field: SelectField) -> None:
        allowed = {value for value, *_rest in field.choices if value}
        if not field.data:
            raise ValidationError(_l("Choose the job broker who takes over."))
        if field.data not in allowed:
            raise ValidationError(_l("Choose a job broker from the list."))


def apply_error(form: AppForm, error: AdminError) -> None:
    """Show a refusal of app.admin.services on the field it names, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)
