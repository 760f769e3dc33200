"""Static files: fingerprinted URLs with a year-long immutable cache, compressed by the app itself.

`static_url("js/app.js")` gives `/static/js/app.<12 hex of its sha-256>.js`; a new deploy that changes the
file changes its URL, so browsers and proxies may keep every answer for a year. The plain URL
(`/static/js/app.js`) keeps working with a revalidated cache, for service workers already in the field, and
so does an old fingerprint after a deploy: it gets the present file, never cached as immutable.

Compression is done once per file and version and kept in memory (gzip and brotli, text files only), not
by Flask-Compress's stream mode, which compressed file responses chunk by chunk and left the files open:
the static files are small (~270 KB in all) and few, so holding their bytes costs little and every later
answer is a copy of bytes in memory.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import brotli
from flask import Flask, Response, abort, current_app, request, url_for
from werkzeug.security import safe_join
from werkzeug.utils import get_content_type

# A year: what "never changes" means to caches (RFC 9111 caps max-age in practice at about this).
IMMUTABLE = "public, max-age=31536000, immutable"
# The plain and the outdated URLs: the browser asks again each time and mostly gets a 304.
REVALIDATE = "no-cache"
FINGERPRINT_LENGTH = 12
_FINGERPRINTED = re.compile(
    rf"^(?P<stem>.+)\.(?P<fp>[0-9a-f]{{{FINGERPRINT_LENGTH}}})(?P<ext>\.[A-Za-z0-9]+)$"
)
# Files whose URL must stay the same: the browser's installed-app checks look the manifest up by its URL.
FIXED_URLS = frozenset({"manifest.webmanifest"})
COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".json", ".webmanifest", ".txt", ".map"})
mimetypes.add_type("application/manifest+json", ".webmanifest")


@dataclass
class Asset:
    """One static file as it is on disk now, with its compressed forms made on first use."""

    path: Path
    stamp: tuple[int, int]  # (mtime_ns, size): a changed file on disk is read again
    body: bytes
    fingerprint: str
    encoded: dict[str, bytes] = field(default_factory=dict)

    @property
    def compressible(self) -> bool:
        return self.path.suffix in COMPRESSIBLE

    def encoding_for(self, accepted: list[str]) -> tuple[str | None, bytes]:
        """The best of brotli, gzip and none the client accepts, with its bytes."""
        if not self.compressible:
            return None, self.body
        for encoding in ("br", "gzip"):
            if encoding in accepted:
                data = self.encoded.get(encoding)
                if data is None:
                    data = _compress(encoding, self.body)
                    self.encoded[encoding] = data
                if len(data) < len(self.body):
                    return encoding, data
        return None, self.body


def _compress(encoding: str, body: bytes) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=11)
    # mtime=0: the same bytes on every machine and start, so every web process gives the same answer.
    return gzip.compress(body, compresslevel=9, mtime=0)


_assets: dict[Path, Asset] = {}
_lock = threading.Lock()


def load(static_folder: str | Path, filename: str) -> Asset | None:
    """The file under the static folder (None if there is none, or the name leaves the folder)."""
    joined = safe_join(str(static_folder), filename)
    if joined is None:
        return None
    path = Path(joined)
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    asset = _assets.get(path)
    if asset is not None and asset.stamp == stamp:
        return asset
    with _lock:
        body = path.read_bytes()
        asset = Asset(path, stamp, body, hashlib.sha256(body).hexdigest()[:FINGERPRINT_LENGTH])
        _assets[path] = asset
    return asset


def fingerprinted_name(static_folder: str | Path, filename: str) -> str:
    """`js/app.js` → `js/app.<fingerprint>.js`; the name as it is for a file that does not exist or
    whose URL is fixed."""
    asset = load(static_folder, filename)
    if asset is None or filename in FIXED_URLS:
        return filename
    stem, dot, ext = filename.rpartition(".")
    if not dot or "/" in ext:
        return filename  # no extension to keep: the plain URL, revalidated
    return f"{stem}.{asset.fingerprint}.{ext}"


# Each file's URL as this process first made it: a deploy is a new process, so the pages need not look at
# the disk for every link (14 links a page, a stat each), nor build the same URL again. Where templates
# are reloaded when they change (debug), so are the fingerprints.
_urls: dict[tuple[str, str, str], str] = {}


def static_url(filename: str) -> str:
    """The URL of a static file for templates and the service worker: fingerprinted, cached for a year."""
    folder = str(current_app.static_folder)
    if not request or current_app.jinja_env.auto_reload:
        # Outside a request the URL is absolute, made from the app's SERVER_NAME: not kept.
        return url_for("static", filename=fingerprinted_name(folder, filename))
    key = (folder, filename, request.script_root)
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = url_for("static", filename=fingerprinted_name(folder, filename))
    return url


def forget() -> None:
    """Look at the files again, as a new process does (tests that deploy new files)."""
    _urls.clear()


def _resolve(static_folder: str, filename: str) -> tuple[Asset, bool]:
    """The file a static URL names and whether the URL is the file's present fingerprinted one."""
    asset = load(static_folder, filename)
    if asset is not None:
        return asset, False
    match = _FINGERPRINTED.match(filename)
    if match is None:
        abort(404)
    asset = load(static_folder, match["stem"] + match["ext"])
    if asset is None:
        abort(404)
    return asset, match["fp"] == asset.fingerprint


def serve_static(filename: str) -> Response:
    """Flask's static endpoint, in place of its own: fingerprinted URLs immutable, text compressed."""
    asset, current = _resolve(str(current_app.static_folder), filename)
    accepted = [value for value, quality in request.accept_encodings if quality > 0]
    encoding, data = asset.encoding_for(accepted)
    mimetype = mimetypes.guess_type(asset.path.name)[0] or "application/octet-stream"
    response = Response(data, content_type=get_content_type(mimetype, "utf-8"))
    response.headers["Cache-Control"] = IMMUTABLE if current else REVALIDATE
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if asset.compressible:
        response.vary.add("Accept-Encoding")
    response.set_etag(f"{asset.fingerprint}-{encoding or 'identity'}")
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.view_functions["static"] = serve_static
    app.add_template_global(static_url)
