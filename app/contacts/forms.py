"""The contact form (the page and the sync API read the same one), the answer, feedback on a visit and the
team meeting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.core.forms import AppForm
from app.models import ContactChannel, ContactParty
from app.sync.validation import parse_id

ABOUT_MAX = 2000

CHANNEL_LABELS = {
    ContactChannel.PHONE.value: _l("Phone"),
    ContactChannel.SMS.value: _l("SMS"),
    ContactChannel.EMAIL.value: _l("E-mail"),
    ContactChannel.MEETING.value: _l("Meeting"),
    ContactChannel.AT_COMPANY.value: _l("At the company"),
}
CHANNELS = [SelectChoice(value, label) for value, label in CHANNEL_LABELS.items()]
PARTIES = [
    SelectChoice(ContactParty.CITIZEN.value, _l("The citizen")),
    SelectChoice(ContactParty.CONTACT_PERSON.value, _l("The contact person at the company")),
]


def _an_id(form: AppForm, field: HiddenField) -> None:
    if field.data not in (None, "") and parse_id(field.data) is None:
        raise ValidationError(_l("Must be a whole number."))


class ContactForm(AppForm):
    """A contact with a citizen or their contact person: who, which way, when it came in, what about,
    and whether it needs an answer."""

    class Meta:
        csrf = False  # the API checks CSRF for the whole request (CSRFProtect); the page never posts

    citizen_id = HiddenField(validators=[DataRequired(_l("The contact must name its citizen.")), _an_id])
    placement_id = HiddenField(validators=[Optional(), _an_id])
    contact_person_id = HiddenField(validators=[Optional(), _an_id])
    party = RadioField(
        _l("Who"),
        choices=PARTIES,
        default=ContactParty.CITIZEN.value,
        validators=[InputRequired(_l("Choose who."))],
    )
    channel = RadioField(
        _l("How"),
        choices=CHANNELS,
        default=ContactChannel.PHONE.value,
        validators=[InputRequired(_l("Choose how the contact came."))],
    )
    came_in_on = DateField(
        _l("Came in on"),
        validators=[InputRequired(_l("Give the date the contact came in."))],
    )
    came_in_time = TimeField(
        _l("At"),
        format=["%H:%M", "%H:%M:%S"],
        validators=[InputRequired(_l("Give the time the contact came in (hh:mm)."))],
    )
    about = TextAreaField(
        _l("What it was about"),
        validators=[
            DataRequired(_l("Write what the contact was about.")),
            Length(max=ABOUT_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    needs_answer = BooleanField(_l("Needs an answer (within 24 hours)"))


class AnswerForm(AppForm):
    note = TextAreaField(_l("How it was answered"), validators=[Optional(), Length(max=ABOUT_MAX)])


class FeedbackForm(AppForm):
    # Only on the jobformidler's form: which colleague took part or gave the feedback.
    given_by = SelectField(_l("Colleague"), coerce=int, choices=[], validate_choice=True)
    took_part = BooleanField(_l("I took part in the visit"))
    feedback = TextAreaField(_l("Feedback to the job broker"), validators=[Optional(), Length(max=ABOUT_MAX)])

    def validate(self, extra_validators: dict | None = None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.took_part.data and not (self.feedback.data or "").strip():
            self.feedback.errors = [
                *self.feedback.errors,
                _l("Write the feedback, or tick that you took part."),
            ]
            return False
        return valid


class TeamMeetingForm(AppForm):
    held_on = DateField(_l("Held on"), validators=[InputRequired(_l("Give the date of the meeting."))])
    citizens = SelectMultipleField(_l("Citizens whose ordinary hours were discussed"), coerce=int, choices=[])
    successes_discussed = BooleanField(_l("Successful cases were discussed"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=ABOUT_MAX)])
