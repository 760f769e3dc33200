"""Forms for a draft checklist version, and the interface words for its stored values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.checklists.services import NAME_MAX, SIGNER_CHOICES, TITLE_MAX
from app.core.forms import AppForm
from app.core.labels import SIGNER_ROLE
from app.models import ItemKind, TemplateStatus

TEMPLATE_STATUS = {
    TemplateStatus.DRAFT: _l("Draft"),
    TemplateStatus.PUBLISHED: _l("Published"),
    TemplateStatus.SUPERSEDED: _l("Superseded"),
}
ITEM_KIND = {
    ItemKind.RATING: _l("Rating and note"),
    ItemKind.HOURS: _l("Rating, note and hours"),
}
HELP_MAX = 2000


class TemplateForm(AppForm):
    """The draft's name and the signatures that complete a visit filled with it."""

    name = StringField(
        _l("Name of the checklist"),
        validators=[
            DataRequired(_l("Enter the name of the checklist.")),
            Length(max=NAME_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )
    required_signers = SelectMultipleField(
        _l("Required signatures"),
        choices=[SelectChoice(role.value, SIGNER_ROLE[role]) for role in SIGNER_CHOICES],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ItemForm(AppForm):
    """One topic of the checklist. Each item's form has its own prefix, so a page holds many."""

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Enter a title.")),
            Length(max=TITLE_MAX, message=_l("Write at most %(max)d characters.")),
        ],
    )
    help_text = TextAreaField(
        _l("Help text"),
        validators=[Optional(), Length(max=HELP_MAX, message=_l("Write at most %(max)d characters."))],
    )
    kind = RadioField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in ITEM_KIND.items()],
        default=ItemKind.RATING.value,
        validators=[InputRequired(_l("Choose the kind of item."))],
    )

    def item_data(self) -> dict:
        """The form's values in the shape services.add_item and services.update_item take."""
        return {"title": self.title.data, "help_text": self.help_text.data, "kind": ItemKind(self.kind.data)}
