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
