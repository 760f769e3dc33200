"""schemathesis against the app's own OpenAPI file, logged in as a jobformidler: no answer is a server
error, and every answer matches the schema documented for its status (issue 13's probe, in the suite).

Bounded: MAX_EXAMPLES per operation and generation mode (valid requests, and requests that break the
schema). Its running time is in the README ("Probes in the suite"). schemathesis's own pytest plugin
does not run under pytest 9, so the operations' strategies are driven by hypothesis here.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import PASSWORD
from tests.visit_helpers import course, payload

MAX_EXAMPLES = 50
KNOWN_VISIT = "3f1c9a2e-8b7d-4c6e-9f0a-1b2c3d4e5f60"


@pytest.fixture
def session_cookie(app, client) -> dict:
    """Mette's course with a visit on the server; her session cookie."""
    _, placement = course()
    client.post("/login", data={"username": "mette", "password": PASSWORD})
    assert client.put(f"/api/v1/visits/{KNOWN_VISIT}", json=payload(placement)).status_code == 201
    return {"session": client.get_cookie("session").value}


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_its_description(app, session_cookie, mode):
    """For generated requests to every operation, is no answer a 5xx, and does each body match the
    schema the OpenAPI file gives for its status?"""
    operations = _operations(app)
    assert {op.definition.raw["operationId"] for op in operations} >= {"putVisit", "getVisit", "putSignature"}
    called = []
    for operation in operations:
        if mode == GenerationMode.NEGATIVE and operation.definition.raw["operationId"] == "getCsrfToken":
            continue  # no parameters and no body: nothing in it can be made invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call(cookies=session_cookie)
            called.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

        check()
    assert len(called) >= len(operations) * 10
