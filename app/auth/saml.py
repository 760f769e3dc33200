"""The SAML 2.0 service provider (OIOSAML 3 profile), built on pysaml2 with Debian's xmlsec1.

Only protocol work lives here: the SP's metadata, signed authentication and logout requests, and checking
what the identity provider sends back (its signature against the key in its metadata, our audience, the
time window with SAML_CLOCK_SKEW_SECONDS of slack, that it answers a request this browser made). Who the
person is and what they may do is decided in app/auth/services.py from the attributes returned here.
"""

from __future__ import annotations

import base64
import enum
import fcntl
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.x509.oid import NameOID
from defusedxml import DefusedXmlException, ElementTree
from flask import current_app, url_for
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import IncorrectlySigned, UnsolicitedResponse
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.sigver import SignatureError, SigverError, XmlsecError, security_context
from saml2.validate import ResponseLifetimeExceed, ToEarly
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from app.core.timeutil import epoch_seconds, utcnow

log = logging.getLogger(__name__)

# OIOSAML 3 attribute names (the basic privilege profile names the privilege attribute).
OIO_SPEC_VERSION = "https://data.gov.dk/model/core/specVersion"
OIO_LOA = "https://data.gov.dk/concept/core/nsis/loa"
OIO_PERSISTENT_UUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
OIO_EMAIL = "https://data.gov.dk/model/core/eid/email"
OIO_FULL_NAME = "https://data.gov.dk/model/core/eid/fullName"
OIO_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
OIO_PRIVILEGES = "https://data.gov.dk/model/core/eid/privilegesIntermediate"
# NSIS assurance levels, lowest first; an AuthnRequest asks for the configured minimum.
LOA_LEVELS = ("Low", "Substantial", "High")
LOA_CONTEXT_PREFIX = "https://data.gov.dk/concept/core/nsis/loa/"

XMLSEC_BINARY = "/usr/bin/xmlsec1"
DEV_KEY_SIZE = 2048
DEV_VALIDITY = timedelta(days=10 * 365)


class Refusal(enum.StrEnum):
    """Why an identity provider's answer, or the person in it, was not let in."""

    SIGNATURE = "signature"  # unsigned, or not signed by the key in the IdP's metadata
    EXPIRED = "expired"  # past its validity window, beyond the allowed clock skew
    CLOCK = "clock"  # not valid yet: the IdP's clock is ahead of ours by more than the allowed skew
    REPLAYED = "replayed"  # not an answer to an open request of this browser (used already, or never asked)
    AUDIENCE = "audience"  # meant for another service provider
    INVALID = "invalid"  # malformed, or the IdP answered with an error status
    ASSURANCE = "assurance"  # the log-in's NSIS assurance level is below SAML_MIN_LOA
    NO_ROLE = "no_role"  # the attributes map to no role in this app
    UNKNOWN = "unknown"  # no account, and the municipality has unknown people refused
    PENDING = "pending"  # an account waiting for an administrator
    INACTIVE = "inactive"  # a deactivated account
    UNAVAILABLE = "unavailable"  # SSO is not configured, or the IdP's metadata cannot be read


class SamlRefused(Exception):
    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


@dataclass
class Assertion:
    """What a verified assertion says about the person."""

    name_id: str
    name_id_format: str | None
    name_qualifier: str | None
    sp_name_qualifier: str | None
    session_index: str | None
    issuer: str
    attributes: dict[str, list[str]] = field(default_factory=dict)

    def first(self, name: str | None) -> str | None:
        values = self.attributes.get(name or "") or []
        return values[0].strip() if values and values[0] and values[0].strip() else None

    @property
    def subject(self) -> str:
        """The stable identifier of the person: OIOSAML's persistent UUID when sent, else the NameID."""
        return self.first(OIO_PERSISTENT_UUID) or self.name_id

    def session_data(self) -> dict[str, str | None]:
        """What the session keeps for Single Logout."""
        return {
            "name_id": self.name_id,
            "format": self.name_id_format,
            "name_qualifier": self.name_qualifier,
            "sp_name_qualifier": self.sp_name_qualifier,
            "session_index": self.session_index,
            "issuer": self.issuer,
        }


def enabled() -> bool:
    return bool(current_app.config.get("SAML_ENABLED"))


def write_self_signed_pair(cert_path: Path, key_path: Path, common_name: str) -> None:
    """A self-signed RSA certificate and key (PEM) for development; the key file is readable by its owner."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=DEV_KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = utcnow()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_pem)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def ensure_pair(folder: Path, common_name: str) -> tuple[Path, Path]:
    """The development pair in `folder`, made on first use (by one process only)."""
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cert_path.exists() and key_path.exists()):
            write_self_signed_pair(cert_path, key_path, common_name)
            log.warning("Made a self-signed development SAML certificate in %s", folder)
    return cert_path, key_path


def sp_key_paths() -> tuple[str, str]:
    """The SP's signing (and decryption) certificate and key: configured, or a development pair."""
    config = current_app.config
    if config.get("SAML_SP_CERT_PATH") and config.get("SAML_SP_KEY_PATH"):
        return config["SAML_SP_CERT_PATH"], config["SAML_SP_KEY_PATH"]
    folder = Path(current_app.instance_path) / "saml" / "sp"
    cert, key = ensure_pair(folder, f"{config['MUNICIPALITY_NAME']} Efterværn SP (udvikling)")
    return str(cert), str(key)


def entity_id() -> str:
    """The SP's entity ID: configured, else the metadata's own URL (stable for one public address)."""
    return current_app.config.get("SAML_SP_ENTITY_ID") or _external("auth.saml_metadata")


def _external(endpoint: str) -> str:
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint)
    return url_for(endpoint, _external=True)


MD_NS = "urn:oasis:names:tc:SAML:2.0:metadata"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
METADATA_TIMEOUT_SECONDS = 10


def _metadata_source() -> tuple[Callable[[], dict[str, Any]], Any]:
    """How to load pysaml2's metadata setting, and a cache key that changes when the IdP's metadata may
    have: the metadata is read only when the key is new."""
    config = current_app.config
    url = config.get("SAML_IDP_METADATA_URL")
    if url:
        # Re-read a remote IdP's metadata now and then: IdPs roll their keys through their metadata.
        bucket = epoch_seconds() // config["SAML_METADATA_REFRESH_SECONDS"]
        cert = config.get("SAML_IDP_METADATA_CERT")
        if cert:
            return (lambda: {"inline": [signed_metadata(url, cert)]}), (url, bucket, cert)
        return (lambda: {"remote": [{"url": url}]}), (url, bucket)
    path = config.get("SAML_IDP_METADATA_FILE")
    if not path or not Path(path).is_file():
        raise SamlRefused(Refusal.UNAVAILABLE, f"no IdP metadata at {path!r}")
    return (lambda: {"local": [path]}), (path, Path(path).stat().st_mtime_ns)


def signed_metadata(url: str, cert_file: str) -> str:
    """The IdP's metadata from `url`, only if it is signed, as a whole, by the key of `cert_file` (the
    certificate its federation signs metadata with): pysaml2 itself would take unsigned metadata even
    with a certificate given, and a key in metadata read unchecked is a key anyone on the way could
    have put there. The signature must be the root element's own and cover the root (its Reference is
    the root's ID); xmlsec1 checks it. Raises SamlRefused (unavailable) otherwise."""
    try:
        response = requests.get(url, timeout=METADATA_TIMEOUT_SECONDS)
        response.raise_for_status()
    except requests.RequestException as error:
        raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata from {url}: {error}") from error
    text = response.content
    try:
        root = ElementTree.fromstring(text)
    except (ElementTree.ParseError, DefusedXmlException) as error:  # a DTD or entities: refused unread
        raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata from {url} is not XML: {error}") from error
    if root.tag not in (f"{{{MD_NS}}}EntityDescriptor", f"{{{MD_NS}}}EntitiesDescriptor"):
        raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata from {url} is no SAML metadata")
    root_id = root.get("ID")
    signature = root.find(f"{{{DSIG_NS}}}Signature")
    references = (
        [] if signature is None else signature.findall(f"{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}Reference")
    )
    if not root_id or len(references) != 1 or references[0].get("URI") != f"#{root_id}":
        raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata from {url} is not signed as a whole")
    verifier = SPConfig()
    verifier.xmlsec_binary = XMLSEC_BINARY
    element = root.tag.split("}", 1)[1]
    try:
        valid = security_context(verifier).verify_signature(
            text, cert_file=cert_file, node_name=f"{MD_NS}:{element}", node_id=root_id
        )
    except (SignatureError, SigverError, XmlsecError) as error:
        raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata from {url}: signature not valid") from error
    if valid is not True:
        raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata from {url}: signature not valid")
    return text.decode("utf-8", errors="replace")  # XML ElementTree read; signed as these bytes


def _requested_loa() -> list[str]:
    level = current_app.config.get("SAML_MIN_LOA")
    return [LOA_CONTEXT_PREFIX + level] if level else []


def sp_config() -> dict[str, Any]:
    """The pysaml2 configuration of this SP, as a dict (also what its metadata is made from)."""
    config = current_app.config
    cert, key = sp_key_paths()
    acs, sls = _external("auth.saml_acs"), _external("auth.saml_sls")
    sp: dict[str, Any] = {
        "name": f"Efterværn, {config['MUNICIPALITY_NAME']}",
        "endpoints": {
            "assertion_consumer_service": [(acs, BINDING_HTTP_POST)],
            # Redirect only: its signature is checked here over the query as received.
            "single_logout_service": [(sls, BINDING_HTTP_REDIRECT)],
        },
        "authn_requests_signed": True,
        "logout_requests_signed": True,
        "logout_responses_signed": True,
        # OIOSAML 3: the assertion itself carries the IdP's signature (a signed Response alone is not enough).
        "want_assertions_signed": True,
        "want_response_signed": False,
        "want_assertions_or_response_signed": False,
        # Only answers to requests this browser made: an unsolicited or reused response is refused.
        "allow_unsolicited": False,
        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
        "name_id_policy_format": NAMEID_FORMAT_PERSISTENT,
        "name_id_format_allow_create": True,
        "requested_attributes": [],
    }
    if _requested_loa():
        sp["requested_authn_context"] = {
            "authn_context_class_ref": _requested_loa(),
            "comparison": "minimum",
        }
    return {
        "entityid": entity_id(),
        "xmlsec_binary": XMLSEC_BINARY,
        "key_file": key,
        "cert_file": cert,
        "encryption_keypairs": [{"key_file": key, "cert_file": cert}],
        "accepted_time_diff": config["SAML_CLOCK_SKEW_SECONDS"],
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
        "service": {"sp": sp},
        "metadata": {},
        "http_client_timeout": 10,
    }


def client() -> Saml2Client:
    """A client for this request's host and the IdP's present metadata, reused while neither changes."""
    load_metadata, key = _metadata_source()
    settings = sp_config()
    cache = current_app.extensions.setdefault("saml_clients", {})
    cache_key = (settings["entityid"], str(settings["service"]), key)
    found = cache.get(cache_key)
    if found is None:
        settings["metadata"] = load_metadata()
        sp = SPConfig()
        try:
            sp.load(settings)
        except Exception as error:  # pysaml2 raises several kinds for unreadable metadata
            raise SamlRefused(Refusal.UNAVAILABLE, f"IdP metadata: {error}") from error
        found = Saml2Client(config=sp)
        cache.clear()  # one live configuration is enough
        cache[cache_key] = found
    return found


def metadata_xml() -> str:
    """The SP's metadata: entity ID, endpoints, and its certificate for signing and encryption."""
    sp = SPConfig()
    sp.load(sp_config())
    return create_metadata_string(None, config=sp, valid=24 * 7, sign=False).decode()


def _idp_entity(saml: Saml2Client) -> str:
    idps = list(saml.metadata.with_descriptor("idpsso"))
    if len(idps) != 1:
        raise SamlRefused(Refusal.UNAVAILABLE, f"expected one IdP in its metadata, found {len(idps)}")
    return idps[0]


def login_request(relay_state: str) -> tuple[str, str]:
    """A signed AuthnRequest for the IdP: (redirect URL, request ID to remember in the session)."""
    saml = client()
    request_id, info = saml.prepare_for_authenticate(
        entityid=_idp_entity(saml),
        relay_state=relay_state,
        binding=BINDING_HTTP_REDIRECT,
        sign=True,
        sigalg=SIG_RSA_SHA256,
        digest_alg=DIGEST_SHA256,
    )
    return dict(info["headers"])["Location"], request_id


def _as_refusal(error: Exception) -> SamlRefused:
    text = str(error)
    if isinstance(error, ResponseLifetimeExceed):
        return SamlRefused(Refusal.EXPIRED, text)
    if isinstance(error, ToEarly):
        return SamlRefused(Refusal.CLOCK, text)
    if isinstance(error, UnsolicitedResponse):
        return SamlRefused(Refusal.REPLAYED, text)
    if isinstance(error, SignatureError | SigverError | IncorrectlySigned):
        return SamlRefused(Refusal.SIGNATURE, text or "signature missing or not valid")
    if "AudienceRestrictions" in text:
        return SamlRefused(Refusal.AUDIENCE, text)
    # pysaml2 re-raises some of its own as plain exceptions; their text still tells them apart.
    if "Can't use response yet" in text:
        return SamlRefused(Refusal.CLOCK, text)
    if "too old" in text:
        return SamlRefused(Refusal.EXPIRED, text)
    return SamlRefused(Refusal.INVALID, f"{type(error).__name__}: {text}")


def parse_login_response(saml_response: str, outstanding: dict[str, str]) -> Assertion:
    """Check an IdP's POSTed Response; raises SamlRefused with the reason when it is not good enough."""
    saml = client()
    try:
        response = saml.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=outstanding
        )
    except Exception as error:  # pysaml2 raises many kinds, some plain Exception (a wrong audience)
        raise _as_refusal(error) from error
    if response is None or response.assertion is None:
        raise SamlRefused(Refusal.INVALID, "no assertion in the response")
    subject = response.assertion.subject
    name_id = subject.name_id if subject is not None else None
    if name_id is None or not name_id.text:
        raise SamlRefused(Refusal.INVALID, "no NameID")
    authn = response.assertion.authn_statement
    attributes = {
        attribute.name: [str(value.text or "") for value in attribute.attribute_value]
        for statement in response.assertion.attribute_statement
        for attribute in statement.attribute
    }
    return Assertion(
        name_id=name_id.text.strip(),
        name_id_format=name_id.format,
        name_qualifier=name_id.name_qualifier,
        sp_name_qualifier=name_id.sp_name_qualifier,
        session_index=authn[0].session_index if authn else None,
        issuer=response.issuer(),
        attributes=attributes,
    )


def in_response_to(saml_response: str) -> str | None:
    """The request ID a POSTed (base64) Response answers, read before it is verified, to find the request."""
    try:
        root = ElementTree.fromstring(base64.b64decode(saml_response))
    except Exception:
        return None
    value = root.get("InResponseTo")
    return value[:64] if value else None


def loa_of(assertion: Assertion) -> str | None:
    return assertion.first(OIO_LOA)


def loa_sufficient(level: str | None, minimum: str | None) -> bool:
    """Is the assurance level at least `minimum`? No minimum configured: any level, or none, will do."""
    if not minimum:
        return True
    if level not in LOA_LEVELS:
        return False
    return LOA_LEVELS.index(level) >= LOA_LEVELS.index(minimum)


def privileges(value: str) -> list[str]:
    """The privilege URIs in an OIOSAML basic privilege profile value (base64 of a PrivilegeList)."""
    try:
        root = ElementTree.fromstring(base64.b64decode(value, validate=True))
    except Exception:
        return []
    return [
        (element.text or "").strip()
        for element in root.iter()
        if element.tag.rsplit("}", 1)[-1] == "Privilege" and (element.text or "").strip()
    ]


def logout_request(session_data: dict[str, str | None], relay_state: str = "") -> str | None:
    """The URL of a signed LogoutRequest to the IdP for the session's assertion; None if it has no SLO."""
    saml = client()
    idp = session_data.get("issuer") or _idp_entity(saml)
    try:
        slo = saml.metadata.single_logout_service(idp, BINDING_HTTP_REDIRECT, "idpsso")
    except Exception:  # pysaml2 raises for an IdP no longer in the metadata, or one without Redirect SLO
        return None
    if not slo:
        return None
    location = slo[0]["location"]
    name_id = NameID(
        text=session_data["name_id"],
        format=session_data.get("format"),
        name_qualifier=session_data.get("name_qualifier"),
        sp_name_qualifier=session_data.get("sp_name_qualifier"),
    )
    indexes = [session_data["session_index"]] if session_data.get("session_index") else None
    _request_id, request = saml.create_logout_request(
        location,
        idp,
        name_id=name_id,
        session_indexes=indexes,
        sign=False,  # the Redirect binding signs the query string instead
    )
    info = saml.apply_binding(
        BINDING_HTTP_REDIRECT, str(request), location, relay_state, sign=True, sigalg=SIG_RSA_SHA256
    )
    return dict(info["headers"])["Location"]


_REDIRECT_HASHES = {
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256": hashes.SHA256,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384": hashes.SHA384,
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512": hashes.SHA512,
}


def verify_redirect_signature(raw_query: str) -> None:
    """Check the signature of a Redirect-binding message against the IdP's signing keys in its metadata.

    pysaml2 checks these only for an IdP's incoming requests, so the SP does it itself, over the query
    exactly as received (SAML 2.0 bindings 3.4.4.1): re-encoding the values could change the signed bytes.
    """
    raw = dict(part.split("=", 1) for part in raw_query.split("&") if "=" in part)
    kind = "SAMLRequest" if "SAMLRequest" in raw else "SAMLResponse"
    if kind not in raw or "SigAlg" not in raw or "Signature" not in raw:
        raise SamlRefused(Refusal.SIGNATURE, "unsigned Redirect-binding message")
    algorithm = _REDIRECT_HASHES.get(unquote_plus(raw["SigAlg"]))
    if algorithm is None:
        raise SamlRefused(
            Refusal.SIGNATURE, f"signature algorithm {unquote_plus(raw['SigAlg'])} not accepted"
        )
    signed = "&".join(f"{key}={raw[key]}" for key in (kind, "RelayState", "SigAlg") if key in raw).encode()
    try:
        signature = base64.b64decode(unquote_plus(raw["Signature"]), validate=True)
    except ValueError as error:
        raise SamlRefused(Refusal.SIGNATURE, "signature not base64") from error
    saml = client()
    for _name, cert in saml.metadata.certs(_idp_entity(saml), "idpsso", "signing"):
        key = x509.load_der_x509_certificate(base64.b64decode("".join(cert.split()))).public_key()
        try:
            key.verify(signature, signed, PKCS1v15(), algorithm())
        except (InvalidSignature, TypeError, ValueError):
            continue
        return
    raise SamlRefused(Refusal.SIGNATURE, "not signed by a key in the IdP's metadata")


def check_logout_response(saml_response: str, raw_query: str) -> None:
    """Verify the IdP's LogoutResponse (Redirect binding); raises SamlRefused when it is not valid."""
    verify_redirect_signature(raw_query)
    try:
        response = client().parse_logout_request_response(saml_response, BINDING_HTTP_REDIRECT)
    except Exception as error:
        raise _as_refusal(error) from error
    if response is None:
        raise SamlRefused(Refusal.INVALID, "logout response not readable")


def parse_logout_request(saml_request: str, relay_state: str | None, raw_query: str) -> tuple[str, Any]:
    """Verify an IdP's LogoutRequest (Redirect binding): (the NameID it ends, the request) or SamlRefused."""
    verify_redirect_signature(raw_query)
    try:
        request = client().parse_logout_request(saml_request, BINDING_HTTP_REDIRECT, relay_state)
    except Exception as error:
        raise _as_refusal(error) from error
    if request is None or request.message is None or request.message.name_id is None:
        raise SamlRefused(Refusal.INVALID, "logout request not readable")
    return request.message.name_id.text.strip(), request


def logout_response(request: Any, relay_state: str | None) -> str:
    """The URL that answers an IdP's LogoutRequest with a signed, successful LogoutResponse."""
    saml = client()
    response = saml.create_logout_response(request.message, [BINDING_HTTP_REDIRECT], sign=False)
    location = saml.metadata.single_logout_service(
        request.message.issuer.text, BINDING_HTTP_REDIRECT, "idpsso"
    )
    destination = location[0]["location"] if location else response.destination
    info = saml.apply_binding(
        BINDING_HTTP_REDIRECT,
        str(response),
        destination,
        relay_state or "",
        response=True,
        sign=True,
        sigalg=SIG_RSA_SHA256,
    )
    return dict(info["headers"])["Location"]
