"""Efterværn: follow-up visits for Danish jobcentres."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter

from app.config import BASE_DIR, Config

__version__ = "0.1.0"


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply for the parser is unreadable JSON (ValueError: the
    API's Danish 422, or 400), not a RecursionError and a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as error:
            raise ValueError("JSON nested too deeply") from error


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the app. `config` is a config class, or a dict of overrides on top of Config."""
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(BASE_DIR / "instance"),
    )
    app.json = JSONProvider(app)
    # An id in a URL beyond the databases' 32-bit integers names nothing: 404, never an OverflowError.
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(config if isinstance(config, type) else Config)
    if isinstance(config, dict):
        app.config.update(config)
    check = getattr(config, "check", None)
    if callable(check):
        check()

    from app import cli, extensions, jobs
    from app.core import assets, errors, formatting, labels, memo, pool, security, urls  # noqa: F401 (pool: its events)

    extensions.db.init_app(app)
    # Batch mode lets Alembic alter tables on SQLite too (it copies the table).
    extensions.migrate.init_app(
        app, extensions.db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    from app.auth import api_session_required

    # Before CSRFProtect's own hook: an API call with no session is told so (401), not "bad token" (400).
    app.before_request(api_session_required)
    extensions.csrf.init_app(app)
    extensions.htmx.init_app(app)
    extensions.limiter.init_app(app)
    extensions.compress.init_app(app)
    assets.init_app(app)
    formatting.init_app(app)
    urls.init_app(app)
    memo.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    labels.init_app(app)
    jobs.init_app(app)

    from app.admin.views import bp as admin_bp
    from app.auth import init_app as init_auth
    from app.auth.views import bp as auth_bp
    from app.calendar.views import bp as calendar_bp
    from app.caseload.views import bp as caseload_bp
    from app.checklists.views import bp as checklists_bp
    from app.companies.views import bp as companies_bp
    from app.contacts.views import bp as contacts_bp
    from app.core.pwa import bp as pwa_bp
    from app.core.views import bp as core_bp
    from app.delivery.views import bp as delivery_bp
    from app.placements.views import bp as placements_bp
    from app.reports.views import bp as reports_bp
    from app.signing.views import bp as signing_bp
    from app.supervision.views import bp as supervision_bp
    from app.sync.views import bp as sync_bp
    from app.visits.views import bp as visits_bp

    init_auth(app)
    app.register_blueprint(core_bp)
    app.register_blueprint(pwa_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(caseload_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(companies_bp)
    app.register_blueprint(placements_bp)
    app.register_blueprint(visits_bp)
    app.register_blueprint(sync_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(delivery_bp)
    app.register_blueprint(checklists_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(contacts_bp)
    app.register_blueprint(supervision_bp)
    cli.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)
    return app
