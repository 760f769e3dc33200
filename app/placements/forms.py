"""Forms for courses, their agreement, the plan and ending a course."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import AppForm
from app.core.labels import PLACEMENT_KIND, PURPOSE
from app.models import PlacementKind, PlacementStatus, Purpose

MAX_WEEKLY_HOURS = 37


# DecimalField's own message, translated in WTForms' domain (app/core/forms.py), not the app's.
NOT_A_NUMBER = "Not a valid decimal value."


class HoursField(DecimalField):
    """Hours with a decimal point as <input type=number> wants it, without trailing zeros (7.5, not 7.50).

    "NaN" and "Infinity" read as Decimals but are no number of hours (and cannot be compared with a
    range): refused like any text that is not a number."""

    def process_formdata(self, valuelist: list) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not Decimal(self.data).is_finite():
            self.data = None
            raise ValueError(self.gettext(NOT_A_NUMBER))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(Decimal(self.data).normalize(), "f")


def _optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


class PlacementForm(AppForm):
    """The course and its written agreement."""

    kind = RadioField(
        _l("Kind of course"),
        choices=[SelectChoice(k.value, label) for k, label in PLACEMENT_KIND.items()],
        validators=[InputRequired(_l("Choose the kind of course."))],
    )
    workplace_id = SelectField(
        _l("Workplace"), coerce=_optional_int, validators=[DataRequired(_l("Choose the workplace."))]
    )
    contact_person_id = SelectField(_l("Fixed contact person at the company"), coerce=_optional_int)
    job_title = StringField(_l("Job title"), validators=[Optional(), Length(max=160)])
    start_date = DateField(_l("Start date"), validators=[InputRequired(_l("Enter the start date."))])
    planned_end_date = DateField(_l("Agreed end date"), validators=[Optional()])
    agreement_date = DateField(_l("Date of the written agreement"), validators=[Optional()])
    # Empty: the municipality's rule (HOTLINE_MONTHS after the start, app/contacts/services.py).
    hotline_until = DateField(_l("Hotline until"), validators=[Optional()])
    purpose = RadioField(
        _l("Purpose"),
        choices=[SelectChoice(p.value, label) for p, label in PURPOSE.items()],
        validators=[InputRequired(_l("Choose the purpose of the course."))],
    )
    paid_hours_per_week = HoursField(
        _l("Ordinary paid hours per week"),
        places=2,
        default=Decimal(0),
        validators=[
            InputRequired(_l("Enter the hours (0 if none).")),
            NumberRange(0, MAX_WEEKLY_HOURS, _l("Hours per week must be between 0 and 37.")),
        ],
    )
    internship_hours_per_week = HoursField(
        _l("Internship hours per week"),
        places=2,
        default=Decimal(0),
        validators=[
            InputRequired(_l("Enter the hours (0 if none).")),
            NumberRange(0, MAX_WEEKLY_HOURS, _l("Hours per week must be between 0 and 37.")),
        ],
    )
    working_hours = StringField(_l("Working hours"), validators=[Optional(), Length(max=200)])
    tasks = TextAreaField(_l("Tasks"), validators=[Optional(), Length(max=5000)])
    sub_goals = TextAreaField(_l("Sub-goals for progression"), validators=[Optional(), Length(max=5000)])
    considerations = TextAreaField(
        _l("Health and other considerations"), validators=[Optional(), Length(max=5000)]
    )

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Field checks, then the rules that tie fields together (an empty optional field skips the
        field's own inline validators, so cross-field rules live here)."""
        valid = super().validate(extra_validators)
        kind = self.kind.data
        internship = kind in (PlacementKind.INTERNSHIP, PlacementKind.MIXED)
        paid = self.paid_hours_per_week.data
        intern = self.internship_hours_per_week.data
        checks = [
            (
                self.planned_end_date,
                self.planned_end_date.data
                and self.start_date.data
                and self.planned_end_date.data < self.start_date.data,
                _l("The end date must be after the start date."),
            ),
            (
                self.hotline_until,
                self.hotline_until.data
                and self.start_date.data
                and self.hotline_until.data < self.start_date.data,
                _l("The hotline must run until a day after the start."),
            ),
            (
                self.planned_end_date,
                internship and not self.planned_end_date.data,
                _l("An internship must have an agreed duration: enter the end date."),
            ),
            (
                self.internship_hours_per_week,
                internship and intern == 0,
                _l("An internship must have internship hours."),
            ),
            (
                self.internship_hours_per_week,
                kind in (PlacementKind.ORDINARY, PlacementKind.SMALL_JOB) and intern,
                _l("This kind of course has no internship hours; choose a mix instead."),
            ),
            (
                self.paid_hours_per_week,
                kind and kind != PlacementKind.INTERNSHIP and paid == 0,
                _l("This kind of course has paid hours: enter them."),
            ),
            (
                self.paid_hours_per_week,
                paid is not None and intern is not None and paid + intern > MAX_WEEKLY_HOURS,
                _l("Paid and internship hours together exceed 37 a week."),
            ),
        ]
        for field, failed, message in checks:
            if failed and not field.errors:
                field.errors.append(message)
                valid = False
        return valid

    def agreement_data(self) -> dict:
        """The form's values in the shape the services take."""
        data = {name: self[name].data for name in self.fields_for_model}
        data["kind"] = PlacementKind(data["kind"])
        data["purpose"] = Purpose(data["purpose"])
        for text in ("job_title", "tasks", "working_hours", "sub_goals", "considerations"):
            data[text] = (data[text] or "").strip() or None
        return data

    fields_for_model = (
        "kind",
        "workplace_id",
        "contact_person_id",
        "job_title",
        "start_date",
        "planned_end_date",
        "agreement_date",
        "hotline_until",
        "purpose",
        "paid_hours_per_week",
        "internship_hours_per_week",
        "working_hours",
        "tasks",
        "sub_goals",
        "considerations",
    )


class MoveVisitForm(AppForm):
    due_date = DateField(_l("New date"), validators=[InputRequired(_l("Enter the new date."))])
    note = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])


class CancelVisitForm(AppForm):
    note = StringField(
        _l("Reason"), validators=[DataRequired(_l("Say why the visit is cancelled.")), Length(max=500)]
    )


class AddVisitForm(AppForm):
    due_date = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))])
    note = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500)])


ENDINGS = {
    PlacementStatus.COMPLETED: _l("Completed: at least 30 paid hours a month, or self-supporting"),
    PlacementStatus.BROKEN_OFF: _l("Broken off: back to matching"),
    PlacementStatus.REHABILITATION: _l("Handed to the rehabilitation team"),
}


class EndCourseForm(AppForm):
    status = RadioField(
        _l("Outcome"),
        choices=[SelectChoice(s.value, label) for s, label in ENDINGS.items()],
        validators=[InputRequired(_l("Choose how the course ended."))],
    )
    end_date = DateField(_l("End date"), validators=[InputRequired(_l("Enter the end date."))])
    reason = TextAreaField(
        _l("Reason and next step"), validators=[DataRequired(_l("Describe the reason.")), Length(max=2000)]
    )
