"""Response headers that let the browser enforce what the app promises (no inline script, no framing), and
an address no page makes refused before a view reads it."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    if current_app.config.get("HSTS_SECONDS"):
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['HSTS_SECONDS']}; includeSubDomains"
        )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "geolocation=(), microphone=(), camera=()")
    return response


def refuse_nul_in_the_address() -> None:
    """A NUL in the query string (`%00`) is nothing a page or a person makes, and PostgreSQL refuses it
    in a statement (a search): the Danish 400 page, before any view reads the query. The forms refuse
    other control characters field by field (app/core/forms.py)."""
    if "%00" in request.environ.get("QUERY_STRING", ""):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_in_the_address)
    app.after_request(set_security_headers)
