"""The e-mail channel on its own: the message it builds and what it does with a real SMTP server."""

from collections.abc import Iterator

import pytest
from flask import Flask

from app.delivery.channels import (
    DEFAULT_MAIL_FROM,
    DeliveryError,
    EmailChannel,
    OutgoingSummary,
    build_email,
    channel_for,
)
from tests.smtp_server import free_port, smtp_server  # noqa: F401

PDF = b"%PDF-1.7 test summary"


def _summary(**overrides) -> OutgoingSummary:
    fields = {
        "recipient_name": "Hanne Østergaard",
        "recipient_address": "hanne@firma.dk",
        "subject": "Referat af opfølgningsbesøg 23.11.2026",
        "body": "Kære Hanne Østergaard\n\nReferatet er vedhæftet.\n",
        "pdf": PDF,
        "filename": "referat-EV-TEST0001.pdf",
        "reply_to": "mette@kommune.dk",
    }
    return OutgoingSummary(**{**fields, **overrides})


@pytest.fixture
def mail_app(smtp_server) -> Iterator[Flask]:  # noqa: F811
    app = Flask(__name__)
    app.config.update(smtp_server.config, MAIL_FROM="Jobcenter Demo <eftervaern@demo.dk>")
    with app.app_context():
        yield app


def test_email_carries_the_pdf_as_attachment():
    """Does the e-mail have the covering text as its body and the PDF attached as application/pdf?"""
    email = build_email(_summary(), "eftervaern@demo.dk")
    assert email.get_body(("plain",)).get_content().startswith("Kære Hanne Østergaard")
    [attachment] = email.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "referat-EV-TEST0001.pdf"
    assert attachment.get_content() == PDF


def test_email_headers_name_the_recipient_and_the_reply_address():
    """Are To (with a Danish name), Reply-To, Subject and the auto-generated marker set?"""
    email = build_email(_summary(), "Jobcenter Demo <eftervaern@demo.dk>")
    assert email["To"].addresses[0].display_name == "Hanne Østergaard"
    assert email["To"].addresses[0].addr_spec == "hanne@firma.dk"
    assert email["Reply-To"] == "mette@kommune.dk"
    assert email["Subject"] == "Referat af opfølgningsbesøg 23.11.2026"
    assert email["Auto-Submitted"] == "auto-generated"
    assert email["Message-ID"].endswith("@demo.dk>")


def test_email_without_reply_address_has_no_reply_to():
    """Is Reply-To left out when the job broker has no e-mail address?"""
    assert "Reply-To" not in build_email(_summary(reply_to=None), DEFAULT_MAIL_FROM)


def test_send_delivers_to_the_smtp_server(mail_app, smtp_server):  # noqa: F811
    """Does the channel hand the message to the SMTP server, from MAIL_FROM to the recipient?"""
    EmailChannel().send(_summary())
    [received] = smtp_server.messages
    assert received.mail_from == "eftervaern@demo.dk"
    assert received.rcpt_tos == ["hanne@firma.dk"]
    [attachment] = received.message.iter_attachments()
    assert attachment.get_content() == PDF


def test_mail_from_has_a_default(mail_app, smtp_server):  # noqa: F811
    """Without MAIL_FROM, does the e-mail still go, from the default sender?"""
    del mail_app.config["MAIL_FROM"]
    EmailChannel().send(_summary())
    assert smtp_server.messages[0].mail_from == DEFAULT_MAIL_FROM


@pytest.mark.parametrize(
    "reply", ["451 4.3.0 Mailbox temporarily unavailable", "550 5.1.1 No such user", "554 5.7.1 Rejected"]
)
def test_refused_message_raises_with_the_servers_reply(mail_app, smtp_server, reply):  # noqa: F811
    """Does a 4xx or 5xx answer become a DeliveryError whose reason is the server's reply?"""
    smtp_server.refuse(reply)
    with pytest.raises(DeliveryError) as error:
        EmailChannel().send(_summary())
    assert error.value.reason == reply
    assert smtp_server.messages == []


def test_unreachable_server_raises(mail_app):
    """Does a mail server that is not listening give a DeliveryError rather than a crash?"""
    mail_app.config["SMTP_PORT"] = free_port()
    with pytest.raises(DeliveryError) as error:
        EmailChannel().send(_summary())
    assert error.value.reason


def test_login_is_tried_when_a_username_is_set(mail_app, smtp_server):  # noqa: F811
    """With SMTP_USERNAME set, does the channel log in (and fail clearly on a server without AUTH)?"""
    mail_app.config.update(SMTP_USERNAME="eftervaern", SMTP_PASSWORD="hemmeligt")
    with pytest.raises(DeliveryError) as error:
        EmailChannel().send(_summary())
    assert "AUTH" in error.value.reason
    assert smtp_server.messages == []


@pytest.mark.parametrize("address", ["", "no-at-sign", "two words@firma.dk", "a@b.dk\nBcc: x@y.dk"])
def test_invalid_address_raises_before_sending(mail_app, smtp_server, address):  # noqa: F811
    """Is an address that cannot be written into the To header refused without contacting the server?"""
    with pytest.raises(DeliveryError) as error:
        EmailChannel().send(_summary(recipient_address=address))
    assert "invalid address" in error.value.reason
    assert smtp_server.messages == []


def test_channel_registry():
    """Are e-mail and Digital Post registered, and does an unknown channel fail clearly?"""
    assert channel_for("email").name == "email"
    assert channel_for("digital_post").name == "digital_post"
    with pytest.raises(DeliveryError, match="unknown channel: fax"):
        channel_for("fax")
