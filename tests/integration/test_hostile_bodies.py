"""Bodies no device sends, answered with a Danish error and nothing stored: JSON nested deeper than the
parser goes, and text with a NUL or another control character (PostgreSQL refuses NUL in text)."""

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Visit
from tests.visit_helpers import course, payload

TOO_DEEP = '{"answers": ' + "[" * 5000 + "]" * 5000 + "}"


@pytest.fixture
def placement(app, auth):
    _me, placement = course()
    auth.login("mette")
    return placement


def _visits() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit))


@pytest.mark.parametrize("path", ["/api/v1/visits/{key}", "/api/v1/contacts/{key}"])
def test_json_nested_too_deeply_is_refused_in_danish(client, placement, path):
    response = client.put(
        path.format(key=uuid.uuid4()), data=TOO_DEEP, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.status_code
    assert response.json["errors"]["body"] == ["Forespørgslens indhold er ikke et JSON-objekt."]
    assert _visits() == 0


@pytest.mark.parametrize(
    "change",
    [
        {"present": "Ali\x00Hanne"},
        {"hours_note": "Næste skridt\x07"},
        {"actions": [{"what": "Ring\x00", "who": "Hanne", "due": ""}]},
        {"actions": [{"what": "Ring", "who": "Han\x1bne", "due": ""}]},
        "answer note",
    ],
)
def test_text_with_a_control_character_is_refused_in_danish(client, placement, change):
    body = payload(placement)
    if change == "answer note":
        first = next(iter(body["answers"]))
        body["answers"][first]["note"] = "Møder\x00 til tiden"
        field = f"{first}__note"
    else:
        body.update(change)
        field = next(iter(change))
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert response.status_code == 422, response.json
    errors = response.json["errors"]
    found = errors.get(field) or errors.get("actions")
    assert "Teksten har tegn, der ikke kan gemmes." in str(found), errors
    assert _visits() == 0


def test_line_breaks_and_tabs_are_text(client, placement):
    body = payload(placement, present="Ali,\tHanne", hours_note="Første linje\r\nAnden linje")
    assert client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body).status_code == 201
