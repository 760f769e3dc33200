"""`url_for` for the links a page repeats per row: built once per endpoint, then filled in.

A page of the caseload links each citizen, course and planned visit by id, 50 to 120 links a page, and
Werkzeug builds each by matching the endpoint's rules and converting its values (about 25 µs a link, a
sixth of the home page's time; issue 14). For a link whose values are all ids (plain non-negative
integers), the URL differs from its neighbours only in those digits: this builds it once per process with
placeholder ids and puts the real ids in their place. Anything else (a string value, `_external`, an
`_anchor`, a relative endpoint, an id the route would refuse) goes to Flask's own `url_for`.
"""

from __future__ import annotations

from collections.abc import Callable

import flask
from flask import Flask, current_app, request

# Ids the converters accept (BoundedIntConverter: 0 … 2**31 - 1), far from any real id, one per argument.
_PLACEHOLDER = 2_147_480_000
_MAX_ID = 2**31 - 1


def url_builder() -> Callable[..., str]:
    """Flask's `url_for` for the request in progress, giving the same strings: a page binds it once and
    makes its many links to ids with it."""
    patterns = current_app.extensions["url_patterns"]
    root = request.script_root if request else None

    def url_for(endpoint: str, /, **values: object) -> str:
        if endpoint.startswith(".") or not all(
            type(value) is int and 0 <= value <= _MAX_ID and not name.startswith("_")
            for name, value in values.items()
        ):
            return flask.url_for(endpoint, **values)
        names = tuple(values)
        key = (endpoint, names, root)
        pattern = patterns.get(key)
        if pattern is None:
            pattern = patterns[key] = _pattern(endpoint, names)
        if pattern is None:
            return flask.url_for(endpoint, **values)
        parts, order = pattern
        out = [parts[0]]
        for name, part in zip(order, parts[1:], strict=True):
            out.append(str(values[name]))
            out.append(part)
        return "".join(out)

    return url_for


def _pattern(endpoint: str, names: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The endpoint's URL cut where each id goes, and the ids' order in it; None if an id does not stand
    exactly once in the URL (a route that drops or repeats it is built the ordinary way)."""
    placeholders = {name: str(_PLACEHOLDER + i) for i, name in enumerate(names)}
    built = flask.url_for(endpoint, **{name: int(text) for name, text in placeholders.items()})
    if any(built.count(text) != 1 for text in placeholders.values()):
        return None
    found = sorted((built.index(text), name) for name, text in placeholders.items())
    parts, start = [], 0
    for position, name in found:
        parts.append(built[start:position])
        start = position + len(placeholders[name])
    parts.append(built[start:])
    return tuple(parts), tuple(name for _, name in found)


def _render_url_for() -> dict:
    return {"url_for": url_builder()}


def init_app(app: Flask) -> None:
    app.extensions["url_patterns"] = {}
    # In the render's context, before the environment's own `url_for` (which macros imported without
    # the context still use).
    app.context_processor(_render_url_for)
