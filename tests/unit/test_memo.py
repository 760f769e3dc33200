"""The MeMo builder without a network: version, namespace, element order, escaping, the PDF inside."""

import base64
import uuid
from datetime import UTC, datetime

from lxml import etree

from app.delivery import memo
from app.delivery.channels import OutgoingSummary

NS = {"memo": memo.MEMO_NAMESPACE}
UUID = uuid.UUID("6f1d8b5e-3c2a-4b7e-9f10-2a3b4c5d6e7f")


def _message(**overrides) -> memo.MemoDocument:
    fields = {
        "message_uuid": UUID,
        "label": "Referat af opfølgningsbesøg 23.11.2026",
        "sender": memo.Party(id="29189846", id_type="CVR", label="Herning Kommune"),
        "recipient": memo.Party(
            id="13748136", id_type="CVR", label="Lager A/S", attention_person="Hanne Jensen"
        ),
        "pdf": b"%PDF-1.7 sealed",
        "filename": "referat-EV-ABC123.pdf",
        "document_label": "Referat af opfølgningsbesøg 23.11.2026",
        "case_id": "SAG-2026-00123",
        "case_system": "Efterværn",
        "created": datetime(2026, 11, 23, 10, 0, tzinfo=UTC),
    }
    return memo.MemoDocument(**{**fields, **overrides})


def _names(element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_the_root_carries_the_version_in_the_memo_namespace():
    """Is the root memo:Message in https://DigitalPost.dk/MeMo-1 with memoVersion 1.1 and schema 1.1.0,
    written as UTF-8 with an XML declaration?"""
    xml = memo.build(_message())
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(xml)
    assert root.tag == "{https://DigitalPost.dk/MeMo-1}Message" and root.prefix == "memo"
    assert (root.get("memoVersion"), root.get("memoSchVersion")) == (
        memo.MEMO_VERSION,
        memo.MEMO_SCHEMA_VERSION,
    )
    assert memo.MEMO_VERSION == "1.1"


def test_header_elements_follow_the_schema_order():
    """Are the header's elements a subsequence of the MeMo 1.1 order, with optional ones in their place?"""
    header = etree.fromstring(memo.build(_message(message_id="EV-ABC123"))).find("memo:MessageHeader", NS)
    names = _names(header)
    assert names == [n for n in memo.HEADER_ORDER if n in names]
    assert names[:3] == ["messageType", "messageUUID", "messageID"]


def test_a_citizen_letter_has_no_attention_data_and_the_number_only_as_recipient_id():
    """For a citizen (CPR), is the number the recipientID alone and no AttentionData written?"""
    root = etree.fromstring(
        memo.build(_message(recipient=memo.Party(id="2509891234", id_type="CPR", label="Ali Khan")))
    )
    recipient = root.find("memo:MessageHeader/memo:Recipient", NS)
    assert _names(recipient) == ["recipientID", "idType", "label"]
    assert etree.tostring(root).count(b"2509891234") == 1


def test_text_is_escaped_by_the_xml_library():
    """Does a name with <, & and quotes come through as the same text (no string concatenation)?"""
    name = 'Smed & Søn <"ApS">'
    root = etree.fromstring(
        memo.build(_message(recipient=memo.Party(id="13748136", id_type="CVR", label=name)))
    )
    assert root.findtext("memo:MessageHeader/memo:Recipient/memo:label", namespaces=NS) == name


def test_the_pdf_is_base64_of_the_exact_bytes():
    """Is the File's content the PDF's bytes in base64, with application/pdf and Danish as its language?"""
    pdf = bytes(range(256)) * 10
    file = etree.fromstring(memo.build(_message(pdf=pdf))).find(".//memo:MainDocument/memo:File", NS)
    assert base64.b64decode(file.findtext("memo:content", namespaces=NS)) == pdf
    assert file.findtext("memo:encodingFormat", namespaces=NS) == "application/pdf"
    assert file.findtext("memo:language", namespaces=NS) == "da"


def test_created_time_is_utc_with_z():
    """Is createdDateTime written in UTC with a Z, whatever zone it was given in?"""
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 23, 11, 0, tzinfo=ZoneInfo("Europe/Copenhagen"))
    root = etree.fromstring(memo.build(_message(created=local)))
    assert root.findtext("memo:MessageBody/memo:createdDateTime", namespaces=NS) == "2026-11-23T10:00:00Z"


def test_the_numbers_stay_out_of_repr():
    """Do the recipient's id and the PDF stay out of repr(), so no log line or traceback prints a CPR?"""
    party = memo.Party(id="2509891234", id_type="CPR")
    summary = OutgoingSummary(
        recipient_name="Ali Khan",
        recipient_address="2509891234",
        subject="s",
        body="",
        pdf=b"%PDF",
        filename="f.pdf",
    )
    assert "2509891234" not in repr(party) and "2509891234" not in repr(summary)
    assert "2509891234" not in repr(_message(recipient=party))
