"""Compressed responses from the app itself (Flask-Compress), so the embedded setup is compressed too."""

import gzip


def test_pages_are_compressed_for_clients_that_accept_it(client):
    """Does a page come gzip-compressed to a client that accepts gzip, and plain to one that does not?"""
    compressed = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed.headers["Vary"]
    assert "Log ind" in gzip.decompress(compressed.data).decode()
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers and "Log ind" in plain.text


def test_static_files_are_served_whole(client):
    """Is a static file served intact (not compressed chunk by chunk, which left files open)?"""
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and b"{" in response.data
    response.close()
