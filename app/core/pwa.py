"""The installable app: the service worker with its version, and the files it precaches."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user

from app import __version__
from app.config import BASE_DIR
from app.core.assets import fingerprinted_name
from app.models import Role

bp = Blueprint("pwa", __name__)

# What every device keeps: the offline page and the files every page uses.
PRECACHE_STATIC = (
    "css/app.css",
    "js/clock.js",
    "js/app.js",
    "js/pwa.js",
    "js/visit-form.js",
    "js/contact-form.js",
    "js/contact-answer.js",
    "js/store.js",
    "js/outbox.js",
    "js/prepare.js",
    "js/device.js",
    "vendor/idb.umd.js",
    "js/signature.js",
    "vendor/htmx.min.js",
    "vendor/signature_pad.umd.min.js",
    "icons/icon.svg",
    "icons/icon-192.png",
    "manifest.webmanifest",
)


@lru_cache(maxsize=1)
def _built(static_folder: str) -> tuple[str, str]:
    """The worker's source with its version: a hash of the app version, the worker and the precached files,
    so any change to them makes a new version (and so new caches) on every device."""
    source = (BASE_DIR / "service_worker" / "sw.js").read_text()
    digest = hashlib.sha256(__version__.encode() + source.encode())
    for name in PRECACHE_STATIC:
        digest.update((Path(static_folder) / name).read_bytes())
    version = digest.hexdigest()[:12]
    # The pages' own URLs for the same files (app/core/assets.py), so that what the worker keeps is what
    # the pages ask for; the worker's importScripts too, so that they follow the deploy like the rest.
    static = {name: f"/static/{fingerprinted_name(static_folder, name)}" for name in PRECACHE_STATIC}
    for name, url in static.items():
        source = source.replace(f'importScripts("/static/{name}")', f'importScripts("{url}")')
    urls = ["/offline", *static.values()]
    return version, source.replace("__VERSION__", version).replace("__PRECACHE__", json.dumps(urls))


def current_app_static() -> str:
    return str(current_app.static_folder)


def sw_version() -> str:
    return _built(current_app_static())[0]


@bp.after_app_request
def keep_only_field_pages(response: Response) -> Response:
    """The service worker keeps the pages a jobformidler has seen, for the field with no network. Other
    roles' pages (the team's citizens, the access log, accounts) are not for keeping on a device: they
    are marked no-store, which the service worker honours as well as the browser."""
    if (
        response.mimetype == "text/html"
        and "Cache-Control" not in response.headers
        and current_user.is_authenticated
        and current_user.role != Role.JOBFORMIDLER
    ):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/sw.js")
def service_worker() -> Response:
    """The service worker at the site's root, so that its scope is the whole app; never cached by HTTP."""
    _, body = _built(current_app_static())
    response = Response(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/offline")
def offline() -> str:
    """Shown by the service worker when a page is neither reachable nor kept on the device."""
    return render_template("core/offline.html")
