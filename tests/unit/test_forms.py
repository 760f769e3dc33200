"""The rules every form keeps (app/core/forms.py): WTForms' own messages in the user's language, and no
control characters in any text field, nested forms included."""

import importlib
import pkgutil

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

import app as app_package
from app.core.fields import no_control_characters
from app.core.forms import AppForm, AppSubForm


class _Row(AppSubForm):
    what = StringField(validators=[Optional()])


class _Sample(AppForm):
    class Meta:
        csrf = False

    name = StringField(validators=[Optional(), Length(max=3)])
    note = TextAreaField()
    ref = HiddenField()
    kind = RadioField(choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])
    day = DateField(validators=[Optional()])
    at = TimeField(validators=[Optional()])
    count = IntegerField(validators=[Optional()])
    hours = DecimalField(validators=[Optional()])
    rows = FieldList(FormField(_Row), min_entries=1)


def _validated(app, data: dict, lang: str | None = None) -> dict:
    query = f"/?lang={lang}" if lang else "/"
    with app.test_request_context(query):
        form = _Sample(formdata=MultiDict(data))
        form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


BAD = {
    "name": "abcdef",
    "kind": "c",
    "day": "2026-13-45",
    "at": "25:99",
    "count": "syv",
    "hours": "7,5,5",
}


def test_wtforms_own_messages_are_danish_by_default(app):
    """Is each of WTForms' own messages (no message given by the field) shown in Danish?"""
    errors = _validated(app, BAD)
    assert errors["name"] == ["Feltet må højst have 3 tegn."]
    assert errors["kind"] == ["Vælg en af mulighederne."]
    assert errors["day"] == ["Skriv en gyldig dato."]
    assert errors["at"] == ["Skriv et gyldigt klokkeslæt (tt:mm)."]
    assert errors["count"] == ["Skriv et helt tal."]
    assert errors["hours"] == ["Skriv et tal."]


def test_wtforms_own_messages_are_english_when_english_is_chosen(app):
    errors = _validated(app, BAD, lang="en")
    assert errors["name"] == ["Field cannot be longer than 3 characters."]
    assert errors["kind"] == ["Not a valid choice."]
    assert errors["day"] == ["Not a valid date value."]


@pytest.mark.parametrize("field", ["name", "note", "ref", "rows-0-what"])
@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x1f"])
def test_every_text_field_refuses_a_control_character(app, field, character):
    """Is a control character refused in a plain, a long, a hidden and a nested text field alike, with
    the Danish message, and the rest of the text kept in the form?"""
    with app.test_request_context("/"):
        form = _Sample(formdata=MultiDict({field: f"a{character}b", "kind": "a"}))
        assert not form.validate()
        errors = form.rows[0].what.errors if field == "rows-0-what" else form[field].errors
        assert [str(e) for e in errors] == ["Teksten har tegn, der ikke kan gemmes."]
        kept = form.rows[0].what.data if field == "rows-0-what" else form[field].data
        assert kept == "a\ufffdb"  # the rest kept, the character marked (no control character in the page)


def test_line_breaks_and_tabs_are_text(app):
    with app.test_request_context("/"):
        form = _Sample(formdata=MultiDict({"note": "en\r\nto\tre", "name": "ab", "kind": "a"}))
        assert form.validate(), form.errors


def test_the_check_is_added_once_and_last(app):
    """A field that names the validator itself does not get it twice; the field's own rules run first
    (an empty optional field stops before it)."""

    class Named(AppForm):
        class Meta:
            csrf = False

        text = StringField(validators=[Optional(), no_control_characters])

    with app.test_request_context("/"):
        assert list(Named().text.validators).count(no_control_characters) == 1
        assert _Sample().name.validators[-1] is no_control_characters
        assert no_control_characters not in _Sample().count.validators


class _Ranged(AppForm):
    class Meta:
        csrf = False

    months = IntegerField(validators=[InputRequired("Skriv et tal."), NumberRange(1, 36, "Mellem 1 og 36.")])
    hours = DecimalField(validators=[Optional(), NumberRange(0, 37, "Mellem 0 og 37.")])
    day = DateField(validators=[InputRequired("Skriv datoen.")])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # Not readable: the field's own message alone, not the range's as well.
        (
            {"months": "syv", "hours": "mange", "day": "i går"},
            ["Skriv et helt tal.", "Skriv et tal.", "Skriv en gyldig dato."],
        ),
        # Empty: the presence rule's message alone; an empty optional field is no error.
        ({"months": "", "hours": "", "day": ""}, ["Skriv et tal.", None, "Skriv datoen."]),
        # Readable, out of range: the range's message.
        ({"months": "40", "hours": "38", "day": "2026-01-05"}, ["Mellem 1 og 36.", "Mellem 0 og 37.", None]),
    ],
)
def test_input_that_cannot_be_read_gets_one_message(app, data, expected):
    """Is text in a number or date field answered with that field's one message, while empty and
    out-of-range input keep theirs?"""
    with app.test_request_context("/"):
        form = _Ranged(formdata=MultiDict(data))
        form.validate()
        for name, message in zip(("months", "hours", "day"), expected, strict=True):
            assert [str(e) for e in form[name].errors] == ([message] if message else []), name


def _app_forms() -> list[type]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        if module.name != "app.wsgi":  # makes the production app, which needs its settings
            importlib.import_module(module.name)
    found, todo = [], [Form]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.startswith("app.") and cls.__module__ != "app.core.forms":
            found.append(cls)
    return found


def test_every_form_of_the_app_derives_from_the_base():
    """Does every form in `app` get the rules (a form built on Flask-WTF's or WTForms' base directly
    would show English messages and store control characters)?"""
    forms = _app_forms()
    assert len(forms) > 20  # the walk found the app's forms
    outside = [f"{f.__module__}.{f.__qualname__}" for f in forms if not issubclass(f, (AppForm, AppSubForm))]
    assert not outside


class _WithToken(AppForm):
    name = StringField(validators=[Optional()])


def test_a_form_is_made_from_its_fields_as_first_bound(app, monkeypatch):
    """Is a form class's field constructed once (a second form of it copies the field as first bound:
    the speed of a save, issue 14), and is each copy the second form's own?"""
    made = []
    constructor = StringField.__init__

    def counted(self, *args, **kwargs):
        made.append(kwargs.get("name"))
        constructor(self, *args, **kwargs)

    class Fresh(AppForm):
        class Meta:
            csrf = False

        name = StringField(validators=[Optional(), Length(max=3)], render_kw={"maxlength": 3})
        kind = RadioField(choices=[SelectChoice("a", "A"), SelectChoice("b", "B")])

    monkeypatch.setattr(StringField, "__init__", counted)
    with app.test_request_context("/"):
        first = Fresh(formdata=MultiDict({"name": "abcdef", "kind": "a"}))
        assert not first.validate()
        second = Fresh(formdata=MultiDict({"name": "ab", "kind": "b"}))
        assert made == ["name"], "the field was constructed again for the second form"
        assert second.validate(), second.errors
        # The second form's fields hold their own data and errors, and belong to it.
        assert (second.name.data, second.name.errors, second.kind.data) == ("ab", [], "b")
        assert first.name.errors and first.name.data == "abcdef"
        assert second.name._form is second and second.name.meta is second.meta
        # A change to one form's field (its rules, choices, attributes, flags) stays in that form.
        first.name.validators.append(Length(max=1))
        first.kind.choices.append(SelectChoice("c", "C"))
        first.name.render_kw["maxlength"] = 1
        first.name.flags.required = True
        third = Fresh(formdata=MultiDict({"name": "abc", "kind": "a"}))
        assert third.validate(), third.errors
        assert [c.value for c in third.kind.choices] == ["a", "b"]
        assert third.name.render_kw == {"maxlength": 3}
        assert not third.name.flags.required
        assert 'maxlength="3"' in str(third.name())


def test_each_form_gets_its_own_csrf_token_field(app, monkeypatch):
    """The CSRF field is made for each form with the session's token, never copied from another form."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    with app.test_request_context("/"):
        first, second = _WithToken(), _WithToken()
        assert first.csrf_token is not second.csrf_token
        assert first.csrf_token.current_token == second.csrf_token.current_token
    with app.test_request_context("/"):
        from flask import g, session

        session.clear()  # another session: another token (Flask-WTF keeps the signed one in `g`)
        g.pop(app.config["WTF_CSRF_FIELD_NAME"], None)
        third = _WithToken()
        assert third.csrf_token.current_token != first.csrf_token.current_token
