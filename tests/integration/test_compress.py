"""Compressed responses from the app itself, so the embedded setup is compressed too: pages through
Flask-Compress, static files through app/core/assets.py (compressed once, kept in memory)."""

import gc
import gzip
import warnings

import brotli

from app.config import BASE_DIR


def test_pages_are_compressed_for_clients_that_accept_it(client):
    """Does a page come gzip-compressed to a client that accepts gzip, and plain to one that does not?"""
    compressed = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert "Log ind" in gzip.decompress(compressed.data).decode()
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers and "Log ind" in plain.text


def test_text_static_files_come_compressed_and_whole(client):
    """Does a static text file come brotli- or gzip-compressed as the client accepts, decompressing to
    the file on disk, and whole to a client that accepts neither?"""
    on_disk = (BASE_DIR / "static" / "css" / "app.css").read_bytes()
    br = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br" and brotli.decompress(br.data) == on_disk
    assert "Accept-Encoding" in br.headers["Vary"]
    gz = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.data) == on_disk
    assert len(gz.data) < len(on_disk) / 2
    plain = client.get("/static/css/app.css", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == on_disk


def test_static_files_leave_no_file_open(client):
    """Does serving static files, compressed or not, leave no file open (no ResourceWarning)?"""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", ResourceWarning)
        for name in ("js/app.js", "vendor/htmx.min.js", "icons/icon-192.png"):
            for encoding in ("br", "gzip", "identity"):
                client.get(f"/static/{name}", headers={"Accept-Encoding": encoding})
        gc.collect()
    assert [w for w in seen if issubclass(w.category, ResourceWarning)] == []


def test_images_are_not_compressed_again(client):
    """Is a PNG (already compressed) served as it is, even to a client that accepts brotli?"""
    response = client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers
    assert response.data == (BASE_DIR / "static" / "icons" / "icon-192.png").read_bytes()
