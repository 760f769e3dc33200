"""Bodies no device sends, answered with a Danish error and nothing stored: JSON nested deeper than the
parser goes, and text with a NUL or another control character (PostgreSQL refuses NUL in text)."""

import uuid

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Citizen, Company, Visit
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


# Every form's text fields refuse control characters (app/core/forms.py), not only the visit's and the
# contact's: a page's form answers with its Danish error and keeps what was typed.


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_citizen_with_a_nul_in_the_name_is_refused_and_the_input_kept(client, placement):
    before = _count(Citizen)
    data = {"first_name": "Bo\x00", "last_name": "Berg", "case_ref": "SAG-NUL-1", "job_wish": "Lager"}
    response = client.post("/borgere/ny", data=data)
    assert response.status_code == 422
    assert "Teksten har tegn, der ikke kan gemmes." in response.text
    assert 'value="Berg"' in response.text and "Lager</textarea>" in response.text
    # Shown back with the character marked, and no NUL in the page.
    assert 'value="Bo\ufffd"' in response.text and "\x00" not in response.text
    assert _count(Citizen) == before


def test_a_company_with_a_control_character_is_refused(client, placement):
    before = _count(Company)
    response = client.post("/virksomheder/ny", data={"cvr": "1374 8136", "name": "Blik\x1b og Rør"})
    assert response.status_code == 422
    assert "Teksten har tegn, der ikke kan gemmes." in response.text
    assert _count(Company) == before


@pytest.mark.parametrize("page", ["/borgere", "/virksomheder"])
def test_a_search_for_a_nul_is_answered(client, placement, page):
    """A search with a NUL (which PostgreSQL refuses in a statement) gets the Danish 400 page, not a 500;
    the API's answer is its JSON error."""
    response = client.get(f"{page}?q=Ali%00")
    assert response.status_code == 400
    assert "Forespørgslen indeholdt noget, der ikke kan læses." in response.text
    api = client.get("/api/v1/openapi.json?v=%00")
    assert api.status_code == 400 and api.json["error"] == "bad_request"


def test_a_visit_with_malformed_values_gets_danish_errors(client, placement):
    """WTForms' own messages (a choice not offered, a date or a time that does not exist, a text too
    long) come in Danish through the sync API, as the page shows them."""
    body = payload(
        placement,
        kind="besøg",
        performed_on="2026-13-45",
        performed_time="25:99",
        present="x" * 501,
    )
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}", json=body)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["kind"] == ["Vælg en af mulighederne."]
    assert errors["performed_on"] == ["Skriv en gyldig dato."]
    assert errors["performed_time"] == ["Skriv et gyldigt klokkeslæt (tt:mm)."]
    assert errors["present"] == ["Feltet må højst have 500 tegn."]
    assert "Not a valid" not in response.text
    assert _visits() == 0
