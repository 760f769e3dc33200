"""A signer who cannot draw: the jobformidler records how consent was given, and the summary says so."""

import json
import subprocess
import uuid
from io import BytesIO

import pytest
import sqlalchemy as sa
from pyhanko.pdf_utils.reader import PdfFileReader

from app.extensions import db
from app.jobs import run_pending
from app.models import AuditAction, AuditEvent, Document, Signature, Visit, VisitState
from app.visits import services
from tests.factories import make_user
from tests.visit_helpers import STROKES, course, payload

NOTE = "Referatet blev læst højt; Ali Khan godkendte det mundtligt i overværelse af Hanne Jensen."


@pytest.fixture
def completed(app, client, auth, smtp_server):
    app.config.update(smtp_server.config)
    me, placement = course()
    auth.login("mette")
    key = uuid.uuid4()
    assert client.put(f"/api/v1/visits/{key}", json=payload(placement)).status_code == 201
    return db.session.scalar(sa.select(Visit).where(Visit.uuid == key)), me


def test_recorded_consent_completes_the_visit_and_is_in_the_sealed_summary(client, completed, tmp_path):
    """The company contact draws, the citizen's consent is recorded: the visit is signed, and the sealed
    PDF and its visit.json say how consent was given and who recorded it."""
    visit, me = completed
    client.put(
        f"/api/v1/visits/{visit.uuid}/signatures/company_contact",
        json={"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200},
    )
    page = client.get(f"/besoeg/{visit.uuid}")
    assert "Kan ikke tegne en underskrift" in page.text
    form = client.get(f"/besoeg/{visit.uuid}/samtykke/citizen")
    assert form.status_code == 200 and 'value="Ali Khan"' in form.text  # the citizen's name to start with

    done = client.post(f"/besoeg/{visit.uuid}/samtykke/citizen", data={"name": "Ali Khan", "note": NOTE})

    assert done.status_code == 303
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.state in (VisitState.SIGNED, VisitState.DELIVERED)
    consent = db.session.scalar(sa.select(Signature).where(Signature.consent_note.is_not(None)))
    assert (consent.signer_name, consent.consent_note, consent.recorded_by, consent.strokes) == (
        "Ali Khan",
        NOTE,
        me,
        [],
    )
    detail = client.get(f"/besoeg/{visit.uuid}").text
    assert f"Samtykke registreret af Mette Sørensen: {NOTE}" in detail

    run_pending()  # the summary job the last consent queued
    document = db.session.scalar(sa.select(Document))
    path = tmp_path / "summary.pdf"
    path.write_bytes(document.pdf)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "Samtykke uden tegnet underskrift, registreret af Mette Sørensen:" in text
    assert " ".join(NOTE.split()) in text
    attached = PdfFileReader(BytesIO(document.pdf)).root["/Names"]["/EmbeddedFiles"]["/Names"][1]["/EF"]["/F"]
    signatures = json.loads(attached.data)["signatures"]
    assert [(s["name"], s["method"], s["consent_note"]) for s in signatures] == [
        ("Hanne Jensen", "drawn", None),
        ("Ali Khan", "recorded_consent", NOTE),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Ali Khan", "note": "ok"}, "Skriv med 10 til 1.000 tegn, hvordan samtykket blev givet."),
        ({"name": "Ali Khan", "note": "   "}, "Skriv, hvordan underskriveren gav sit samtykke."),
        ({"name": "", "note": NOTE}, "Skriv underskriverens navn."),
    ],
)
def test_a_refused_consent_keeps_what_was_typed(client, completed, data, message):
    visit, _ = completed
    response = client.post(f"/besoeg/{visit.uuid}/samtykke/citizen", data=data)
    assert response.status_code == 422 and message in response.text
    if data["note"].strip():
        assert data["note"] in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_only_the_citizens_jobformidler_records_consent(client, auth, completed):
    visit, _ = completed
    make_user(username="kollega")
    auth.logout()
    auth.login("kollega")
    assert client.get(f"/besoeg/{visit.uuid}/samtykke/citizen").status_code == 404
    assert (
        client.post(f"/besoeg/{visit.uuid}/samtykke/citizen", data={"name": "X", "note": NOTE}).status_code
        == 404
    )
    assert client.get(f"/besoeg/{visit.uuid}/samtykke/jobformidler").status_code in (403, 404)


def test_record_consent_is_idempotent_and_logged(completed):
    """The same record again changes nothing; a different one for the same role is a conflict; each
    record writes an access-log event."""
    visit, me = completed
    first = services.record_consent(visit, services.SignerRole.CITIZEN, " Ali Khan ", NOTE, me)
    again = services.record_consent(visit, services.SignerRole.CITIZEN, "Ali Khan", NOTE + " ", me)
    other = services.record_consent(
        visit, services.SignerRole.CITIZEN, "Ali Khan", "Noget helt andet her", me
    )
    assert (first.outcome, again.outcome, other.outcome) == (
        services.Outcome.CREATED,
        services.Outcome.UNCHANGED,
        services.Outcome.CONFLICT,
    )
    assert again.signature is first.signature and first.now_signed is False  # the company has not signed
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.UPDATE)).all()
    assert [(e.citizen_id, e.user_id) for e in events][-1:] == [(visit.placement.citizen_id, me.id)]
    with pytest.raises(services.SignatureError):
        services.record_consent(visit, services.SignerRole.JOBFORMIDLER, "Mette", NOTE, me)


def test_consent_through_the_api_as_the_device_queues_it(client, completed):
    """PUT /consents/<role>, as the offline form queues it: refused with the form's Danish errors when
    incomplete, stored once (201, then 200 for a replay), 409 for a different record, and it signs the
    visit with the last required role."""
    visit, me = completed
    url = f"/api/v1/visits/{visit.uuid}/consents/citizen"
    short = client.put(url, json={"name": "Ali Khan", "note": "Ja"})
    assert short.status_code == 422
    assert short.json["errors"]["note"] == ["Skriv med 10 til 1.000 tegn, hvordan samtykket blev givet."]
    assert client.put(url, json={"note": NOTE}).json["errors"]["name"] == ["Skriv underskriverens navn."]
    assert client.put(url, json={"name": "Ali Khan", "note": NOTE}).status_code == 201
    assert client.put(url, json={"name": "Ali Khan", "note": NOTE}).status_code == 200
    assert client.put(url, json={"name": "Ali Khan", "note": NOTE + " Igen."}).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1
    client.put(
        f"/api/v1/visits/{visit.uuid}/signatures/company_contact",
        json={"name": "Hanne Jensen", "strokes": STROKES, "width": 500, "height": 200},
    )
    db.session.expire_all()
    visit = db.session.get(Visit, visit.id)
    assert visit.state in (VisitState.SIGNED, VisitState.DELIVERED)
    [consent] = [s for s in visit.signatures if s.is_recorded_consent]
    assert consent.recorded_by == me and consent.content_hash == visit.content_hash


def test_consent_for_a_visit_not_yet_on_the_server_is_404(client, completed):
    response = client.put(f"/api/v1/visits/{uuid.uuid4()}/consents/citizen", json={"name": "A", "note": NOTE})
    assert response.status_code == 404 and response.json["error"] == "not_found"
