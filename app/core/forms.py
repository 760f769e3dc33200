"""The base of every form in the app: two rules that hold for all input, whatever form it comes through.

- **No control characters in text.** A NUL or another control character (not a line break or tab) is no
  text a person typed, and PostgreSQL refuses a NUL in text. Every text field (a `StringField` and its
  kinds: text areas, hidden ids, e-mail, phone, password) gets `no_control_characters` as its last
  validator when the form binds it, so that no form can forget it: the answer is the field's own
  Danish error, with what was typed kept.
- **One message for input that cannot be read.** Text in a number field, or a date that is no date,
  gets the field's "not a number/date" message alone: the rules about the value (a range, say) are not
  checked, since they would only repeat it ("Skriv et helt tal. Skriv et tal mellem 1 og 36.").
  `unreadable_input_stops` goes in after the field's rules about presence (`Optional`, `InputRequired`,
  `DataRequired`: an empty optional field is no error at all).
- **WTForms' own messages in the user's language** ("Not a valid choice.", "Not a valid date value.",
  a `Length` without a message, ...). WTForms ships no Danish catalogue; ours is the `wtforms` domain
  in `app/translations/<language>/LC_MESSAGES/wtforms.po`.

`AppForm` is the base of a page's or the API's form (Flask-WTF's, with CSRF), `AppSubForm` of a form
nested in another (a `FormField`). A test checks that every form in `app` derives from one of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask import has_request_context
from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import Form, StringField
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields.core import Flags
from wtforms.validators import DataRequired, InputRequired, Optional, StopValidation

from app.core.fields import no_control_characters

TRANSLATIONS = Path(__file__).resolve().parents[1] / "translations"
DOMAIN = "wtforms"
_catalogues: dict[str, NullTranslations] = {}


def wtforms_catalogue(language: str) -> NullTranslations:
    """The compiled `wtforms` catalogue of a language, read once per process (English has none: the
    messages are English)."""
    found = _catalogues.get(language)
    if found is None:
        found = _catalogues[language] = Translations.load(TRANSLATIONS, [language], domain=DOMAIN)
    return found


class _Messages:
    """The `translations` object WTForms asks for its messages: the request's language, else English."""

    @staticmethod
    def _catalogue() -> NullTranslations | None:
        if not has_request_context():
            return None
        locale = get_locale()
        return wtforms_catalogue(str(locale)) if locale is not None else None

    def gettext(self, string: str) -> str:
        catalogue = self._catalogue()
        return string if catalogue is None else catalogue.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = self._catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ngettext(singular, plural, n)


MESSAGES = _Messages()


_PRESENCE = (Optional, InputRequired, DataRequired)


def unreadable_input_stops(form: Any, field: Any) -> None:
    """Input the field could not read (its own message is given already): no more rules for it."""
    if field.process_errors:
        raise StopValidation()


def _with_unreadable_input_stop(validators: list) -> list:
    at = 0
    while at < len(validators) and isinstance(validators[at], _PRESENCE):
        at += 1
    return [*validators[:at], unreadable_input_stops, *validators[at:]]


class _Meta:
    """Combined by WTForms with the Meta of the form's other bases (Flask-WTF's CSRF settings, a form's
    own `csrf = False`)."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict) -> Any:
        """The field for this form: a copy of the field as first bound (`_FIELDS_AS_BOUND`), with the
        two rules added to its validators then."""
        if unbound_field.field_class is CSRFTokenField:  # made anew for each form, with the form's token
            return super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        kept = unbound_field.__dict__.setdefault(_FIELDS_AS_BOUND, {})
        key = (options.get("name"), options.get("prefix", ""), _language(self))
        bound = kept.get(key)
        if bound is None:
            bound = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
            if isinstance(bound, StringField) and no_control_characters not in bound.validators:
                bound.validators = [*bound.validators, no_control_characters]
            if unreadable_input_stops not in bound.validators:
                bound.validators = _with_unreadable_input_stop(list(bound.validators))
            bound._form = bound.meta = None  # kept only to be copied: nothing of its first form is kept
            kept[key] = bound
        return _copy_for(bound, form)

    def get_translations(self, form: Any) -> _Messages:
        return MESSAGES


# A field of a form class, as bound the first time (per name, prefix and language: an unlabelled field's
# label is translated when it is bound). WTForms binds every field of a form anew for each form made,
# running each field's constructor: for the visit form's 30 fields that was half of what the form cost a
# save (issue 14). A bound field before its form processes any data holds only what its constructor
# made of the class's arguments, the same for every form; a copy of it is that field, with its own
# containers (validators, choices, flags, render_kw) so that a change to one form's field stays there.
_FIELDS_AS_BOUND = "_eftervaern_bound"


def _language(meta: Any) -> str:
    """The request's language (an unlabelled field's label is in it), once per form: `meta` is the form's."""
    language = meta.__dict__.get("_language")
    if language is None:
        locale = get_locale() if has_request_context() else None
        language = meta.__dict__["_language"] = str(locale) if locale is not None else ""
    return language


def _copy_for(bound: Any, form: Any) -> Any:
    containers = bound.__dict__.get(_CONTAINERS)
    if containers is None:
        containers = bound.__dict__[_CONTAINERS] = tuple(
            name for name, value in bound.__dict__.items() if type(value) in (list, dict)
        )
    field = object.__new__(type(bound))
    state = field.__dict__ = bound.__dict__.copy()
    for name in containers:
        state[name] = state[name].copy()
    flags = state["flags"] = object.__new__(Flags)
    flags.__dict__ = bound.flags.__dict__.copy()
    state["_form"] = form
    state["meta"] = form.meta
    return field


_CONTAINERS = "_eftervaern_containers"  # the names of a kept field's lists and dicts, each copied


class AppForm(FlaskForm):
    class Meta(_Meta):
        pass


class AppSubForm(Form):
    class Meta(_Meta):
        pass
