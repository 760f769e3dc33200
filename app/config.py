"""Configuration classes. Everything that differs between installations comes from the environment."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-not-for-production"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_json(name: str, default: dict) -> dict:
    value = os.environ.get(name)
    return json.loads(value) if value else default


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
    # No pool_pre_ping: app/core/pool.py checks only connections that have lain idle.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    MUNICIPALITY_NAME = os.environ.get("MUNICIPALITY_NAME", "Demo Kommune")

    # Sessions end after this much idle time (checked on the server, not only by the cookie).
    SESSION_IDLE_MINUTES = _env_int("SESSION_IDLE_MINUTES", 120)
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_IDLE_MINUTES)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    # Sessions live on the server (app/auth/sessions.py): in the database, or in Redis where one is
    # configured (several processes or machines). An ended session is remembered this long, so that its
    # device is told to wipe itself when it next comes online.
    SESSION_REDIS_URL = os.environ.get("SESSION_REDIS_URL") or os.environ.get("REDIS_URL") or None
    SESSION_TOMBSTONE_DAYS = _env_int("SESSION_TOMBSTONE_DAYS", 90)
    # Strict-Transport-Security max-age in seconds; 0 sends none (development runs on plain HTTP).
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 0)

    # Account lock-out: this many failed log-ins within the window lock the account for LOGIN_LOCK_MINUTES.
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    LOGIN_FAILURE_WINDOW_HOURS = _env_int("LOGIN_FAILURE_WINDOW_HOURS", 24)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 60)

    SIGNING_TOKEN_HOURS = _env_int("SIGNING_TOKEN_HOURS", 24)

    # The order in which channels are tried for each recipient: the first that can address the recipient
    # is used, and the next one only when a channel cannot (no CPR number) or Digital Post refuses the
    # message. Unset: Digital Post first when it is configured, then e-mail.
    DELIVERY_CHANNELS = tuple(
        name.strip()
        for name in os.environ.get(
            "DELIVERY_CHANNELS", "digital_post,email" if os.environ.get("DIGITAL_POST_URL") else "email"
        ).split(",")
        if name.strip()
    )
    # Digital Post (NgDP's REST interface) over mutual TLS with the municipality's system certificate
    # (OCES3 organisation or system certificate), like the seal's paths. The URL is the send endpoint of
    # the test or production environment named in the connection agreement.
    DIGITAL_POST_TRANSPORT = os.environ.get("DIGITAL_POST_TRANSPORT", "ngdp")
    DIGITAL_POST_URL = os.environ.get("DIGITAL_POST_URL") or None
    DIGITAL_POST_CERT_PATH = os.environ.get("DIGITAL_POST_CERT_PATH") or None
    DIGITAL_POST_KEY_PATH = os.environ.get("DIGITAL_POST_KEY_PATH") or None
    DIGITAL_POST_KEY_PASSWORD = os.environ.get("DIGITAL_POST_KEY_PASSWORD") or None
    # The CA certificates the Digital Post server's certificate is checked against; unset: the system's.
    DIGITAL_POST_CA_PATH = os.environ.get("DIGITAL_POST_CA_PATH") or None
    # The calling system's id and secret from the administration portal (an Authorization header beside
    # the certificate), if the agreement gives one.
    DIGITAL_POST_SYSTEM_ID = os.environ.get("DIGITAL_POST_SYSTEM_ID") or None
    DIGITAL_POST_SYSTEM_SECRET = os.environ.get("DIGITAL_POST_SYSTEM_SECRET") or None
    DIGITAL_POST_TIMEOUT = _env_int("DIGITAL_POST_TIMEOUT", 30)
    # The sender in the MeMo: the municipality's CVR number, or its authority id ("MyndighedsID").
    DIGITAL_POST_SENDER_ID = os.environ.get("DIGITAL_POST_SENDER_ID") or None
    DIGITAL_POST_SENDER_ID_TYPE = os.environ.get("DIGITAL_POST_SENDER_ID_TYPE", "CVR")
    # The case system named beside the case reference in the MeMo (ContentData/CaseID).
    DIGITAL_POST_CASE_SYSTEM = os.environ.get("DIGITAL_POST_CASE_SYSTEM", "Efterværn")
    # The key that encrypts citizens' CPR numbers (Fernet; several, comma-separated, to rotate). Unset in
    # development: a key is made in instance/cpr/. Production refuses to start without one.
    CPR_ENCRYPTION_KEY = os.environ.get("CPR_ENCRYPTION_KEY") or None

    # Password log-in. Off ("0"): only single sign-on, except for the break-glass administrator named here,
    # who can still log in with a password when the identity provider is down.
    PASSWORD_LOGIN_ENABLED = os.environ.get("PASSWORD_LOGIN_ENABLED", "1") == "1"
    BREAK_GLASS_USERNAME = (os.environ.get("BREAK_GLASS_USERNAME") or "").strip().lower() or None

    # Single sign-on for staff: SAML 2.0 in the OIOSAML 3 profile (app/auth/saml.py). The IdP's metadata
    # comes from a file or a URL. In development the file the test IdP writes (`flask saml-test-idp`).
    SAML_ENABLED = os.environ.get("SAML_ENABLED", "1") == "1"
    SAML_IDP_METADATA_URL = os.environ.get("SAML_IDP_METADATA_URL") or None
    SAML_IDP_METADATA_FILE = os.environ.get("SAML_IDP_METADATA_FILE") or (
        None if SAML_IDP_METADATA_URL else str(BASE_DIR / "instance" / "saml" / "test-idp-metadata.xml")
    )
    SAML_METADATA_REFRESH_SECONDS = _env_int("SAML_METADATA_REFRESH_SECONDS", 3600)
    # The certificate the metadata at SAML_IDP_METADATA_URL is signed with (the federation's metadata
    # signing certificate). Set: metadata that is unsigned, or signed by another key, is refused.
    # Production refuses a plain-HTTP URL without it.
    SAML_IDP_METADATA_CERT = os.environ.get("SAML_IDP_METADATA_CERT") or None
    # Unset: the SP metadata's URL (<public address>/saml/metadata) is the entity ID.
    SAML_SP_ENTITY_ID = os.environ.get("SAML_SP_ENTITY_ID") or None
    # The SP's key pair for signing requests and decrypting assertions; unset: a development pair.
    SAML_SP_CERT_PATH = os.environ.get("SAML_SP_CERT_PATH") or None
    SAML_SP_KEY_PATH = os.environ.get("SAML_SP_KEY_PATH") or None
    # Allowed difference between the IdP's clock and ours when checking an assertion's validity window.
    SAML_CLOCK_SKEW_SECONDS = _env_int("SAML_CLOCK_SKEW_SECONDS", 60)
    # The lowest NSIS assurance level let in (Low, Substantial, High); empty: the IdP sends none (Entra ID).
    SAML_MIN_LOA = os.environ.get("SAML_MIN_LOA", "Substantial") or None
    # Which attributes say who the person is; defaults are OIOSAML 3's names.
    SAML_ATTRIBUTE_EMAIL = os.environ.get("SAML_ATTRIBUTE_EMAIL", "https://data.gov.dk/model/core/eid/email")
    SAML_ATTRIBUTE_NAME = os.environ.get("SAML_ATTRIBUTE_NAME", "https://data.gov.dk/model/core/eid/fullName")
    # The attribute whose values give role and team: OIOSAML's privilege list (decoded), or a group claim.
    SAML_ATTRIBUTE_GROUPS = os.environ.get(
        "SAML_ATTRIBUTE_GROUPS", "https://data.gov.dk/model/core/eid/privilegesIntermediate"
    )
    # JSON objects: a group or privilege value → role (jobformidler, supervisor, admin) / team name.
    SAML_ROLE_MAP = _env_json(
        "SAML_ROLE_MAP",
        {
            "urn:dk:kommune:eftervaern:privilege:jobformidler": "jobformidler",
            "urn:dk:kommune:eftervaern:privilege:leder": "supervisor",
            "urn:dk:kommune:eftervaern:privilege:admin": "admin",
        },
    )
    SAML_TEAM_MAP = _env_json(
        "SAML_TEAM_MAP",
        {"urn:dk:kommune:eftervaern:team:virksomhedsteamet": "Jobcenter Demo – Virksomhedsteamet"},
    )
    # A person the IdP vouches for who has no account here: "pending" makes an account an administrator
    # completes and switches on; "refuse" lets only people with an account in.
    SAML_UNKNOWN_USERS = os.environ.get("SAML_UNKNOWN_USERS", "pending")

    # Summaries by e-mail, the fallback channel the municipality configures.
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
    # The public address, for links in e-mails and PDFs made outside a request (the background jobs).
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
    # The background job queue (app/jobs): a SQLite file by default, Redis when several machines share
    # it. The sweep re-queues work left undone for longer than JOB_GRACE_SECONDS, every SWEEP_SECONDS.
    REDIS_URL = os.environ.get("REDIS_URL") or None
    TASK_QUEUE_URL = (
        os.environ.get("TASK_QUEUE_URL") or REDIS_URL or f"sqlite:///{BASE_DIR / 'instance' / 'queue.db'}"
    )
    SWEEP_SECONDS = _env_int("SWEEP_SECONDS", 60)
    JOB_GRACE_SECONDS = _env_int("JOB_GRACE_SECONDS", 600)
    # How much a worker yields the CPU to web processes on the same machine (Unix nice, 0–19): making
    # summaries is CPU work that can wait a moment; a page someone looks at cannot.
    WORKER_NICE = _env_int("WORKER_NICE", 10)
    MUNICIPALITY_LOGO = os.environ.get("MUNICIPALITY_LOGO") or None
    AUDIT_RETENTION_DAYS = _env_int("AUDIT_RETENTION_DAYS", 365)
    CASELOAD_CAP = _env_int("CASELOAD_CAP", 35)

    # Contacts between visits (app/contacts/). A contact that needs an answer must be answered within 24
    # hours, counted as "working" hours by default: only the hours of weekdays that are not Danish public
    # holidays run (a call on Friday at 14:00 is due on Monday at 14:00), or as "calendar" hours (every
    # hour runs). ANSWER_CLOCK_DAYS_OFF adds the `holidays` package's optional Danish days off
    # ("public,optional": 1 May, Grundlovsdag, 24 and 31 December) where the jobcentre closes on them.
    ANSWER_CLOCK = os.environ.get("ANSWER_CLOCK", "working")
    ANSWER_CLOCK_DAYS_OFF = tuple(
        c.strip() for c in os.environ.get("ANSWER_CLOCK_DAYS_OFF", "public").split(",") if c.strip()
    )
    # The hotline runs this many months after a course starts (Herning: at least the first 3 months).
    HOTLINE_MONTHS = _env_int("HOTLINE_MONTHS", 3)
    # Weekly contact before the start is looked for in at most this many weeks before the start week.
    RUN_UP_WEEKS = _env_int("RUN_UP_WEEKS", 4)

    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")

    # Behind a reverse proxy that ends TLS: trust its X-Forwarded-* headers (number of proxies).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)

    # Uploads (summaries to /verify) are well under this; larger requests are refused before parsing.
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token

    # Flask-Compress: pages and JSON are compressed. Not streamed responses: its chunked compression
    # leaves a file open (a ResourceWarning per file); static files are compressed, once each, by
    # app/core/assets.py.
    COMPRESS_STREAMS = False

    # How long the device waits for any one answer of the sync API before it counts the request as a
    # failed try (the outbox, signatures, "Forbered dagen"): a request held open must never hang a form.
    SYNC_REQUEST_TIMEOUT_SECONDS = _env_int("SYNC_REQUEST_TIMEOUT_SECONDS", 20)
    # "Forbered dagen" keeps at most this many pages of the jobformidler's own courses on the device
    # (a page is some 20–60 kB; 150 pages stay well under 10 MB).
    FIELD_PAGES_MAX = _env_int("FIELD_PAGES_MAX", 150)
    # Each server process keeps this many renderings of the home page's agenda and caseload rows, used
    # again while the data read for them are equal (app/core/memo.py; some 5-20 kB each; 0 keeps none).
    RENDER_MEMO_SIZE = _env_int("RENDER_MEMO_SIZE", 256)

    # Rate limits per client address on the endpoints that take guesses or uploads from anyone
    # (Flask-Limiter). In memory by default, which counts per server process; with several processes
    # point RATELIMIT_STORAGE_URI at a shared store, e.g. redis://host:6379 or memcached://host:11211.
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") != "0"
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
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
    # Tests run the queued jobs themselves (app.jobs.run_pending) or start a consumer in threads.
    TASK_QUEUE_URL = "memory://"
    # A whole suite logs in from 127.0.0.1; tests/integration/test_rate_limits.py switches limits on.
    RATELIMIT_ENABLED = False
    DELIVERY_CHANNELS = ("email",)
    DIGITAL_POST_URL = None
    # A fixed key, so no test writes one into instance/.
    CPR_ENCRYPTION_KEY = "4Vh3mF0cqLQyNq8p2b5bqgK1Z3b9g8yU0Yk7b0n3bXo="
    # The tests that need single sign-on switch it on with their own test IdP (tests/saml_helpers.py).
    SAML_ENABLED = False
    SESSION_REDIS_URL = None  # tests/integration/test_sessions.py starts a real Redis for its own tests


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    # Single sign-on only where the municipality has named its IdP (never the development test IdP).
    SAML_ENABLED = Config.SAML_ENABLED and bool(
        os.environ.get("SAML_IDP_METADATA_URL") or os.environ.get("SAML_IDP_METADATA_FILE")
    )
    SAML_ROLE_MAP = _env_json("SAML_ROLE_MAP", {})
    SAML_TEAM_MAP = _env_json("SAML_TEAM_MAP", {})
    # Browsers then refuse plain HTTP to the app for a year, so a first request cannot be downgraded.
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)

    @classmethod
    def check(cls) -> None:
        """Refuse to start with development secrets or an embedded database by mistake."""
        if cls.SECRET_KEY == DEV_SECRET or len(cls.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be set to a random value of at least 32 characters.")
        if cls.AUDIT_RETENTION_DAYS < 180:
            raise RuntimeError("AUDIT_RETENTION_DAYS must be at least 180 (six months).")
        if "digital_post" in cls.DELIVERY_CHANNELS:
            missing = [
                name
                for name in ("DIGITAL_POST_URL", "DIGITAL_POST_SENDER_ID", "DIGITAL_POST_CERT_PATH")
                if not getattr(cls, name)
            ]
            if missing:
                raise RuntimeError(f"DELIVERY_CHANNELS names digital_post, so set {', '.join(missing)}.")
        from app.core.cpr import CprKeyError, check_keys

        try:
            check_keys(cls.CPR_ENCRYPTION_KEY)
        except CprKeyError as exc:
            raise RuntimeError(str(exc)) from exc
        if not cls.PASSWORD_LOGIN_ENABLED and not cls.SAML_ENABLED:
            raise RuntimeError(
                "PASSWORD_LOGIN_ENABLED=0 needs single sign-on (SAML_IDP_METADATA_URL or _FILE)."
            )
        url = cls.SAML_IDP_METADATA_URL
        if url and not url.lower().startswith("https://") and not cls.SAML_IDP_METADATA_CERT:
            raise RuntimeError(
                "SAML_IDP_METADATA_URL over plain HTTP needs SAML_IDP_METADATA_CERT: the IdP's keys come "
                "from that metadata, so it must be checked."
            )
        if cls.SAML_UNKNOWN_USERS not in ("pending", "refuse"):
            raise RuntimeError("SAML_UNKNOWN_USERS must be 'pending' or 'refuse'.")
        if not set(cls.SAML_ROLE_MAP.values()) <= {"jobformidler", "supervisor", "admin"}:
            raise RuntimeError("SAML_ROLE_MAP's values must be jobformidler, supervisor or admin.")
