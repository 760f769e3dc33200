"""Test certificates: a root CA and what it issues (a seal certificate, a timestamp authority)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from app.core.timeutil import utcnow

# digital_signature, content_commitment (non-repudiation): what a seal or a timestamp is signed with.
SIGNING_USAGE = x509.KeyUsage(True, True, False, False, False, False, False, False, False)
CA_USAGE = x509.KeyUsage(True, False, False, False, False, True, True, False, False)


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey  # RSA: pyHanko's in-process timestamp stamper signs with RSA only

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    def key_der(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _build(subject: str, key: rsa.RSAPrivateKey, issuer: Issued | None, extensions: list) -> x509.Certificate:
    now = utcnow()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.certificate.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=True)
    return builder.sign(issuer.key if issuer else key, hashes.SHA256())


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def root_ca(name: str) -> Issued:
    key = _key()
    return Issued(_build(name, key, None, [x509.BasicConstraints(ca=True, path_length=0), CA_USAGE]), key)


def issue(ca: Issued, name: str, *extra: x509.ExtensionType) -> Issued:
    """A signing certificate issued by `ca`, with any further (critical) extensions."""
    key = _key()
    return Issued(_build(name, key, ca, [SIGNING_USAGE, *extra]), key)
