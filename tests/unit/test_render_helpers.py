"""The render's faster helpers give what Flask, Flask-Babel and Jinja give (issue 14's home page)."""

from __future__ import annotations

import flask
import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from flask_babel import ngettext as babel_ngettext

from app.core.assets import static_url
from app.core.formatting import gettext, ngettext
from app.core.labels import CITIZEN_STATUS
from app.core.urls import url_builder
from app.models import CitizenStatus

# Endpoints a page links with ids, in the path and in the query string, one id and two.
LINKS = [
    ("caseload.citizen", {"citizen_id": 1}),
    ("caseload.citizen", {"citizen_id": 2_147_483_647}),
    ("placements.detail", {"placement_id": 40}),
    ("visits.new", {"forloeb": 7, "planlagt": 123456}),
    ("visits.new", {"planlagt": 5, "forloeb": 31}),
    ("contacts.new", {"citizen_id": 9}),
    ("core.index", {}),
    ("core.device", {}),
]


@pytest.mark.parametrize("endpoint,values", LINKS)
@pytest.mark.parametrize("root", ["", "/kommune/eftervaern"])
def test_a_link_to_ids_is_the_string_flask_builds(app, endpoint, values, root):
    """Is every link the builder makes the one Flask's url_for makes, also under a script root and
    after the pattern was kept by an earlier link?"""
    with app.test_request_context("/", base_url=f"http://localhost{root}"):
        url_for = url_builder()
        first = url_for(endpoint, **values)
        again = url_for(endpoint, **{k: v + 1 if v < 2**31 - 1 else v for k, v in values.items()})
        assert first == flask.url_for(endpoint, **values)
        assert again == flask.url_for(
            endpoint, **{k: v + 1 if v < 2**31 - 1 else v for k, v in values.items()}
        )
        assert first.startswith(root + "/")


@pytest.mark.parametrize(
    "endpoint,values",
    [
        ("caseload.citizen", {"citizen_id": 3, "_anchor": "kontakt"}),
        ("caseload.citizen", {"citizen_id": 3, "_external": True}),
        ("caseload.citizens", {"q": "Hansen"}),
        ("caseload.citizens", {"q": 2_147_480_000}),
        ("caseload.citizens", {"status": True}),
        ("static", {"filename": "css/app.css"}),
    ],
)
def test_a_link_that_is_not_only_ids_is_built_by_flask(app, endpoint, values):
    """Do anchors, external links, words, flags and a value equal to a placeholder give Flask's own
    URL?"""
    with app.test_request_context("/"):
        assert url_builder()(endpoint, **values) == flask.url_for(endpoint, **values)


def test_an_id_outside_the_routes_range_is_left_to_flask(app):
    """Is a negative or too large id, which a route never matches, written as Flask writes it (and not
    into a kept pattern)?"""
    with app.test_request_context("/"):
        url_for = url_builder()
        url_for("caseload.citizen", citizen_id=5)
        for odd in (-1, 2**31):
            assert url_for("caseload.citizen", citizen_id=odd) == flask.url_for(
                "caseload.citizen", citizen_id=odd
            )


def test_a_static_url_is_kept_per_script_root(app):
    """Does a static file's kept URL follow the request's script root (one process, two prefixes)?"""
    with app.test_request_context("/"):
        plain = static_url("js/app.js")
    with app.test_request_context("/", base_url="http://localhost/kommune"):
        prefixed = static_url("js/app.js")
    assert plain.startswith("/static/js/app.") and prefixed == "/kommune" + plain


def test_a_static_url_outside_a_request_follows_the_apps_server_name():
    """Outside a request (a job rendering a page), is the absolute URL the one of the app in use, not one
    kept from another app? (No `app` fixture: pytest-flask would hold a request open.)"""
    from app import create_app
    from tests.conftest import _config

    one, two = (create_app({**_config(), "SERVER_NAME": name}) for name in ("localhost", "ev.kommune.dk"))
    for app_, name in ((one, "localhost"), (two, "ev.kommune.dk"), (one, "localhost")):
        with app_.app_context():
            assert static_url("css/app.css").startswith(f"http://{name}/static/css/app.")


@pytest.mark.parametrize("locale", ["da", "en"])
def test_the_quick_gettext_gives_flask_babels_words(app, locale):
    """Do the filters' gettext and ngettext give Flask-Babel's words, in both languages, with and
    without variables?"""
    with app.test_request_context("/"), force_locale(locale):
        assert gettext("never visited") == babel_gettext("never visited")
        assert gettext("week %(num)d", num=7) == babel_gettext("week %(num)d", num=7)
        for n in (1, 2, 0):
            assert ngettext("%(num)d day ago", "%(num)d days ago", n) == babel_ngettext(
                "%(num)d day ago", "%(num)d days ago", n
            )


def test_the_templates_gettext_escapes_and_formats_as_jinjas(app):
    """Does a template's _() escape its variables and keep `%%` as Jinja's newstyle gettext does, in
    both the bound (render) and the environment's (macro) form?"""
    source = (
        "{{ _('Hello %(name)s', name=who) }}|{{ ngettext('%(num)d citizen', '%(num)d citizens', n) }}"
        "|{{ _('No citizens match “%(term)s”.', term=who) }}"
    )
    with app.test_request_context("/"), force_locale("da"):
        page = flask.render_template_string(source, who="<b>Å</b>", n=2)
        macro = app.jinja_env.from_string(source).render(who="<b>Å</b>", n=2)
    assert page == macro
    assert "&lt;b&gt;Å&lt;/b&gt;" in page and "<b>" not in page
    assert "2 borgere" in page


def test_a_label_follows_the_locale_of_the_request(app):
    """Is a status label in the request's language, each language's words kept apart?"""
    label = app.jinja_env.globals["citizen_status_label"]
    with app.test_request_context("/"), force_locale("da"):
        danish = label(CitizenStatus.IN_COURSE)
    with app.test_request_context("/"), force_locale("en"):
        english = label(CitizenStatus.IN_COURSE)
        assert label("no-such-status") == "no-such-status"
    assert english == "In a course" and danish != english
    with app.test_request_context("/"), force_locale("da"):
        assert label(CitizenStatus.IN_COURSE) == danish == str(CITIZEN_STATUS[CitizenStatus.IN_COURSE])
