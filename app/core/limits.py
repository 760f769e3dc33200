"""Rate limits on the endpoints that anyone can reach: log-in, the signing links and /verify.

The numbers come from the configuration (LOGIN_RATE_LIMIT, SIGNING_RATE_LIMIT, VERIFY_RATE_LIMIT), read
per request. A client over a limit gets 429 with the Danish error page (app/core/errors.py) and a
Retry-After header; the account lock-out after failed log-ins (app/auth/services.py) works beside this.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from app.extensions import limiter


def _configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


# Only attempts count: showing the log-in form or the verify page is free.
login_attempts = limiter.limit(_configured("LOGIN_RATE_LIMIT"), methods=["POST"])
verify_uploads = limiter.limit(_configured("VERIFY_RATE_LIMIT"), methods=["POST"])
# Opening and using a signing link: guessing tokens costs the same as using one.
signing_links = limiter.limit(_configured("SIGNING_RATE_LIMIT"))
