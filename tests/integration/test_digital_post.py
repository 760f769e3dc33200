"""Delivering the sealed summary by Digital Post: a MeMo 1.1 message over HTTPS with mutual TLS to a local
stand-in for NgDP (tests/digital_post_server.py), the channel order, fallback to e-mail, retries with the
same messageUUID, and the status on the visit page."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from lxml import etree

from app.core import cpr
from app.delivery import memo, services
from app.extensions import db
from app.models import (
    AuditAction,
    AuditEvent,
    Delivery,
    DeliveryStatus,
    Role,
    Signature,
    SignerRole,
    VisitState,
)
from app.models.base import utcnow
from app.reports import seal
from app.reports.services import produce_document
from tests.digital_post_server import _digital_post_certificates, digital_post_server  # noqa: F401
from tests.factories import (
    make_citizen,
    make_company,
    make_contact,
    make_placement,
    make_team,
    make_user,
    make_visit,
    make_workplace,
)

CPR = "2509891234"
NS = {"memo": memo.MEMO_NAMESPACE}


@pytest.fixture
def ngdp(app, digital_post_server, tmp_path_factory):  # noqa: F811
    """Digital Post first, then e-mail; a development seal outside the project folder."""
    app.instance_path = str(tmp_path_factory.getbasetemp() / "instance")
    app.config.update(digital_post_server.config(DELIVERY_CHANNELS=("digital_post", "email")))
    return digital_post_server


def _document(cpr_number: str | None = CPR, citizen_email: str | None = "ali@example.dk"):
    """Mette's citizen Ali Khan at Lager A/S (contact Hanne Jensen), visited, signed and sealed."""
    mette = make_user(username="mette", full_name="Mette Smed", email="mette@kommune.dk")
    citizen = make_citizen(
        mette, first_name="Ali", last_name="Khan", email=citizen_email, case_ref="SAG-2026-00123"
    )
    if cpr_number:
        citizen.cpr_encrypted = cpr.encrypt(cpr_number)
    company = make_company(cvr="13748136", name="Lager A/S")
    workplace = make_workplace(company)
    contact = make_contact(company, name="Hanne Jensen", email="hanne@firma.dk")
    placement = make_placement(citizen, workplace=workplace, contact_person=contact)
    visit = make_visit(
        placement, mette, state=VisitState.SIGNED, performed_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    )
    db.session.add(
        Signature(
            visit=visit,
            signer_role=SignerRole.CITIZEN,
            signer_name="Ali Khan",
            strokes=[],
            svg="<svg xmlns='http://www.w3.org/2000/svg'/>",
            signed_at=utcnow(),
        )
    )
    db.session.commit()
    return produce_document(visit)


def _by_role(document) -> dict[SignerRole, list[Delivery]]:
    found: dict[SignerRole, list[Delivery]] = {}
    for d in services.ordered(document.deliveries):
        found.setdefault(d.recipient_role, []).append(d)
    return found


def _memo(received) -> etree._Element:
    return etree.fromstring(received.body)


def _recipient_id(root) -> str:
    return root.findtext("memo:MessageHeader/memo:Recipient/memo:recipientID", namespaces=NS)


def _children(element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_both_recipients_get_the_summary_by_digital_post_with_the_system_certificate(app, ngdp, smtp_server):
    """With the right client certificate, do the company (CVR) and the citizen (CPR) each get one MeMo,
    are both deliveries accepted and the visit delivered, and is nothing sent by e-mail?"""
    app.config.update(smtp_server.config)
    document = _document()
    services.deliver_document(document)
    assert len(ngdp.received) == 2
    assert {r.client_subject for r in ngdp.received} == {"Demo Kommune systemcertifikat"}
    assert {(_recipient_id(_memo(r))) for r in ngdp.received} == {"13748136", CPR}
    db.session.expire_all()
    assert {(d.channel, d.status) for d in document.deliveries} == {("digital_post", DeliveryStatus.SENT)}
    assert document.visit.state == VisitState.DELIVERED
    assert smtp_server.messages == []


def test_the_memo_has_the_documented_elements_in_order(app, ngdp):
    """Does the received message parse as MeMo 1.1 with the header, sender, recipient, case and body
    elements in the order of the MeMo 1.1 schema?"""
    document = _document()
    services.deliver_document(document)
    company = next(_memo(r) for r in ngdp.received if _recipient_id(_memo(r)) == "13748136")
    assert etree.QName(company).namespace == "https://DigitalPost.dk/MeMo-1"
    assert company.get("memoVersion") == "1.1" and company.get("memoSchVersion") == "1.1.0"
    assert _children(company) == ["MessageHeader", "MessageBody"]
    header = company.find("memo:MessageHeader", NS)
    assert _children(header) == [
        "messageType",
        "messageUUID",
        "label",
        "mandatory",
        "legalNotification",
        "Sender",
        "Recipient",
        "ContentData",
    ]
    assert header.findtext("memo:messageType", namespaces=NS) == "DIGITALPOST"
    assert header.findtext("memo:label", namespaces=NS) == "Referat af opfølgningsbesøg 23.11.2026"
    sender = header.find("memo:Sender", NS)
    assert _children(sender) == ["senderID", "idType", "label"]
    assert [c.text for c in sender] == ["29189846", "CVR", "Demo Kommune"]
    recipient = header.find("memo:Recipient", NS)
    assert _children(recipient) == ["recipientID", "idType", "label", "AttentionData"]
    assert recipient.findtext("memo:idType", namespaces=NS) == "CVR"
    assert (
        recipient.findtext("memo:AttentionData/memo:AttentionPerson/memo:label", namespaces=NS)
        == "Hanne Jensen"
    )
    case = header.find("memo:ContentData/memo:CaseID", NS)
    assert _children(case) == ["caseID", "caseSystem"] and case[0].text == "SAG-2026-00123"
    body = company.find("memo:MessageBody", NS)
    assert _children(body) == ["createdDateTime", "MainDocument"]
    assert body.findtext("memo:createdDateTime", namespaces=NS).endswith("Z")
    main = body.find("memo:MainDocument", NS)
    assert _children(main) == ["mainDocumentID", "label", "File"]
    file = main.find("memo:File", NS)
    assert _children(file) == ["encodingFormat", "filename", "language", "content"]
    assert [file[0].text, file[2].text] == ["application/pdf", "da"]

    citizen = next(_memo(r) for r in ngdp.received if _recipient_id(_memo(r)) == CPR)
    recipient = citizen.find("memo:MessageHeader/memo:Recipient", NS)
    assert recipient.findtext("memo:idType", namespaces=NS) == "CPR"
    assert recipient.find("memo:AttentionData", NS) is None


def test_the_pdf_inside_is_the_sealed_summary_and_verifies(app, ngdp):
    """Is the main document byte for byte the stored sealed summary, and does its seal still verify?"""
    document = _document()
    services.deliver_document(document)
    for received in ngdp.received:
        content = _memo(received).findtext(".//memo:MainDocument/memo:File/memo:content", namespaces=NS)
        pdf = base64.b64decode(content)
        assert pdf == document.pdf
        result = seal.verify(pdf)
        assert result.intact and result.valid


def test_without_a_client_certificate_the_tls_layer_refuses_then_a_retry_with_it_arrives(app, ngdp):
    """With no client certificate, does the server refuse the handshake (nothing reaches it), the delivery
    show 'failed' with a Danish reason and a next attempt, and the retry with the certificate arrive with
    the same messageUUID?"""
    app.config.update(DIGITAL_POST_CERT_PATH=None, DIGITAL_POST_KEY_PATH=None)
    document = _document(citizen_email=None)
    services.deliver_document(document)
    assert ngdp.received == [] and ngdp.handshake_failures
    db.session.expire_all()
    for delivery in document.deliveries:
        assert delivery.channel == "digital_post" and delivery.status == DeliveryStatus.FAILED
        assert delivery.last_error.startswith("Digital Post afviste forbindelsen på TLS-niveau")
        assert delivery.next_attempt_at is not None
    uuids = {d.recipient_role: d.message_uuid for d in document.deliveries}

    app.config.update(DIGITAL_POST_CERT_PATH=str(ngdp.cert_path), DIGITAL_POST_KEY_PATH=str(ngdp.key_path))
    assert services.retry_due(utcnow() + timedelta(minutes=2)) == 2
    db.session.expire_all()
    assert {d.status for d in document.deliveries} == {DeliveryStatus.SENT}
    assert all(d.attempts == 2 for d in document.deliveries)
    received = {
        _memo(r).findtext("memo:MessageHeader/memo:messageUUID", namespaces=NS) for r in ngdp.received
    }
    assert received == {str(u) for u in uuids.values()}
    assert document.visit.state == VisitState.DELIVERED


def test_a_certificate_from_another_ca_is_refused_too(app, ngdp):
    """Is a client certificate the server's CA did not issue refused at the TLS layer as well?"""
    app.config.update(
        DIGITAL_POST_CERT_PATH=str(ngdp.stranger_cert_path), DIGITAL_POST_KEY_PATH=str(ngdp.stranger_key_path)
    )
    document = _document(citizen_email=None)
    services.deliver_document(document)
    assert ngdp.received == []
    assert {d.status for d in document.deliveries} == {DeliveryStatus.FAILED}


def test_a_lost_answer_retried_sends_the_same_uuid(app, ngdp):
    """If the server took the message but answered 503, does the retry send the same messageUUID (so NgDP
    drops the duplicate), and does 409 'already received' count as delivered?"""
    ngdp.answer = (503, "Service Unavailable")
    document = _document(cpr_number=None, citizen_email=None)
    services.deliver_document(document)
    [company] = [d for d in document.deliveries if d.recipient_role == SignerRole.COMPANY_CONTACT]
    assert company.status == DeliveryStatus.FAILED and "503" in company.last_error
    ngdp.answer = (409, "duplicate messageUUID")
    assert services.retry_due(utcnow() + timedelta(minutes=2)) == 1
    first, second = (_memo(r).findtext(".//memo:messageUUID", namespaces=NS) for r in ngdp.received)
    assert first == second == str(company.message_uuid)
    assert company.status == DeliveryStatus.SENT


def test_without_cpr_the_citizens_digital_post_is_not_possible_and_email_is_used(app, ngdp, smtp_server):
    """Without a CPR number, is the citizen's Digital Post 'not possible' with that reason, and does the
    summary go to the citizen by e-mail, the fallback, while the company gets Digital Post?"""
    app.config.update(smtp_server.config)
    document = _document(cpr_number=None)
    services.deliver_document(document)
    roles = _by_role(document)
    [dp, email] = roles[SignerRole.CITIZEN]
    assert (dp.channel, dp.status) == ("digital_post", DeliveryStatus.NOT_POSSIBLE)
    assert dp.last_error == "Borgeren har intet CPR-nummer registreret, så Digital Post er ikke mulig."
    assert (email.channel, email.status) == ("email", DeliveryStatus.SENT)
    assert smtp_server.to("ali@example.dk") and not smtp_server.to("hanne@firma.dk")
    assert [d.channel for d in roles[SignerRole.COMPANY_CONTACT]] == ["digital_post"]
    assert len(ngdp.received) == 1
    assert document.visit.state == VisitState.DELIVERED


def test_without_cpr_and_without_fallback_the_citizen_is_not_reached(app, ngdp):
    """With Digital Post as the only channel, does a citizen without a CPR number stay 'not possible',
    nothing is retried, and the visit stays signed?"""
    app.config["DELIVERY_CHANNELS"] = ("digital_post",)
    document = _document(cpr_number=None)
    services.deliver_document(document)
    [dp] = _by_role(document)[SignerRole.CITIZEN]
    assert dp.status == DeliveryStatus.NOT_POSSIBLE and dp.next_attempt_at is None
    assert services.retry_due(utcnow() + timedelta(days=3)) == 0
    assert document.visit.state == VisitState.SIGNED


def test_a_refusal_goes_on_to_the_fallback_channel(app, ngdp, smtp_server):
    """When Digital Post refuses the message (400: no mailbox), is the delivery 'refused' with the reason,
    not retried, and is the e-mail fallback sent at once?"""
    app.config.update(smtp_server.config)
    ngdp.answer = (400, '{"error": "recipient 2509891234 has no mailbox"}')
    document = _document()
    services.deliver_document(document)
    [dp, email] = _by_role(document)[SignerRole.CITIZEN]
    assert dp.status == DeliveryStatus.REFUSED and dp.next_attempt_at is None
    assert dp.last_error.startswith("Digital Post afviste meddelelsen (400")
    assert CPR not in dp.last_error  # the far side echoed the number; it is not stored
    assert email.status == DeliveryStatus.SENT and smtp_server.to("ali@example.dk")


def test_channel_order_email_first(app, ngdp, smtp_server):
    """With DELIVERY_CHANNELS 'email,digital_post', does a recipient with an e-mail address get e-mail
    and nothing go to Digital Post?"""
    app.config.update(smtp_server.config, DELIVERY_CHANNELS=("email", "digital_post"))
    document = _document()
    services.deliver_document(document)
    assert {d.channel for d in document.deliveries} == {"email"}
    assert ngdp.received == []


def test_each_use_of_the_cpr_number_is_in_the_access_log(app, ngdp):
    """Is every reading of the CPR number for a Digital Post delivery (first attempt and retry) logged
    for the citizen with the Digital Post purpose?"""
    app.config.update(DIGITAL_POST_CERT_PATH=None, DIGITAL_POST_KEY_PATH=None)
    document = _document(citizen_email=None)
    services.deliver_document(document)
    app.config.update(DIGITAL_POST_CERT_PATH=str(ngdp.cert_path), DIGITAL_POST_KEY_PATH=str(ngdp.key_path))
    services.retry_due(utcnow() + timedelta(minutes=2))
    [citizen_delivery] = _by_role(document)[SignerRole.CITIZEN]
    uses = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "cpr", AuditEvent.purpose == "digital_post")
    ).all()
    assert len(uses) == 2
    assert all(
        e.action == AuditAction.READ
        and e.citizen_id == document.visit.placement.citizen_id
        and e.object_id == citizen_delivery.id
        for e in uses
    )


def test_resend_of_a_delivered_letter_is_a_new_message(app, ngdp, client, auth):
    """Does 'Send igen' on a letter Digital Post accepted send a new copy with a new messageUUID?"""
    document = _document(citizen_email=None)
    services.deliver_document(document)
    [company] = _by_role(document)[SignerRole.COMPANY_CONTACT]
    first = company.message_uuid
    auth.login("mette")
    client.post(f"/leveringer/{company.id}/send-igen", headers={"HX-Request": "true"})
    db.session.expire_all()
    assert db.session.get(Delivery, company.id).message_uuid != first and len(ngdp.received) == 3


def test_the_visit_page_fragment_shows_each_recipients_digital_post_status(app, ngdp, client, auth):
    """Does the deliveries fragment name the channel, the company's CVR, 'by CPR number' (never the
    number) and 'Modtaget af Digital Post' for each recipient, and a failure's Danish reason?"""
    document = _document()
    services.deliver_document(document)
    auth.login("mette")
    text = client.get(f"/besoeg/{document.visit.uuid}/leveringer", headers={"HX-Request": "true"}).text
    assert text.count("Modtaget af Digital Post") == 2
    assert "CVR 13748136" in text and "med CPR-nummer" in text and "Lager A/S" in text
    assert CPR not in text and "250989" not in text


def test_missing_sender_fails_clearly(app, ngdp):
    """Without DIGITAL_POST_SENDER_ID, does the delivery fail with a Danish reason naming the setting?"""
    app.config["DIGITAL_POST_SENDER_ID"] = None
    document = _document(citizen_email=None)
    services.deliver_document(document)
    assert all("DIGITAL_POST_SENDER_ID" in d.last_error for d in document.deliveries)
    assert ngdp.received == []


def test_the_history_shows_each_recipients_channel_and_status(app, ngdp, client, auth, smtp_server):
    """Does the supervisor's visit history show, under the visit's state, the company's Digital Post as
    sent and the citizen's Digital Post as not possible with e-mail sent instead?"""
    app.config.update(smtp_server.config)
    document = _document(cpr_number=None)
    team = make_team()
    document.visit.placement.citizen.jobformidler.team = team
    make_user(Role.SUPERVISOR, username="leder", team=team)
    db.session.commit()
    services.deliver_document(document)
    auth.login("leder")
    text = client.get("/leder/besoeg").text
    assert "Virksomhed: Digital Post, sendt" in text
    assert "Borger: Digital Post, ikke mulig" in text and "Borger: E-mail, sendt" in text
    rows = list(csv.reader(io.StringIO(client.get("/leder/besoeg.csv").text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-2:] == ["Levering til virksomheden", "Levering til borgeren"]
    assert rows[1][-2:] == ["Digital Post, sendt", "Digital Post, ikke mulig / E-mail, sendt"]


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(app, ngdp):
    """When the server's certificate does not chain to DIGITAL_POST_CA_PATH, is nothing sent (not even the
    CPR number) and the delivery failed with a Danish reason, to be retried?"""
    app.config["DIGITAL_POST_CA_PATH"] = str(ngdp.stranger_cert_path)
    document = _document(citizen_email=None)
    services.deliver_document(document)
    assert ngdp.received == []
    for delivery in document.deliveries:
        assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is not None
        assert delivery.last_error.startswith("Certifikatet på Digital Posts server kunne ikke verificeres")
