"""Every interface text has a Danish translation: Danish is the default language."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for folder, method in (("app", "python"), ("templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog(lang: str):
    with open(ROOT / "app" / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _translated(lang: str) -> set[str]:
    return {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in _catalog(lang)
        if m.id and "fuzzy" not in m.flags and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }


def test_every_message_has_a_danish_translation():
    """Is each text in the code and templates translated to Danish, and none left fuzzy?"""
    missing = sorted(_source_messages() - _translated("da"))
    assert not missing, f"untranslated in da/messages.po (run pybabel extract/update): {missing}"


def test_every_message_is_in_the_english_catalogue():
    """Can English be chosen, with each text in its catalogue (none left empty or fuzzy)?"""
    missing = sorted(_source_messages() - _translated("en"))
    assert not missing, f"missing in en/messages.po: {missing}"


def _wtforms_messages() -> set[str]:
    """WTForms' own messages (its wtforms.pot) and Flask-WTF's CSRF messages, which it passes through
    the field's gettext: read from the installed packages, so that an upgrade's new message fails here."""
    import re

    import flask_wtf.csrf
    from wtforms.i18n import messages_path

    with open(Path(messages_path()) / "wtforms.pot", "rb") as f:
        found = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    source = Path(flask_wtf.csrf.__file__).read_text()
    csrf = set(re.findall(r'ValidationError\("([^"]+)"\)', source))
    assert csrf, "Flask-WTF's CSRF messages were not found"
    return found | csrf


def test_every_wtforms_message_has_a_danish_translation():
    """WTForms ships no Danish: is each of its messages translated in our wtforms domain?"""
    with open(ROOT / "app" / "translations" / "da" / "LC_MESSAGES" / "wtforms.po", "rb") as f:
        catalogue = read_po(f, locale="da")
    translated = {
        (m.id if isinstance(m.id, str) else m.id[0])
        for m in catalogue
        if m.id and "fuzzy" not in m.flags and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_wtforms_messages() - translated)
    assert not missing, f"untranslated in da/wtforms.po: {missing}"
