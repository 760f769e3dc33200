"""Channel adapters: how a sealed summary reaches a recipient.

A channel takes an `OutgoingSummary` and either hands it over or raises `DeliveryError` with a reason
(in Danish: it is shown on the visit page and stored on the delivery). The services decide whom to send
to, in which channel order, when to retry and what to log; a channel only transports. A channel can be
called from a web request, the retry run or a queued job alike: it reads its settings at send time and
keeps no state between calls.

- `DeliveryError`: try again later (timeouts, refused connections, TLS failures, 5xx).
- `DeliveryRefused`: the receiving side said no for good (no Digital Post mailbox, an invalid message);
  the services go on to the next channel in DELIVERY_CHANNELS instead of retrying.
- `DeliveryNotPossible`: the channel cannot address this recipient at all (a citizen without a CPR
  number); the next channel likewise.

Channels: e-mail over SMTP (here) and Digital Post (app/delivery/digital_post.py, MeMo over NgDP's REST
interface).
"""

from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Protocol

from flask import current_app
from flask_babel import force_locale

DEFAULT_MAIL_FROM = "eftervaern@kommune.invalid"


def in_danish(text: object) -> str:
    """A lazy text (`lazy_gettext`) in Danish: reasons go to citizens' and companies' records, whatever
    the language of the user who pressed the button."""
    with force_locale("da"):
        return str(text)


class DeliveryError(Exception):
    """The channel could not deliver; `reason` is shown to the job broker and stored on the delivery."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryRefused(DeliveryError):
    """The receiving side refused the message for good: retrying will not help, the next channel may."""


class DeliveryNotPossible(DeliveryError):
    """The channel cannot address this recipient (no CPR number): the next channel may."""


@dataclass(frozen=True)
class OutgoingSummary:
    """What a channel sends: one summary PDF to one recipient, with a short covering text."""

    recipient_name: str
    # An e-mail address, a CVR number or, for Digital Post to a citizen, the CPR number decrypted for this
    # one send: kept out of repr() so that no traceback or log line can print it.
    recipient_address: str = field(repr=False)
    subject: str
    body: str
    pdf: bytes = field(repr=False)
    filename: str
    reply_to: str | None = None  # where the recipient's answer should go, if the channel has answers
    # Digital Post: the id type of recipient_address ("CPR" or "CVR"), the person a company's letter is
    # for, the case reference, and the messageUUID that stays the same on every retry.
    recipient_id_type: str | None = None
    attention_name: str | None = None
    case_ref: str | None = None
    message_uuid: uuid.UUID | None = None


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingSummary) -> None:
        """Hand the message over, or raise DeliveryError."""
        ...


def build_email(message: OutgoingSummary, sender: str) -> EmailMessage:
    """The e-mail: the covering text as plain text and the summary as a PDF attachment."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = Address(display_name=message.recipient_name, addr_spec=message.recipient_address)
    if message.reply_to:
        email["Reply-To"] = message.reply_to
    email["Subject"] = message.subject
    email["Date"] = formatdate(localtime=True)
    sender_address = parseaddr(sender)[1]
    email["Message-ID"] = make_msgid(
        domain=sender_address.rpartition("@")[2] if "@" in sender_address else None
    )
    # Asks mail servers not to answer with out-of-office replies to an address nobody reads.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    email.add_attachment(message.pdf, maintype="application", subtype="pdf", filename=message.filename)
    return email


def _smtp_reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return f"{code} {text.decode(errors='replace')}"
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return str(exc) or type(exc).__name__


class EmailChannel:
    """E-mail through the municipality's SMTP server (SMTP_* settings, read at send time)."""

    name = "email"

    def send(self, message: OutgoingSummary) -> None:
        config = current_app.config
        try:
            email = build_email(message, config.get("MAIL_FROM") or DEFAULT_MAIL_FROM)
        except (ValueError, IndexError) as exc:  # the address cannot be written into a header
            raise DeliveryError(f"invalid address: {message.recipient_address}") from exc
        try:
            with smtplib.SMTP(
                config.get("SMTP_HOST", "localhost"),
                int(config.get("SMTP_PORT", 25)),
                timeout=float(config.get("SMTP_TIMEOUT", 10)),
            ) as smtp:
                if config.get("SMTP_STARTTLS", False):
                    smtp.starttls(context=ssl.create_default_context())
                if config.get("SMTP_USERNAME"):
                    smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
                smtp.send_message(email)
        # OSError covers refused connections, unknown hosts, timeouts and TLS failures.
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(_smtp_reason(exc)) from exc


def _registry() -> dict[str, Channel]:
    from app.delivery.digital_post import DigitalPostChannel

    return {"email": EmailChannel(), "digital_post": DigitalPostChannel()}


CHANNELS: dict[str, Channel] = _registry()


def channel_for(name: str) -> Channel:
    """The channel registered under `name`; DeliveryError for one this installation does not have."""
    try:
        return CHANNELS[name]
    except KeyError:
        raise DeliveryError(f"unknown channel: {name}") from None
