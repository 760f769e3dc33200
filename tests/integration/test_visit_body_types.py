"""A typed fuzz of the visit body (issue 13, point 2): every field, top-level or nested, replaced by a
JSON value of a type the OpenAPI description does not allow. The answer is always 422 with the field
named, in the Error schema, and nothing is stored."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import Visit
from app.sync.validation import ACTION_FIELDS, ANSWER_FIELDS, VISIT_FIELDS
from tests.visit_helpers import course, payload

_SCALARS = {
    "null": st.none(),
    "boolean": st.booleans(),
    "integer": st.integers(min_value=-(2**70), max_value=2**70),
    "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
    "string": st.text(max_size=20),
}
_JSON = st.recursive(
    st.one_of(*_SCALARS.values()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)
_KINDS = {
    "object": st.dictionaries(st.text(max_size=5), _JSON, max_size=3),
    "array": st.lists(_JSON, max_size=3),
}


def wrong_value(allowed: tuple[str, ...]) -> st.SearchStrategy:
    """A JSON value whose type is none of `allowed` (an integer counts as a number, as in JSON Schema)."""
    allowed_set = set(allowed) | ({"integer"} if "number" in allowed else set())
    kinds = [
        k
        for k in ("null", "boolean", "integer", "number", "string", "object", "array")
        if k not in allowed_set
    ]
    return st.one_of(*(_SCALARS[k] if k in _SCALARS else _KINDS[k] for k in kinds))


# (where in the body, the types allowed there)
PLACES = [((name,), kinds) for name, kinds in VISIT_FIELDS.items()]
PLACES += [(("answers", "*", part), kinds) for part, kinds in ANSWER_FIELDS.items()]
PLACES += [(("answers", "*"), ("object",))]
PLACES += [(("actions", 0, part), kinds) for part, kinds in ACTION_FIELDS.items()]
PLACES += [(("actions", 0), ("object",))]


def _replace(body: dict, place: tuple, value) -> dict:
    """The body with the value at `place` replaced ("*": the first checklist topic's answer)."""
    if len(place) == 1:
        return {**body, place[0]: value}
    head, key, *rest = place
    inner = body[head]
    if key == "*":
        key = next(iter(inner))
    copy = dict(inner) if isinstance(inner, dict) else list(inner)
    copy[key] = value if not rest else {**copy[key], rest[0]: value}
    return {**body, head: copy}


@pytest.fixture
def placement(app, auth):
    _, placement = course()
    auth.login("mette")
    return placement


@given(data=st.data())
@settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_a_value_of_the_wrong_json_type_anywhere_answers_422(client, placement, data):
    """Whatever field holds a value of the wrong JSON type, is the answer 422 naming a field, never 5xx
    and never a stored visit?"""
    place, allowed = data.draw(st.sampled_from(PLACES), label="place")
    value = data.draw(wrong_value(allowed), label="value")
    body = _replace(payload(placement), place, value)
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert response.status_code == 422, (place, value, response.status_code, response.data[:300])
    assert isinstance(response.json["message"], str) and response.json["errors"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
