from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

UNITS = {"days": _l("days"), "weeks": _l("weeks"), "months": _l("months")}


class FollowUpStepForm(FlaskForm):
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
