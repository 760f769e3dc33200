"""The MeMo message ("Meddelelsesmodel"), the format of Næste generation Digital Post.

Built with lxml, element by element, in the order of the MeMo 1.1 schema (MeMo_Core.xsd as the Agency for
Digital Government publishes it; the same order as the open-source builders in python_serviceplatformen
and itk-dev/serviceplatformen):

    Message(memoVersion, memoSchVersion)
      MessageHeader: messageType, messageUUID, [messageID], label, [notification], mandatory,
                     legalNotification, Sender, Recipient, [ContentData]
        Sender:    senderID, idType, label
        Recipient: recipientID, idType, [label], [AttentionData/AttentionPerson/label]
        ContentData: [CaseID: caseID, caseSystem]
      MessageBody: createdDateTime, MainDocument
        MainDocument: [mainDocumentID], [label], File: encodingFormat, filename, language, content

Only the elements Efterværn fills are written; the optional ones left out keep their place in the order.
The version lives here and nowhere else.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lxml import etree

from app.models.base import utcnow

MEMO_NAMESPACE = "https://DigitalPost.dk/MeMo-1"
MEMO_VERSION = "1.1"
MEMO_SCHEMA_VERSION = "1.1.0"
# Serviceplatformen (SF1601) reads the prefix literally; NgDP does not mind. "memo" suits both.
PREFIX = "memo"
MESSAGE_TYPE = "DIGITALPOST"
# Labels in MeMo are at most 256 characters.
LABEL_MAX = 256

# The order the schema gives, for the tests and for anyone reading a message by hand.
HEADER_ORDER = (
    "messageType",
    "messageUUID",
    "messageID",
    "label",
    "notification",
    "mandatory",
    "legalNotification",
    "Sender",
    "Recipient",
    "ContentData",
)


@dataclass(frozen=True)
class Party:
    """A sender or recipient: its id and the id's type ("CPR", "CVR" or "MyndighedsID")."""

    id: str = field(repr=False)  # a CPR number must never end up in a log line through repr()
    id_type: str
    label: str | None = None
    attention_person: str | None = None  # for a company: the person the letter is for


@dataclass(frozen=True)
class MemoDocument:
    message_uuid: uuid.UUID
    label: str
    sender: Party
    recipient: Party
    pdf: bytes = field(repr=False)
    filename: str
    document_label: str
    case_id: str | None = None
    case_system: str | None = None
    message_id: str | None = None
    created: datetime | None = None


def _q(name: str) -> str:
    return f"{{{MEMO_NAMESPACE}}}{name}"


def _add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _q(name))
    if text is not None:
        element.text = text
    return element


def _utc(moment: datetime) -> str:
    # MeMo wants UTC with a Z ("pattern .+Z").
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(message: MemoDocument) -> bytes:
    """The MeMo XML document, UTF-8 with an XML declaration."""
    root = etree.Element(_q("Message"), nsmap={PREFIX: MEMO_NAMESPACE})
    root.set("memoVersion", MEMO_VERSION)
    root.set("memoSchVersion", MEMO_SCHEMA_VERSION)

    header = _add(root, "MessageHeader")
    _add(header, "messageType", MESSAGE_TYPE)
    _add(header, "messageUUID", str(message.message_uuid))
    if message.message_id:
        _add(header, "messageID", message.message_id[:LABEL_MAX])
    _add(header, "label", message.label[:LABEL_MAX])
    _add(header, "mandatory", "false")
    _add(header, "legalNotification", "false")

    sender = _add(header, "Sender")
    _add(sender, "senderID", message.sender.id)
    _add(sender, "idType", message.sender.id_type)
    _add(sender, "label", (message.sender.label or "")[:LABEL_MAX])

    recipient = _add(header, "Recipient")
    _add(recipient, "recipientID", message.recipient.id)
    _add(recipient, "idType", message.recipient.id_type)
    if message.recipient.label:
        _add(recipient, "label", message.recipient.label[:LABEL_MAX])
    if message.recipient.attention_person:
        attention = _add(recipient, "AttentionData")
        person = _add(attention, "AttentionPerson")
        _add(person, "label", message.recipient.attention_person[:LABEL_MAX])

    if message.case_id:
        content = _add(header, "ContentData")
        case = _add(content, "CaseID")
        _add(case, "caseID", message.case_id[:LABEL_MAX])
        _add(case, "caseSystem", (message.case_system or "")[:LABEL_MAX])

    body = _add(root, "MessageBody")
    _add(body, "createdDateTime", _utc(message.created or utcnow()))
    main = _add(body, "MainDocument")
    _add(main, "mainDocumentID", str(message.message_uuid))
    _add(main, "label", message.document_label[:LABEL_MAX])
    file = _add(main, "File")
    _add(file, "encodingFormat", "application/pdf")
    _add(file, "filename", message.filename[:LABEL_MAX])
    _add(file, "language", "da")
    _add(file, "content", base64.b64encode(message.pdf).decode("ascii"))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
