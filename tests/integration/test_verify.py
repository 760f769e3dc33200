"""The public verification page, and the summary PDF for the caseload's own visits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from io import BytesIO

import pytest
import sqlalchemy as sa

from app.core.timeutil import utcnow
from app.extensions import db
from app.models import AuditAction, AuditEvent, Role, Signature, SignerRole
from app.reports import views
from app.reports.services import produce_document
from app.visits.services import strokes_to_svg
from tests.factories import make_citizen, make_placement, make_team, make_user, make_visit
from tests.visit_helpers import STROKES

SIGNATURE_SVG = strokes_to_svg(STROKES, 500, 200)  # as the app stores a drawn signature
SUCCESS = "Dokumentet er uændret og forseglet af Demo Kommune"
FAILURE = "Dokumentet er ændret eller ikke forseglet af denne installation"


@pytest.fixture(autouse=True)
def _reports(app, tmp_path_factory):
    """The blueprint (until create_app registers it) and a development seal outside the project folder."""
    app.instance_path = str(tmp_path_factory.getbasetemp() / "instance")
    if "reports" not in app.blueprints:
        app.register_blueprint(views.bp)


@pytest.fixture
def summary():
    """Mette's citizen Ali Khan, visited and signed, with the sealed summary stored."""
    mette = make_user(username="mette", team=make_team())
    citizen = make_citizen(mette, first_name="Ali", last_name="Khan")
    visit = make_visit(make_placement(citizen), mette, performed_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))
    db.session.add(
        Signature(
            visit=visit,
            signer_role=SignerRole.CITIZEN,
            signer_name="Ali Khan",
            strokes=[],
            svg=SIGNATURE_SVG,
            signed_at=utcnow(),
        )
    )
    db.session.commit()
    return produce_document(visit)


def _upload(client, content: bytes, name: str = "referat.pdf"):
    return client.post(
        "/verify",
        data={"document": (BytesIO(content), name, "application/pdf")},
        content_type="multipart/form-data",
    )


def test_verify_page_is_open_to_anyone(client):
    """Can someone who is not logged in open /verify and find a PDF upload field?"""
    response = client.get("/verify")
    assert response.status_code == 200
    assert "Kontrollér et referat" in response.text
    assert re.search(r'<input type="file"[^>]*accept="application/pdf', response.text)
    assert 'enctype="multipart/form-data"' in response.text
    assert 'name="csrf_token"' in response.text


def test_the_sealed_summary_is_confirmed(client, summary):
    """Does uploading the summary as delivered say, in Danish, that it is unchanged, with its reference?"""
    response = _upload(client, summary.pdf)
    assert response.status_code == 200
    assert SUCCESS in response.text
    assert summary.reference in response.text
    assert "mandag d. 23. november 2026" in response.text  # the visit date
    assert FAILURE not in response.text


def test_the_confirmation_shows_no_names(client, summary):
    """Does the page show only reference, visit date and seal time, no citizen or company names?"""
    page = _upload(client, summary.pdf).text
    visit = summary.visit
    assert "Ali Khan" not in page
    assert visit.placement.workplace.company.name not in page
    assert visit.placement.citizen.case_ref not in page


def test_a_tampered_copy_is_refused(client, summary):
    """Does a copy with one byte changed get the red "changed or not sealed" answer?"""
    tampered = bytearray(summary.pdf)
    tampered[tampered.index(b"stream", 1000) + 40] ^= 0x01
    response = _upload(client, bytes(tampered))
    assert response.status_code == 200
    assert FAILURE in response.text
    assert SUCCESS not in response.text
    assert summary.reference not in response.text


def test_a_file_that_is_not_a_pdf_gets_a_danish_answer(client):
    """Does an uploaded text file get the failure text and the reason in Danish?"""
    response = _upload(client, b"Kaere jobcenter, her er mit referat.", "referat.txt")
    assert response.status_code == 200
    assert FAILURE in response.text
    assert "Filen er ikke et PDF-dokument." in response.text


def test_no_file_chosen(client):
    """Does submitting without a file ask for one (422), in Danish?"""
    response = client.post("/verify", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Vælg den PDF-fil, du vil kontrollere." in response.text


def test_a_too_large_file_is_refused(client, monkeypatch):
    """Is a file above the size limit refused with a Danish message (413) instead of being checked?"""
    monkeypatch.setattr(views, "MAX_UPLOAD", 1000)
    response = _upload(client, b"%PDF-1.7\n" + b"0" * 2000)
    assert response.status_code == 413
    assert "Filen er for stor." in response.text


def test_owner_gets_the_summary_pdf_and_the_export_is_logged(client, auth, summary):
    """Does the jobformidler get the stored PDF inline, and is the export logged for the citizen?"""
    visit = summary.visit
    auth.login("mette")
    response = client.get(f"/besoeg/{visit.uuid}/referat.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data == summary.pdf
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline") and f"referat-{summary.reference}.pdf" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    exports = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()
    assert [(e.purpose, e.citizen_id, e.object_type, e.object_id) for e in exports] == [
        ("summary", visit.placement.citizen_id, "visit", visit.id)
    ]
    assert exports[0].user.username == "mette"


def test_a_supervisor_of_the_team_gets_the_summary(client, auth, summary):
    """Can the jobformidler's team leader open the summary too?"""
    make_user(Role.SUPERVISOR, username="leder", team=summary.visit.performed_by.team)
    auth.login("leder")
    assert client.get(f"/besoeg/{summary.visit.uuid}/referat.pdf").status_code == 200


def test_another_jobformidler_gets_404_and_nothing_is_logged(client, auth, summary):
    """Does a colleague outside the caseload get 404, with no export logged?"""
    make_user(username="jonas")
    auth.login("jonas")
    response = client.get(f"/besoeg/{summary.visit.uuid}/referat.pdf")
    assert response.status_code == 404
    assert response.mimetype != "application/pdf"
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == AuditAction.EXPORT)).all()


def test_anonymous_is_sent_to_log_in(client, summary):
    """Is someone not logged in redirected to the log-in page?"""
    response = client.get(f"/besoeg/{summary.visit.uuid}/referat.pdf")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_no_summary_yet_is_404(client, auth):
    """Does a visit without a rendered summary answer 404?"""
    mette = make_user(username="mette")
    visit = make_visit(make_placement(make_citizen(mette)), mette)
    auth.login("mette")
    assert client.get(f"/besoeg/{visit.uuid}/referat.pdf").status_code == 404
