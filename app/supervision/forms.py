"""Filter forms for the review pages (GET, no CSRF: they change nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from app.core.forms import AppForm
from app.core.labels import AUDIT_ACTION, VISIT_STATE
from app.models import AuditAction, User, VisitState
from app.supervision.access_log import AccessFilter
from app.supervision.history import STATES, HistoryFilter


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


class _FilterForm(AppForm):
    class Meta:
        csrf = False

    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))


class HistoryFilterForm(_FilterForm):
    jobformidler = SelectField(_l("Job broker"), coerce=_int_or_none, validate_choice=False)
    citizen = StringField(_l("Citizen (name or case reference)"), validators=[Length(max=80)])
    company = StringField(_l("Company (name or CVR)"), validators=[Length(max=80)])
    state = SelectField(_l("Status"), validate_choice=False)

    def __init__(self, members: list[User], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.jobformidler.choices = [
            SelectChoice("", _l("All")),
            *(SelectChoice(m.id, m.full_name) for m in members),
        ]
        self.state.choices = [
            SelectChoice("", _l("All")),
            *(SelectChoice(s.value, VISIT_STATE[s]) for s in STATES),
        ]
        self._members = {m.id for m in members}

    def validate_jobformidler(self, field: SelectField) -> None:
        if field.data is not None and field.data not in self._members:
            raise ValidationError(_l("Choose a job broker from the list."))

    def validate_state(self, field: SelectField) -> None:
        if field.data and field.data not in {s.value for s in STATES}:
            raise ValidationError(_l("Choose a status from the list."))

    def filter(self) -> HistoryFilter:
        """The filter the form describes; fields with errors are left out (the page says why)."""
        ok = not self.errors
        return HistoryFilter(
            jobformidler_id=self.jobformidler.data if ok else None,
            citizen=(self.citizen.data or "").strip(),
            company=(self.company.data or "").strip(),
            date_from=self.date_from.data if ok else None,
            date_to=self.date_to.data if ok else None,
            state=VisitState(self.state.data) if ok and self.state.data else None,
        )


class AccessFilterForm(_FilterForm):
    citizen = StringField(_l("Citizen (name or case reference)"), validators=[Length(max=80)])
    user = SelectField(_l("Employee"), coerce=_int_or_none, validate_choice=False)
    action = SelectField(_l("Action"), validate_choice=False)

    def __init__(self, users: list[User], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user.choices = [SelectChoice("", _l("All")), *(SelectChoice(u.id, u.full_name) for u in users)]
        self.action.choices = [
            SelectChoice("", _l("All")),
            *(SelectChoice(a.value, AUDIT_ACTION[a]) for a in AuditAction),
        ]
        self._users = {u.id for u in users}

    def validate_user(self, field: SelectField) -> None:
        if field.data is not None and field.data not in self._users:
            raise ValidationError(_l("Choose an employee from the list."))

    def validate_action(self, field: SelectField) -> None:
        if field.data and field.data not in {a.value for a in AuditAction}:
            raise ValidationError(_l("Choose an action from the list."))

    def filter(self) -> AccessFilter:
        ok = not self.errors
        return AccessFilter(
            citizen=(self.citizen.data or "").strip(),
            user_id=self.user.data if ok else None,
            action=AuditAction(self.action.data) if ok and self.action.data else None,
            date_from=self.date_from.data if ok else None,
            date_to=self.date_to.data if ok else None,
        )
