"""The citizen's CPR number: entered once, validated, stored encrypted, never shown again, never in an
export, a PDF, the access-log extract or a log line, and each use written to the access log."""

import logging
import re
import subprocess

import pytest
import sqlalchemy as sa

from app.core import cpr
from app.delivery import services as delivery
from app.extensions import db
from app.models import AuditAction, AuditEvent, Citizen, Role, SignerRole, VisitState
from app.models.base import utcnow
from app.reports.services import produce_document
from tests.digital_post_server import _digital_post_certificates, digital_post_server  # noqa: F401
from tests.factories import make_citizen, make_contact, make_placement, make_team, make_user, make_visit

CPR = "2509891234"
TYPED = "250989-1234"
# The ways the number could show up: whole, with a dash or a space, or its two halves on their own.
FORMS = (CPR, TYPED, "250989 1234", "2509891234"[6:] + "2509", "250989")


def _leaks(text: str) -> list[str]:
    return [form for form in FORMS if form in text]


def _raw_cpr_column(citizen_id: int) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT cpr_encrypted FROM citizens WHERE id = :id"), {"id": citizen_id}
        ).scalar_one()


def _new_citizen(client, **overrides):
    data = {
        "first_name": "Ali",
        "last_name": "Khan",
        "case_ref": "SAG-2026-00123",
        "phone": "",
        "email": "",
        "job_wish": "",
        "cpr": TYPED,
        **overrides,
    }
    return client.post("/borgere/ny", data=data)


def test_a_cpr_number_entered_is_stored_encrypted(app, client, auth):
    """Is the number typed on the new-citizen form stored encrypted (the raw column holds neither the
    digits nor anything that reads as them) and only the configured key opens it?"""
    make_user(username="mette")
    auth.login("mette")
    response = _new_citizen(client)
    assert response.status_code == 303
    citizen = db.session.scalar(sa.select(Citizen).where(Citizen.case_ref == "SAG-2026-00123"))
    raw = _raw_cpr_column(citizen.id)
    assert raw and _leaks(raw) == []
    assert cpr.decrypt(raw) == CPR
    app.config["CPR_ENCRYPTION_KEY"] = "0" * 43 + "="  # another key cannot read it
    with pytest.raises(cpr.CprKeyError):
        cpr.decrypt(raw)


def test_after_entry_the_pages_say_only_that_it_is_registered(app, client, auth):
    """After saving, do the citizen's page and the CPR page say 'CPR-nummer er registreret' and show no
    part of the number, and the form field come back empty?"""
    make_user(username="mette")
    auth.login("mette")
    page = client.get(_new_citizen(client).headers["Location"])
    assert "CPR-nummer er registreret" in page.text and _leaks(page.text) == []
    citizen = db.session.scalar(sa.select(Citizen))
    form = client.get(f"/borgere/{citizen.id}/cpr")
    assert "CPR-nummer er registreret" in form.text and _leaks(form.text) == []
    [field] = re.findall(r'<input[^>]*name="cpr"[^>]*>', form.text)
    assert 'value=""' in field


def test_entering_the_number_is_logged_for_the_citizen(app, client, auth):
    """Is registering the number an access-log event for the citizen with the Digital Post purpose?"""
    mette = make_user(username="mette")
    auth.login("mette")
    _new_citizen(client)
    citizen = db.session.scalar(sa.select(Citizen))
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "cpr")).all()
    assert (event.action, event.purpose, event.citizen_id, event.user_id) == (
        AuditAction.CREATE,
        "digital_post",
        citizen.id,
        mette.id,
    )


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12345", "Et CPR-nummer består af 10 cifre"),
        ("25098912345", "Et CPR-nummer består af 10 cifre"),
        ("abcdefghij", "Et CPR-nummer består af 10 cifre"),
        ("3102901234", "De første seks cifre i et CPR-nummer er en fødselsdato"),  # 31 February
        ("0113901234", "De første seks cifre i et CPR-nummer er en fødselsdato"),  # month 13
        ("0101304234", "De første seks cifre i et CPR-nummer er en fødselsdato"),  # 2030: not born yet
    ],
)
def test_an_invalid_number_is_refused_in_danish_and_not_echoed(app, client, auth, typed, error):
    """Is a number without 10 digits or a real date of birth refused (422) with a Danish message, the
    other fields kept, nothing stored, and the typed number not sent back?"""
    make_user(username="mette")
    auth.login("mette")
    response = _new_citizen(client, cpr=typed)
    assert response.status_code == 422
    assert error in response.text and 'value="Ali"' in response.text
    assert typed not in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Citizen)) == 0


def test_no_modulus_11_check(app, client, auth):
    """Is a number that fails the old modulus-11 check accepted (not required since 2007)?"""
    number = "0101901235"
    assert sum(int(d) * w for d, w in zip(number, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True)) % 11
    make_user(username="mette")
    auth.login("mette")
    assert _new_citizen(client, cpr=number).status_code == 303


def test_a_valid_number_is_not_echoed_when_another_field_is_wrong(app, client, auth):
    """When another field has an error, is the valid number still not sent back, with a note to type it
    again?"""
    make_user(username="mette")
    auth.login("mette")
    response = _new_citizen(client, first_name="")
    assert response.status_code == 422
    assert _leaks(response.text) == [] and "Indtast CPR-nummeret igen" in response.text


def test_the_cpr_page_registers_replaces_and_deletes(app, client, auth):
    """Can the job broker register a number for an existing citizen, replace it, and delete it, each
    logged, with the citizen's page saying what is there?"""
    mette = make_user(username="mette")
    citizen = make_citizen(mette)
    auth.login("mette")
    assert "Intet CPR-nummer" in client.get(f"/borgere/{citizen.id}").text
    assert client.post(f"/borgere/{citizen.id}/cpr", data={"cpr": TYPED}).status_code == 303
    first = _raw_cpr_column(citizen.id)
    client.post(f"/borgere/{citizen.id}/cpr", data={"cpr": "0101901234"})
    second = _raw_cpr_column(citizen.id)
    assert first != second and cpr.decrypt(second) == "0101901234"
    client.post(f"/borgere/{citizen.id}/cpr", data={"remove": "1"})
    assert _raw_cpr_column(citizen.id) is None
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "cpr").order_by(AuditEvent.id)
    ).all()
    assert actions == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]


def test_only_the_own_job_broker_reaches_the_cpr_page(app, client, auth):
    """Does another job broker get 404 and a supervisor 403 on the CPR page, and nothing changes?"""
    team = make_team()
    citizen = make_citizen(make_user(username="mette", team=team))
    make_user(username="anden", team=team)
    make_user(Role.SUPERVISOR, username="leder", team=team)
    auth.login("anden")
    assert client.post(f"/borgere/{citizen.id}/cpr", data={"cpr": TYPED}).status_code == 404
    auth.logout()
    auth.login("leder")
    assert client.post(f"/borgere/{citizen.id}/cpr", data={"cpr": TYPED}).status_code == 403
    assert _raw_cpr_column(citizen.id) is None


def _ok(response):
    assert response.status_code == 200, response.request.path
    return response


def _pdf_text(pdf: bytes, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_number_is_in_no_page_export_pdf_or_log_line(
    app,
    client,
    auth,
    digital_post_server,  # noqa: F811
    tmp_path,
    tmp_path_factory,
    caplog,
):
    """Registered, used for a Digital Post delivery that fails once and then goes, is the number absent
    from every page the job broker and the supervisor see, the history CSV, the summary PDF, the access
    log and the citizen's extract (CSV and PDF), and every log line, and is each use in the access log?"""
    caplog.set_level(logging.DEBUG)
    app.instance_path = str(tmp_path_factory.getbasetemp() / "instance")
    app.config.update(
        digital_post_server.config(DELIVERY_CHANNELS=("digital_post",), DIGITAL_POST_CERT_PATH=None)
    )
    team = make_team()
    mette = make_user(username="mette", team=team)
    make_user(Role.SUPERVISOR, username="leder", team=team)
    auth.login("mette")
    _new_citizen(client)
    citizen = db.session.scalar(sa.select(Citizen))
    placement = make_placement(citizen)
    make_contact(placement.workplace.company)
    visit = make_visit(placement, mette, state=VisitState.SIGNED)
    document = produce_document(visit)
    delivery.deliver_document(document)  # refused at the TLS layer: no certificate
    app.config["DIGITAL_POST_CERT_PATH"] = str(digital_post_server.cert_path)
    delivery.retry_due(utcnow() + delivery.BACKOFF[0] * 2)
    assert any(r.body and CPR.encode() in r.body for r in digital_post_server.received)  # it was used

    seen = {
        "citizen page": _ok(client.get(f"/borgere/{citizen.id}")).text,
        "cpr page": _ok(client.get(f"/borgere/{citizen.id}/cpr")).text,
        "caseload": _ok(client.get("/borgere")).text,
        "course": _ok(client.get(f"/forloeb/{placement.id}")).text,
        "visit": _ok(client.get(f"/besoeg/{visit.uuid}")).text,
        "deliveries": _ok(client.get(f"/besoeg/{visit.uuid}/leveringer")).text,
        "summary pdf": _pdf_text(
            _ok(client.get(f"/besoeg/{visit.uuid}/referat.pdf")).data, tmp_path, "summary"
        ),
        "summary pdf bytes": document.pdf.decode("latin-1"),
    }
    auth.logout()
    auth.login("leder")
    seen |= {
        "history": _ok(client.get("/leder/besoeg")).text,
        "history csv": _ok(client.get("/leder/besoeg.csv")).text,
        "access log": _ok(client.get(f"/adgangslog?citizen={citizen.id}")).text,
        "extract csv": _ok(client.get(f"/adgangslog/borger/{citizen.id}/udtraek.csv")).text,
        "extract pdf": _pdf_text(
            _ok(client.get(f"/adgangslog/borger/{citizen.id}/udtraek.pdf")).data, tmp_path, "extract"
        ),
        "supervisor's citizen page": _ok(client.get(f"/borgere/{citizen.id}")).text,
    }
    seen["log"] = "\n".join(record.getMessage() for record in caplog.records)
    assert len(seen["history csv"]) > 50 and "Ali" in seen["extract pdf"]
    leaks = {where: found for where, text in seen.items() if (found := _leaks(text))}
    assert leaks == {}

    uses = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "cpr", AuditEvent.action == AuditAction.READ)
    ).all()
    citizen_deliveries = [d for d in document.deliveries if d.recipient_role == SignerRole.CITIZEN]
    assert len(uses) == 2 and {u.object_id for u in uses} == {citizen_deliveries[0].id}
