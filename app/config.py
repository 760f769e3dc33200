"""Configuration classes. Everything that differs between installations comes from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-not-for-production"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'instance' / 'eftervaern.db'}")
    # Heroku-style URLs name the old driver; psycopg 3 is the one installed.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


class Config:
    """Development defaults; every value can be overridden by an environment variable."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Demo Kommune")

    # Sessions end after this much idle time (checked on the server, not only by the cookie).
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 120)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_IDLE_MINUTES)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    # Account lock-out: this many failed log-ins within the window lock the account for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_FAILURE_WINDOW_HOURS = _env_int("LOGIN_FAILURE_WINDOW_HOURS", 24)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 60)

    SIGNING_TOKEN_HOURS = _env_int("SIGNING_TOKEN_HOURS", 24)

    # Summaries by e-mail, the fallback channel the municipality configures (Digital Post is not built).
    # Off ("0") where the municipality does not allow e-mail for summaries: nothing is planned or sent,
    # and the visit page says to send the sealed PDF through the municipality's own secure channel.
    DELIVERY_EMAIL_ENABLED = os.environ.get("DELIVERY_EMAIL_ENABLED", "1") == "1"
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME") or None
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD") or None
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "0") == "1"
    SMTP_TIMEOUT = _env_int("SMTP_TIMEOUT", 10)
    MAIL_FROM = os.environ.get("MAIL_FROM", "eftervaern@kommune.invalid")
    # Send summaries after answering the signer, so a slow mail server never holds up signing.
    DELIVER_IN_BACKGROUND = True
    # The public address, for links in e-mails and PDFs made outside a request (cron retries).
    BASE_URL = os.environ.get("BASE_URL") or None

    # The municipality's seal (PAdES) for summaries; unset in development: a self-signed pair is made.
    SEAL_CERT_PATH = os.environ.get("SEAL_CERT_PATH") or None
    SEAL_KEY_PATH = os.environ.get("SEAL_KEY_PATH") or None
    SEAL_KEY_PASSWORD = os.environ.get("SEAL_KEY_PASSWORD") or None
    # The issuing CA certificates (PEM) up to the root, embedded in each seal so that a PDF reader can
    # build the chain to a root it trusts without looking anything up.
    SEAL_CHAIN_PATH = os.environ.get("SEAL_CHAIN_PATH") or None
    # Where the self-signed development pair is made when no certificate is set (default: instance/seal).
    SEAL_DEV_DIR = os.environ.get("SEAL_DEV_DIR") or None
    # A trusted timestamp (RFC 3161) in each seal, from the municipality's timestamp authority (PAdES B-T):
    # when the summary was sealed, attested by a third party rather than by this server's clock. The CA
    # file names the authorities /verify accepts timestamps from.
    SEAL_TSA_URL = os.environ.get("SEAL_TSA_URL") or None
    SEAL_TSA_CA_PATH = os.environ.get("SEAL_TSA_CA_PATH") or None
    SEAL_TSA_TIMEOUT = _env_int("SEAL_TSA_TIMEOUT", 10)
    MUNICIPALITY_LOGO = os.environ.get("MUNICIPALITY_LOGO") or None
    AUDIT_RETENTION_DAYS = _env_int("AUDIT_RETENTION_DAYS", 365)
    CASELOAD_CAP = _env_int("CASELOAD_CAP", 35)

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")

    # Behind a reverse proxy that ends TLS: trust its X-Forwarded-* headers (number of proxies).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    # Uploads (summaries to /verify) are well under this; larger requests are refused before parsing.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token

    # How long the device waits for any one answer of the sync API before it counts the request as a
    # failed try (the outbox, signatures, "Forbered dagen"): a request held open must never hang a form.
    SYNC_REQUEST_TIMEOUT_SECONDS = _env_int("SYNC_REQUEST_TIMEOUT_SECONDS", 20)
    # "Forbered dagen" keeps at most this many pages of the jobformidler's own courses on the device
    # (a page is some 20–60 kB; 150 pages stay well under 10 MB).
    FIELD_PAGES_MAX = _env_int("FIELD_PAGES_MAX", 150)

    # Rate limits per client address on the endpoints that take guesses or uploads from anyone
    # (Flask-Limiter). In memory by default, which counts per server process; with several processes
    # point RATELIMIT_STORAGE_URI at a shared store, e.g. redis://host:6379 or memcached://host:11211.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30 per minute; 300 per hour")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "20 per minute; 200 per hour")
    SIGNING_RATE_LIMIT = os.environ.get("SIGNING_RATE_LIMIT", "30 per minute")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    WTF_CSRF_ENABLED = False
    # Argon2 at full strength would make the suite slow; the parameters are still Argon2id.
    PASSWORD_HASH_FAST = True
    # Tests check what was sent right after signing; one test covers the background thread itself.
    DELIVER_IN_BACKGROUND = False
    # A whole suite logs in from 127.0.0.1; tests/integration/test_rate_limits.py switches limits on.
    RATELIMIT_ENABLED = False


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        """Refuse to start with development secrets or an embedded database by mistake."""
        if cls.SECRET_KEY == DEV_SECRET or len(cls.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters.")
        if cls.AUDIT_RETENTION_DAYS < 180:
            raise RuntimeError("AUDIT_RETENTION_DAYS must be at least 180 (six months).")
