"""The visit form, built from the checklist template version the visit is filled with.

The same form validates the page's data and the sync API's, so a visit stored offline and replayed later
meets exactly the rules the page showed.
"""

from __future__ import annotations

import functools
import uuid
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.core.forms import AppForm, AppSubForm
from app.core.labels import CONVERT, VISIT_KIND
from app.models import ChecklistTemplate, ItemKind, VisitKind
from app.placements.forms import MAX_WEEKLY_HOURS, HoursField
from app.sync.validation import MAX_ACTIONS, parse_id

NOTE_MAX = 5000
ACTION_ROWS = 3


class ActionForm(AppSubForm):
    """An agreed action: what, who, by when."""

    what = StringField(_l("What"), validators=[Optional(), Length(max=500)])
    who = StringField(_l("Who"), validators=[Optional(), Length(max=120)])
    due = DateField(_l("By when"), validators=[Optional()])

    def validate(self, extra_validators: dict | None = None) -> bool:
        """A row with a who or a when needs a what (an empty row is a spare line, not an error)."""
        valid = super().validate(extra_validators)
        if not (self.what.data or "").strip() and ((self.who.data or "").strip() or self.due.data):
            self.what.errors = [*self.what.errors, _l("Describe the action.")]
            valid = False
        return valid


class VisitFormBase(AppForm):
    """The fields every visit has; the template's topics are added by visit_form()."""

    class Meta:
        csrf = False  # the API checks CSRF for the whole request (CSRFProtect), the page never posts

    placement_id = HiddenField(validators=[InputRequired()])
    scheduled_visit_id = HiddenField()
    template_id = HiddenField(validators=[InputRequired()])
    addendum_of = HiddenField()
    performed_on = DateField(
        _l("Date of the visit"), validators=[InputRequired(_l("Enter the date of the visit."))]
    )
    # When the visit began, by the device's clock; the device fills it in when the visit is started.
    performed_time = TimeField(
        _l("Time"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[Optional()],
    )
    kind = RadioField(
        _l("Kind of visit"),
        choices=[SelectChoice(k.value, v) for k, v in VISIT_KIND.items()],
        default=VisitKind.FOLLOW_UP.value,
        validators=[InputRequired(_l("Choose the kind of visit."))],
    )
    on_site = BooleanField(_l("The visit took place at the workplace"), default=True)
    present = StringField(_l("Present"), validators=[Optional(), Length(max=500)])
    paid_hours_per_week = HoursField(
        _l("Ordinary paid hours per week now"),
        places=2,
        validators=[
            InputRequired(_l("Enter the hours (0 if none).")),
            NumberRange(0, MAX_WEEKLY_HOURS, _l("Hours per week must be between 0 and 37.")),
        ],
    )
    internship_hours_per_week = HoursField(
        _l("Internship hours per week now"),
        places=2,
        validators=[
            InputRequired(_l("Enter the hours (0 if none).")),
            NumberRange(0, MAX_WEEKLY_HOURS, _l("Hours per week must be between 0 and 37.")),
        ],
    )
    can_convert = RadioField(
        _l("Can internship hours be converted to ordinary paid hours?"),
        choices=[SelectChoice(k.value, v) for k, v in CONVERT.items()],
        validators=[InputRequired(_l("Answer whether internship hours can be converted."))],
    )
    hours_note = TextAreaField(
        _l("The next step toward more paid hours"),
        validators=[Optional(), Length(max=NOTE_MAX)],
    )
    # The rows sent; a page's form gets spare lines to fill in (visit_form).
    actions = FieldList(FormField(ActionForm), max_entries=MAX_ACTIONS)
    next_visit_date = DateField(_l("Next visit"), validators=[Optional()])

    def validate_scheduled_visit_id(self, field: HiddenField) -> None:
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_l("Unknown scheduled visit for this course."))

    def validate_addendum_of(self, field: HiddenField) -> None:
        if field.data:
            try:
                uuid.UUID(str(field.data))
            except ValueError as error:
                raise ValidationError(
                    _l("An addendum must point at a signed visit of the same course.")
                ) from error

    def validate_next_visit_date(self, field: DateField) -> None:
        if field.data and self.performed_on.data and field.data <= self.performed_on.data:
            raise ValidationError(_l("The next visit must be after this visit."))

    # --- The template's topics -----------------------------------------------------------------------

    template: ChecklistTemplate  # set by visit_form()

    def topic_fields(self) -> list[tuple[Any, Any, Any]]:
        """(item, rating field, note field) for each topic, in the template's order."""
        return [
            (item, self[f"{item.key}__rating"], self[f"{item.key}__note"]) for item in self.template.items
        ]

    def answers(self) -> dict[str, dict[str, str]]:
        return {
            item.key: {"rating": rating.data, "note": (note.data or "").strip()}
            for item, rating, note in self.topic_fields()
        }

    def cleaned_actions(self) -> list[dict[str, str]]:
        """The filled action rows; empty rows are the form's spare lines."""
        return [
            {
                "what": a["what"].strip(),
                "who": (a["who"] or "").strip(),
                "due": a["due"].isoformat() if a["due"] else "",
            }
            for a in self.actions.data
            if (a["what"] or "").strip()
        ]


def visit_form(template: ChecklistTemplate, **kwargs: Any) -> VisitFormBase:
    """The visit form for one template version: a rating and a note per topic. `kwargs` go to the form
    (formdata, data). A form for a page (no formdata) has at least ACTION_ROWS action rows, spare ones
    empty; a form that reads submitted data has the rows sent (empty rows are spare lines either way),
    and is never shown: the page sends its form to the sync API."""
    form = _form_class(_shape(template))(**kwargs)
    if kwargs.get("formdata") is None:
        while len(form.actions) < ACTION_ROWS:
            form.actions.append_entry()
    form.template = template
    return form


def _shape(template: ChecklistTemplate) -> tuple:
    """What of a template its form's fields are made of: a draft template edited in the administration
    has another shape, and so another form class."""
    scale = tuple((option["value"], option["label"]) for option in template.rating_scale)
    return scale, tuple((item.key, item.title, item.help_text or "") for item in template.items)


@functools.lru_cache(maxsize=64)
def _form_class(shape: tuple) -> type[VisitFormBase]:
    """A form class per template shape, made once per process: WTForms builds a class field by field,
    which cost a save more than its checks do. The class holds no template (rows of one request's
    session): visit_form() sets it on each form."""
    scale_values, topics = shape
    scale = [SelectChoice(value, label) for value, label in scale_values]
    fields: dict[str, Any] = {}
    for key, title, help_text in topics:
        fields[f"{key}__rating"] = RadioField(
            title,
            choices=scale,
            validators=[InputRequired(_l("Choose an assessment for “%(topic)s”.", topic=title))],
        )
        fields[f"{key}__note"] = TextAreaField(
            _l("Note"),
            validators=[Optional(), Length(max=NOTE_MAX)],
            description=help_text,
        )
    return type("VisitForm", (VisitFormBase,), fields)


def has_hours_item(template: ChecklistTemplate) -> bool:
    return any(item.kind == ItemKind.HOURS for item in template.items)


def formdata_from_json(payload: dict[str, Any]) -> MultiDict:
    """The API's structured JSON as the flat fields the form reads (a missing on_site means on site)."""
    data = MultiDict()
    payload = {"on_site": True, **payload}
    for key, value in payload.items():
        if key == "answers" and isinstance(value, dict):
            for item_key, answer in value.items():
                answer = answer if isinstance(answer, dict) else {}
                data.add(f"{item_key}__rating", answer.get("rating") or "")
                data.add(f"{item_key}__note", answer.get("note") or "")
        elif key == "actions" and isinstance(value, list):
            for i, action in enumerate(value):
                action = action if isinstance(action, dict) else {}
                for part in ("what", "who", "due"):
                    data.add(f"actions-{i}-{part}", action.get(part) or "")
        elif isinstance(value, bool):
            if value:
                data.add(key, "y")
        elif value is not None:
            data.add(key, str(value) if isinstance(value, int | float | Decimal) else value)
    return data


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ConsentForm(AppForm):
    """Consent recorded by the jobformidler for a signer who cannot draw a signature."""

    name = StringField(
        _l("The signer's name"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Write the signer's name.")),
            Length(max=120, message=_l("The name is too long.")),
        ],
    )
    note = TextAreaField(
        _l("How was consent given?"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Write how the signer gave consent.")),
            Length(
                min=10,
                max=1000,
                message=_l("Write how consent was given in 10 to 1,000 characters."),
            ),
        ],
    )
