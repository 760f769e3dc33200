"""The municipality's seal: a PAdES signature on every summary, and checking an uploaded file against it.

Production installations point SEAL_CERT_PATH / SEAL_KEY_PATH (and SEAL_KEY_PASSWORD) at the municipality's
own certificate. Without them a self-signed development pair is made on first use in <instance>/seal/, so
a developer's summaries are sealed the same way, only by a certificate nobody else trusts.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.x509.oid import NameOID
from flask import current_app
from flask_babel import gettext as _
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, fields, signers, timestamps
from pyhanko.sign.general import as_signing_certificate_v2, get_pyca_cryptography_hash
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.core.timeutil import utcnow
from app.extensions import db
from app.models import Document

log = logging.getLogger(__name__)
T = TypeVar("T")

FIELD_NAME = "Segl"
# Room for a timestamp token in the signature container: the token and the authority's certificates.
TIMESTAMP_ROOM = 12_000
DEV_KEY_SIZE = 2048
DEV_VALIDITY = timedelta(days=10 * 365)
# A municipality's organisation certificate may carry either usage; pyHanko's default demands non-repudiation.
KEY_USAGE = KeyUsageConstraints(
    key_usage={"non_repudiation", "digital_signature"}, match_all_key_usages=False
)


class SealError(RuntimeError):
    """The seal's certificate or key cannot be used (the message says what to fix)."""


class _SigningCertificate(attributes.SigningCertificateV2Provider):
    """The signing-certificate-v2 attribute from its encoding made once per certificate: asn1crypto takes
    ~15-30 ms to build it (the issuer's name is copied and encoded again each time), for a value that is
    the same in every seal the certificate makes."""

    def __init__(self, signing_cert: asn1_x509.Certificate, encoded: bytes) -> None:
        super().__init__(signing_cert)
        self.encoded = encoded

    async def build_attr_value(self, dry_run: bool = False) -> tsp.SigningCertificateV2:
        return tsp.SigningCertificateV2.load(self.encoded)


class _ParsedKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature it makes, and the checks
    cryptography runs on an RSA key take ~50 ms each time. This one parses it once, and encodes the
    signed attribute naming its certificate once (_SigningCertificate)."""

    def __init__(self, loaded: signers.SimpleSigner) -> None:
        super().__init__(
            signing_cert=loaded.signing_cert,
            signing_key=loaded.signing_key,
            cert_registry=loaded.cert_registry,
        )
        self.private_key = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        self.signing_certificate_v2 = as_signing_certificate_v2(self.signing_cert).dump()

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Iterator[attributes.CMSAttributeProvider]:
        # pyHanko's own providers (signing time, CAdES, …) with only that one replaced; the test
        # test_the_seal_signs_the_attributes_pyhanko_would holds it to what pyHanko itself signs.
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if type(provider) is attributes.SigningCertificateV2Provider:
                provider = _SigningCertificate(provider.signing_cert, self.signing_certificate_v2)
            yield provider

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        try:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        except ValueError:  # e.g. PSS, whose parameters pyHanko's own path reads
            return super().sign_raw(data, digest_algorithm)
        hash_algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self.private_key, rsa.RSAPrivateKey):
            return self.private_key.sign(data, PKCS1v15(), hash_algorithm)
        if mechanism == "ecdsa" and isinstance(self.private_key, ec.EllipticCurvePrivateKey):
            return self.private_key.sign(data, ec.ECDSA(hash_algorithm))
        return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's own, slower path


@dataclass(frozen=True)
class SealKey:
    signer: _ParsedKeySigner
    certificate: asn1_x509.Certificate
    subject: str  # RFC 4514, e.g. "CN=Demo Kommune (udvikling)"

    @property
    def bytes_reserved(self) -> int:
        """Room for the signature container: the certificates it embeds, plus the signed attributes, the
        signature value and the structure around them (about 1.5 KB even with a 4096-bit key)."""
        certificates = [self.certificate, *self.signer.cert_registry]
        room = 4096 + sum(len(c.dump()) for c in certificates)
        return room + room % 2  # written as hex: pyHanko wants an even number


# Loading and decrypting the key costs more than a few stat() calls: keep it per file version.
_cache: dict[tuple, SealKey] = {}


def _paths() -> tuple[Path, Path]:
    """The configured certificate and key, or the development pair (made if missing)."""
    cert_path = current_app.config.get("SEAL_CERT_PATH")
    key_path = current_app.config.get("SEAL_KEY_PATH")
    if cert_path and key_path:
        return Path(cert_path), Path(key_path)
    if cert_path or key_path:
        raise SealError("Set both SEAL_CERT_PATH and SEAL_KEY_PATH, or neither (development).")
    dev_dir = current_app.config.get("SEAL_DEV_DIR") or Path(current_app.instance_path) / "seal"
    return _ensure_dev_pair(Path(dev_dir))


def _ensure_dev_pair(folder: Path) -> tuple[Path, Path]:
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    folder.mkdir(parents=True, exist_ok=True)
    # Several server processes may start sealing at once; only one of them may make the pair.
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cert_path.exists() and key_path.exists()):
            _write_dev_pair(cert_path, key_path, current_app.config["MUNICIPALITY_NAME"])
    return cert_path, key_path


def _write_dev_pair(cert_path: Path, key_path: Path, municipality: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=DEV_KEY_SIZE)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{municipality} (udvikling)")])
    now = utcnow()
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(usage, critical=True)
        # Not a CA: trusting this certificate must not mean trusting anything it could issue.
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
    log.warning("Made a self-signed development seal certificate in %s", cert_path.parent)


def seal_key() -> SealKey:
    """The installation's signer and certificate; raises SealError when they cannot be loaded."""
    cert_path, key_path = _paths()
    chain = current_app.config.get("SEAL_CHAIN_PATH")
    password = current_app.config.get("SEAL_KEY_PASSWORD")
    files = [cert_path, key_path, *([Path(chain)] if chain else [])]
    try:
        versions = tuple(path.stat().st_mtime_ns for path in files)
    except OSError as exc:
        raise SealError(f"The seal certificate, key or chain cannot be read: {exc}") from exc
    cache_key = (*map(str, files), password, versions)
    if cache_key not in _cache:
        signer = signers.SimpleSigner.load(
            str(key_path),
            str(cert_path),
            ca_chain_files=[chain] if chain else None,
            key_passphrase=password.encode() if password else None,
        )
        # pyHanko logs and returns None instead of raising on a bad file or a wrong password.
        if signer is None or signer.signing_cert is None:
            raise SealError(
                f"The seal key {key_path} or certificate {cert_path} could not be loaded "
                "(wrong format, wrong SEAL_KEY_PASSWORD, or a key that does not match)."
            )
        fast = _ParsedKeySigner(signer)
        certificate = x509.load_der_x509_certificate(signer.signing_cert.dump())
        if _public_der(certificate.public_key()) != _public_der(fast.private_key.public_key()):
            raise SealError(f"The seal key {key_path} does not belong to the certificate {cert_path}.")
        _cache.clear()  # only the current files matter
        _cache[cache_key] = SealKey(
            signer=fast, certificate=signer.signing_cert, subject=certificate.subject.rfc4514_string()
        )
    return _cache[cache_key]


def _public_der(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def seal(pdf: bytes) -> bytes:
    """The PDF with the municipality's PAdES seal added as an incremental update (PDF/A stays intact),
    with a trusted timestamp when a timestamp authority is configured (SEAL_TSA_URL)."""
    key = seal_key()
    url = current_app.config.get("SEAL_TSA_URL")
    if url:
        stamper = timestamps.HTTPTimeStamper(url, timeout=current_app.config.get("SEAL_TSA_TIMEOUT", 10))
        try:
            return _sealed(pdf, key, stamper)
        except Exception:
            # A summary waits for nobody's timestamp service: sealed without one, and said in the log.
            log.warning(
                "Timestamp authority %s failed; the summary is sealed without a timestamp", url, exc_info=True
            )
    return _sealed(pdf, key, None)


def _sealed(pdf: bytes, key: SealKey, stamper: timestamps.TimeStamper | None) -> bytes:
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    # Reserving the space ourselves spares pyHanko a whole dummy signature made only to measure it.
    signer = signers.PdfSigner(meta, signer=key.signer, timestamper=stamper)
    reserved = key.bytes_reserved + (TIMESTAMP_ROOM if stamper else 0)
    return outside_event_loop(signer.sign_pdf, writer, bytes_reserved=reserved).getvalue()


def outside_event_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call one of pyHanko's synchronous functions, which start an asyncio loop of their own.

    That fails in a thread that already runs a loop (an async server, or a test process driving a
    browser through Playwright); there the call goes to a short-lived worker thread instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


@dataclass
class VerifyResult:
    """What a check of an uploaded file found. `valid` is the one answer that counts."""

    intact: bool  # the file is byte for byte what was sealed, with nothing added after
    valid: bool  # intact, cryptographically sound, and sealed with this installation's certificate
    signed_at: datetime | None = None
    signer: str | None = None
    timestamped_at: datetime | None = None  # from a timestamp authority /verify trusts (SEAL_TSA_CA_PATH)
    timestamp_authority: str | None = None
    document: Document | None = None  # the stored summary with these exact bytes, if any
    reason: str | None = None  # in plain words, when not valid

    @property
    def reference(self) -> str | None:
        return self.document.reference if self.document else None


def verify(pdf: bytes) -> VerifyResult:
    """Check a file: never raises, whatever it is given (only a broken installation raises SealError)."""
    key = seal_key()  # outside the guard: a server without its certificate must not call documents forged
    if b"%PDF-" not in pdf[:1024]:
        return VerifyResult(intact=False, valid=False, reason=_("The file is not a PDF document."))
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception:
        log.info("verify: unreadable PDF", exc_info=True)
        return VerifyResult(
            intact=False, valid=False, reason=_("The PDF file is damaged and cannot be read.")
        )
    if not signatures:
        return VerifyResult(intact=False, valid=False, reason=_("The document carries no digital seal."))
    ours = [s for s in signatures if s.field_name == FIELD_NAME] or signatures
    try:
        return _judge(ours[-1], pdf, key)
    except Exception:
        # A corrupted signature can fail anywhere inside the validator; to the user it is simply broken.
        log.info("verify: signature could not be validated", exc_info=True)
        return VerifyResult(
            intact=False, valid=False, reason=_("The seal is damaged: the document has been changed.")
        )


def _tsa_roots() -> list[asn1_x509.Certificate]:
    """The timestamp authorities' root certificates /verify accepts (SEAL_TSA_CA_PATH, PEM)."""
    path = current_app.config.get("SEAL_TSA_CA_PATH")
    if not path:
        return []
    try:
        certificates = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise SealError(f"SEAL_TSA_CA_PATH {path} cannot be read as PEM certificates: {exc}") from exc
    return [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates]


def _judge(embedded: EmbeddedPdfSignature, pdf: bytes, key: SealKey) -> VerifyResult:
    # The seal must chain to this installation's own certificate; a timestamp, separately, to one of the
    # configured authorities (trusting a TSA's root must never make its other certificates seal-worthy).
    context = ValidationContext(trust_roots=[key.certificate])
    ts_context = ValidationContext(trust_roots=_tsa_roots())
    status = outside_event_loop(
        validate_pdf_signature, embedded, context, ts_context, key_usage_settings=KEY_USAGE
    )
    # Anything appended after the seal (an incremental update) changes what a reader sees.
    intact = status.intact and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    signer = x509.load_der_x509_certificate(status.signing_cert.dump()).subject.rfc4514_string()
    valid = intact and status.valid and status.trusted
    if not intact:
        reason = _("The document has been changed after it was sealed.")
    elif not status.valid:
        reason = _("The seal does not match the document.")
    elif not status.trusted:
        reason = _(
            "The seal was not made with the certificate of %(municipality)s.",
            municipality=current_app.config["MUNICIPALITY_NAME"],
        )
    else:
        reason = None
    digest = hashlib.sha256(pdf).hexdigest()
    document = db.session.scalar(sa.select(Document).where(Document.sha256 == digest)) if valid else None
    stamp = status.timestamp_validity
    stamped = valid and stamp is not None and stamp.intact and stamp.valid and stamp.trusted
    return VerifyResult(
        intact=intact,
        valid=valid,
        signed_at=status.signer_reported_dt,
        signer=signer,
        timestamped_at=stamp.timestamp if stamped else None,
        timestamp_authority=(
            x509.load_der_x509_certificate(stamp.signing_cert.dump()).subject.rfc4514_string()
            if stamped
            else None
        ),
        document=document,
        reason=reason,
    )
