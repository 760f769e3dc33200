"""The Digital Post channel: the summary as a MeMo message, handed to a Digital Post transport.

Two transports reach Næste generation Digital Post (NgDP):

- `ngdp`: NgDP's own REST interface, over mutual TLS with the municipality's OCES3 system (or
  organisation) certificate. Built here.
- `sf1601`: KOMBIT's Serviceplatformen service SF1601 "KombiPostAfsend", which takes the same MeMo
  inside a `kombi_request` and authenticates with a token from KOMBIT's security token service. Not
  built: a municipality that routes Digital Post through Serviceplatformen adds a class with the same
  `send(memo, message_uuid)` and registers it in TRANSPORTS; the channel, the MeMo and the services do
  not change.

The channel reads its settings at send time and keeps nothing between calls, so it runs the same from a
web request, the retry run or a queued job.
"""

from __future__ import annotations

import base64
import http.client
import re
import ssl
import uuid
from typing import Protocol
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.delivery import memo
from app.delivery.channels import DeliveryError, DeliveryRefused, OutgoingSummary, in_danish

# Six digits or more in a row (a CPR or CVR number) are masked in any text from the far side before it
# is stored as a reason: an error message may echo the recipient's id.
_NUMBERS = re.compile(r"\d[\d\s-]{4,}\d")
# 409: NgDP already has a message with this messageUUID, i.e. an earlier attempt went through although
# its answer was lost. The letter is there, once.
ALREADY_RECEIVED = 409
RETRY_STATUSES = {408, 425, 429}


class Transport(Protocol):
    name: str

    def send(self, document: bytes, message_uuid: uuid.UUID) -> None:
        """Hand the MeMo over; DeliveryError to try again, DeliveryRefused if it will never go."""
        ...


def _scrub(text: str, limit: int = 200) -> str:
    return _NUMBERS.sub("…", " ".join(text.split()))[:limit]


class NgdpRestTransport:
    """POST of the MeMo to NgDP's REST interface (DIGITAL_POST_URL) over mutual TLS."""

    name = "ngdp"

    def _context(self) -> ssl.SSLContext:
        config = current_app.config
        context = ssl.create_default_context(cafile=config.get("DIGITAL_POST_CA_PATH") or None)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        cert, key = config.get("DIGITAL_POST_CERT_PATH"), config.get("DIGITAL_POST_KEY_PATH")
        if cert:
            try:
                context.load_cert_chain(cert, key or None, password=config.get("DIGITAL_POST_KEY_PASSWORD"))
            except (OSError, ssl.SSLError) as exc:
                raise DeliveryError(
                    in_danish(
                        _l(
                            "The system certificate for Digital Post cannot be read (%(detail)s).",
                            detail=type(exc).__name__,
                        )
                    )
                ) from exc
        return context

    def _headers(self, message_uuid: uuid.UUID) -> dict[str, str]:
        config = current_app.config
        headers = {
            "Content-Type": "application/xml; charset=utf-8",
            "Accept": "application/json, application/xml",
            "User-Agent": "Eftervaern",
        }
        system_id, secret = config.get("DIGITAL_POST_SYSTEM_ID"), config.get("DIGITAL_POST_SYSTEM_SECRET")
        if system_id:
            token = base64.b64encode(f"{system_id}:{secret or ''}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        return headers

    def send(self, document: bytes, message_uuid: uuid.UUID) -> None:
        config = current_app.config
        url = config.get("DIGITAL_POST_URL")
        if not url:
            raise DeliveryError(
                in_danish(_l("Digital Post has no address in this installation (DIGITAL_POST_URL)."))
            )
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise DeliveryError(in_danish(_l("The address of Digital Post must begin with https://.")))
        timeout = float(config.get("DIGITAL_POST_TIMEOUT", 30))
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port or 443, context=self._context(), timeout=timeout
        )
        try:
            connection.request("POST", parts.path or "/", body=document, headers=self._headers(message_uuid))
            response = connection.getresponse()
            status, text = response.status, response.read(2000).decode("utf-8", errors="replace")
        except ssl.SSLCertVerificationError as exc:
            raise DeliveryError(
                in_danish(
                    _l(
                        "The certificate of the Digital Post server could not be verified (%(detail)s).",
                        detail=_scrub(exc.verify_message or str(exc)),
                    )
                )
            ) from exc
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError) as exc:
            # With TLS 1.3 a server that does not accept the client certificate says so after the
            # handshake, as an alert or a reset on the first read or write.
            raise DeliveryError(
                in_danish(
                    _l(
                        "Digital Post refused the connection at the TLS layer: the system certificate was "
                        "not accepted (%(detail)s).",
                        detail=_scrub(getattr(exc, "reason", None) or type(exc).__name__),
                    )
                )
            ) from exc
        except TimeoutError as exc:
            raise DeliveryError(
                in_danish(_l("Digital Post did not answer within %(seconds)s seconds.", seconds=int(timeout)))
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise DeliveryError(
                in_danish(
                    _l(
                        "Digital Post cannot be reached (%(detail)s).",
                        detail=_scrub(str(exc) or type(exc).__name__),
                    )
                )
            ) from exc
        finally:
            connection.close()
        if 200 <= status < 300 or status == ALREADY_RECEIVED:
            return
        if 400 <= status < 500 and status not in RETRY_STATUSES:
            raise DeliveryRefused(
                in_danish(
                    _l(
                        "Digital Post refused the message (%(status)s %(text)s).",
                        status=status,
                        text=_scrub(text),
                    )
                )
            )
        raise DeliveryError(
            in_danish(
                _l(
                    "Digital Post answered with an error (%(status)s %(text)s).",
                    status=status,
                    text=_scrub(text),
                )
            )
        )


TRANSPORTS: dict[str, Transport] = {"ngdp": NgdpRestTransport()}


def transport() -> Transport:
    name = current_app.config.get("DIGITAL_POST_TRANSPORT") or "ngdp"
    try:
        return TRANSPORTS[name]
    except KeyError:
        raise DeliveryError(in_danish(_l("Unknown Digital Post transport: %(name)s", name=name))) from None


class DigitalPostChannel:
    """Digital Post: to the citizen by CPR number, to the company by CVR number (its MitID Erhverv mailbox),
    with the contact person as the attention person."""

    name = "digital_post"

    def build(self, message: OutgoingSummary) -> bytes:
        """The MeMo for one recipient (used by send, and by tests that read it)."""
        config = current_app.config
        sender_id = config.get("DIGITAL_POST_SENDER_ID")
        if not sender_id:
            raise DeliveryError(
                in_danish(_l("Digital Post has no sender in this installation (DIGITAL_POST_SENDER_ID)."))
            )
        if message.message_uuid is None or message.recipient_id_type not in ("CPR", "CVR"):
            raise DeliveryError(in_danish(_l("The message for Digital Post is incomplete.")))
        return memo.build(
            memo.MemoDocument(
                message_uuid=message.message_uuid,
                label=message.subject,
                sender=memo.Party(
                    id=sender_id,
                    id_type=config.get("DIGITAL_POST_SENDER_ID_TYPE") or "CVR",
                    label=config.get("MUNICIPALITY_NAME") or "",
                ),
                recipient=memo.Party(
                    id=message.recipient_address,
                    id_type=message.recipient_id_type,
                    label=message.recipient_name,
                    attention_person=message.attention_name,
                ),
                pdf=message.pdf,
                filename=message.filename,
                document_label=message.subject,
                case_id=message.case_ref,
                case_system=config.get("DIGITAL_POST_CASE_SYSTEM") or None,
            )
        )

    def send(self, message: OutgoingSummary) -> None:
        document = self.build(message)
        assert message.message_uuid is not None  # checked by build()
        transport().send(document, message.message_uuid)
