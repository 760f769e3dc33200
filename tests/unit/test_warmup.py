"""Templates compiled before gunicorn forks its workers (issue 14)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

from jinja2 import TemplateNotFound

from app import create_app
from app.core.warmup import compile_templates


def test_every_template_is_compiled_and_then_rendered_without_reading_its_file(app):
    """After compile_templates, does every template come from the cache (the loader is not asked again),
    so that a forked worker renders its first page without compiling it?"""
    app.jinja_env.cache.clear()
    count = compile_templates(app)
    assert count == len(app.jinja_env.list_templates()) > 50
    loader = app.jinja_env.loader

    def refuse(environment, name):
        raise TemplateNotFound(name)

    original = loader.get_source
    loader.get_source = refuse
    try:
        for name in app.jinja_env.list_templates():
            assert app.jinja_env.get_template(name).name == name
    finally:
        loader.get_source = original


def test_gunicorn_compiles_the_templates_in_its_master_before_forking():
    """Does gunicorn.conf.py, which preloads the app, compile the templates when the master is ready?"""
    path = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.preload_app is True

    flask_app = create_app({"TESTING": True})
    flask_app.jinja_env.cache.clear()
    conf.when_ready(SimpleNamespace(app=SimpleNamespace(wsgi=lambda: flask_app)))
    assert len(flask_app.jinja_env.cache) == len(flask_app.jinja_env.list_templates())
