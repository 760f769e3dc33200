"""The installable app's files: the service worker and the manifest."""

import json
import re
import shutil
import struct

import pytest

from app.config import BASE_DIR
from app.core import pwa
from app.core.assets import fingerprinted_name
from app.models import Role
from tests.factories import make_team, make_user


def test_service_worker_is_served_at_the_root_with_its_version(client):
    """Is /sw.js served uncached, for scope /, with a version and its precache list filled in?"""
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "__VERSION__" not in response.text and "__PRECACHE__" not in response.text
    version = re.search(r'const VERSION = "([0-9a-f]{12})"', response.text).group(1)
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", response.text).group(1))
    assert "/offline" in precache and _fingerprinted("js/pwa.js") in precache
    assert version == pwa.sw_version()


def test_a_changed_file_makes_a_new_version(tmp_path):
    """Does changing a precached file give the worker a new version (and so new caches)?"""
    copy = tmp_path / "static"
    shutil.copytree(BASE_DIR / "static", copy)
    before, _ = pwa._built(str(copy))
    (copy / "css" / "app.css").write_text("body { color: red; }")
    pwa._built.cache_clear()
    after, _ = pwa._built(str(copy))
    pwa._built.cache_clear()
    assert before != after


def test_offline_page_answers_without_login(client):
    """Is the offline page available to the worker without a session, in Danish?"""
    response = client.get("/offline")
    assert response.status_code == 200 and "Ingen forbindelse" in response.text


def _fingerprinted(name: str) -> str:
    """The URL the pages and the worker use for a static file (app/core/assets.py)."""
    return f"/static/{fingerprinted_name(BASE_DIR / 'static', name)}"


def _static(client, url: str) -> bytes:
    with client.get(url) as response:  # static files are streamed: close them
        return response.data


def test_manifest_describes_an_installable_danish_app(client):
    """Does the manifest have a Danish name, standalone display, start URL, theme and the three icons?"""
    manifest = json.loads(_static(client, "/static/manifest.webmanifest"))
    assert manifest["lang"] == "da" and manifest["short_name"] == "Efterværn"
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    assert manifest["theme_color"] == "#0b5c66"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = _static(client, icon["src"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", png[16:24])
        assert f"{width}x{height}" == icon["sizes"]


def test_pages_link_the_manifest_and_register_no_inline_script(client):
    """Does every page link the manifest and load the worker's registration from a file?"""
    page = client.get("/login").text
    assert 'rel="manifest"' in page and _fingerprinted("js/pwa.js") in page


def test_the_device_page_is_a_jobformidlers_shell_with_no_data(client, auth):
    """Is "På enheden" a jobformidler's page that draws everything from the device (its script is
    precached), and closed to other roles?"""
    make_user(username="mette")
    make_user(Role.SUPERVISOR, username="leder", team=make_team())
    auth.login("mette")
    page = client.get("/enhed")
    assert (
        page.status_code == 200 and "På enheden" in page.text and _fingerprinted("js/device.js") in page.text
    )
    assert _fingerprinted("js/device.js") in client.get("/sw.js").text
    assert 'data-device-url="/enhed"' in client.get("/").text  # the status line links to it
    auth.logout()
    auth.login("leder")
    assert client.get("/enhed").status_code == 403


@pytest.mark.parametrize(
    ("role", "path", "kept"),
    [
        (Role.JOBFORMIDLER, "/", True),
        (Role.JOBFORMIDLER, "/borgere", True),
        (Role.SUPERVISOR, "/leder", False),
        (Role.SUPERVISOR, "/borgere", False),
        (Role.ADMIN, "/admin/brugere", False),
    ],
)
def test_only_a_jobformidlers_pages_may_be_kept_on_the_device(client, auth, app, role, path, kept):
    """Is every page of a leder or an administrator marked no-store (the service worker keeps none of
    them), and a jobformidler's page left for the worker to keep for the field?"""
    team = make_team()
    make_user(role, username="someone", team=team if role != Role.ADMIN else None)
    auth.login("someone")
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert ("no-store" not in response.headers.get("Cache-Control", "")) is kept
