"""Static files (issue 14): fingerprinted URLs cached as immutable for a year, the plain and the outdated
URLs still answered, and the service worker's precache list made of the pages' own URLs."""

import json
import re
import shutil

import pytest

from app.config import BASE_DIR
from app.core import assets, pwa
from app.core.assets import IMMUTABLE, fingerprinted_name
from tests.factories import make_user


def _linked(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', page)


def test_pages_link_fingerprinted_files_cached_for_a_year(client):
    """Does every script and style sheet a page links carry its fingerprint, and is each of those
    URLs answered with the file and a year-long immutable cache?"""
    urls = _linked(client.get("/login").text)
    scripts = [u for u in urls if u.endswith((".js", ".css"))]
    assert scripts and all(re.search(r"\.[0-9a-f]{12}\.(js|css)$", u) for u in scripts), urls
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        if url != "/static/manifest.webmanifest":
            assert response.headers["Cache-Control"] == IMMUTABLE, url


def test_the_manifest_keeps_its_url(client):
    """Is the manifest linked at its plain URL (the browser's installed app looks it up by that URL)
    and revalidated rather than cached for a year?"""
    assert "/static/manifest.webmanifest" in _linked(client.get("/login").text)
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"


def test_plain_urls_still_work_for_old_service_workers(client):
    """Does the plain URL an old service worker precached still answer with the file, revalidated
    (no-cache) and answered 304 when unchanged?"""
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert response.data == (BASE_DIR / "static" / "js" / "app.js").read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/js/app.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "url", ["/static/js/nothing.js", "/static/js/nothing.0123456789ab.js", "/static/../app/config.py"]
)
def test_unknown_static_files_are_not_found(client, url):
    """Is a name that is no static file (or leaves the folder) answered 404?"""
    assert client.get(url).status_code == 404


def test_static_files_carry_no_session(client, auth):
    """Does a logged-in user's static file come without a cookie or Vary: Cookie (it is cached
    publicly, the same for everyone)?"""
    make_user(username="mette")
    auth.login("mette")
    url = next(u for u in _linked(client.get("/").text) if u.endswith(".js"))
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")


@pytest.fixture
def deployed(app, tmp_path):
    """The app serving a copy of the static folder, which the test changes as a new deploy would."""
    folder = tmp_path / "static"
    shutil.copytree(BASE_DIR / "static", folder)
    original = app.static_folder
    app.static_folder = str(folder)
    try:
        yield app, folder
    finally:
        app.static_folder = original
        pwa._built.cache_clear()
        assets.forget()


def test_a_changed_file_gets_a_new_url_and_the_old_one_is_cleanly_replaced(deployed):
    """After a deploy that changes app.js: does it get a new URL in the pages and in the service
    worker's precache list, while the old URL answers with the new file, revalidated, not immutable?"""
    app, folder = deployed
    client = app.test_client()
    old_url = next(u for u in _linked(client.get("/login").text) if "/js/app." in u)
    old_worker = client.get("/sw.js").text
    assert old_url in old_worker

    (folder / "js" / "app.js").write_text("// the next version\n")
    pwa._built.cache_clear()  # a new deploy is a new process
    assets.forget()
    new_url = next(u for u in _linked(client.get("/login").text) if "/js/app." in u)
    assert new_url != old_url
    worker = client.get("/sw.js").text
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", worker).group(1))
    assert new_url in precache and old_url not in precache
    assert re.search(r'const VERSION = "(\w+)"', worker).group(1) not in old_worker

    fresh = client.get(new_url)
    assert fresh.data == b"// the next version\n" and fresh.headers["Cache-Control"] == IMMUTABLE
    stale = client.get(old_url)
    assert stale.status_code == 200 and stale.data == b"// the next version\n"
    assert stale.headers["Cache-Control"] == "no-cache"


def test_a_process_looks_a_file_up_once_unless_templates_are_reloaded(deployed):
    """Does a running process keep linking the file it started with (a deploy is a new process, so a
    page need not look at the disk for each of its links), while with templates reloaded on change
    (debug) a changed file gets its new URL at once?"""
    app, folder = deployed
    client = app.test_client()
    first = next(u for u in _linked(client.get("/login").text) if "/js/app." in u)
    (folder / "js" / "app.js").write_text("// edited while running\n")
    assert first in _linked(client.get("/login").text)
    before = app.jinja_env.auto_reload
    app.jinja_env.auto_reload = True  # what debug (or TEMPLATES_AUTO_RELOAD) sets
    try:
        reloaded = next(u for u in _linked(client.get("/login").text) if "/js/app." in u)
    finally:
        app.jinja_env.auto_reload = before
    assert reloaded != first


def test_fingerprints_follow_the_content():
    """Is the fingerprint part of the name before its extension, and the same for the same bytes?"""
    name = fingerprinted_name(BASE_DIR / "static", "vendor/htmx.min.js")
    assert re.fullmatch(r"vendor/htmx\.min\.[0-9a-f]{12}\.js", name)
    assert name == fingerprinted_name(BASE_DIR / "static", "vendor/htmx.min.js")
    assert fingerprinted_name(BASE_DIR / "static", "no/such.js") == "no/such.js"
    assert assets.load(BASE_DIR / "static", "../app/config.py") is None
