"""A stand-in for NgDP's REST interface on 127.0.0.1: HTTPS with Python's `ssl`, under a test CA made here,
that demands a client certificate from that CA (mutual TLS) before it reads a byte. It keeps what it
received and answers 201, or what a test tells it to."""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.certificates import issue, root_ca


@dataclass
class Received:
    body: bytes
    path: str
    headers: dict[str, str]
    client_subject: str  # the client certificate's common name, as the server saw it


@dataclass
class DigitalPostServer:
    url: str
    ca_path: Path  # the CA that issued the server's certificate: the client's DIGITAL_POST_CA_PATH
    cert_path: Path  # the municipality's system certificate, issued by the CA the server trusts
    key_path: Path
    stranger_cert_path: Path  # a certificate from a CA the server does not trust
    stranger_key_path: Path
    received: list[Received] = field(default_factory=list)
    handshake_failures: list[str] = field(default_factory=list)
    answer: tuple[int, str] = (201, '{"status": "ACCEPTED"}')

    def config(self, **overrides: object) -> dict:
        """The app settings that send to this server with the right certificate."""
        return {
            "DIGITAL_POST_URL": self.url,
            "DIGITAL_POST_CA_PATH": str(self.ca_path),
            "DIGITAL_POST_CERT_PATH": str(self.cert_path),
            "DIGITAL_POST_KEY_PATH": str(self.key_path),
            "DIGITAL_POST_SENDER_ID": "29189846",
            "DIGITAL_POST_SENDER_ID_TYPE": "CVR",
            **overrides,
        }


def _write(folder: Path, name: str, issued) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert.write_bytes(issued.pem())
    key.write_bytes(issued.key_pem())
    return cert, key


@pytest.fixture(scope="session")
def _digital_post_certificates(tmp_path_factory) -> Path:
    """The CA, the server's, the system's and a stranger's certificates, made once per run (RSA keys
    take a moment each)."""
    tmp_path = tmp_path_factory.mktemp("digital-post")
    ca = root_ca("Test Digital Post Rod", wide=True)
    server_cert = issue(
        ca,
        "127.0.0.1",
        x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
        wide=True,
    )
    client = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])
    system = issue(ca, "Demo Kommune systemcertifikat", client, wide=True)
    stranger = issue(root_ca("Ukendt Rod", wide=True), "Ukendt system", client, wide=True)
    (tmp_path / "dp-ca.pem").write_bytes(ca.pem())
    _write(tmp_path, "dp-server", server_cert)
    _write(tmp_path, "system", system)
    _write(tmp_path, "stranger", stranger)
    return tmp_path


@pytest.fixture
def digital_post_server(_digital_post_certificates: Path) -> Iterator[DigitalPostServer]:
    folder = _digital_post_certificates
    ca_path = folder / "dp-ca.pem"
    server_cert_path, server_key_path = folder / "dp-server.pem", folder / "dp-server-key.pem"
    cert_path, key_path = folder / "system.pem", folder / "system-key.pem"
    stranger_cert_path, stranger_key_path = folder / "stranger.pem", folder / "stranger-key.pem"

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(server_cert_path, server_key_path)
    context.load_verify_locations(ca_path)
    context.verify_mode = ssl.CERT_REQUIRED  # no certificate from our CA, no connection

    state = DigitalPostServer(
        url="",
        ca_path=ca_path,
        cert_path=cert_path,
        key_path=key_path,
        stranger_cert_path=stranger_cert_path,
        stranger_key_path=stranger_key_path,
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            peer = self.connection.getpeercert() or {}
            subject = dict(item for rdn in peer.get("subject", ()) for item in rdn).get("commonName", "")
            state.received.append(Received(body, self.path, dict(self.headers.items()), subject))
            status, text = state.answer
            answer = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):
            sock, address = self.socket.accept()
            sock.settimeout(10)  # a client that never speaks TLS must not hold the server
            try:
                # The handshake here, in the server: a client without a trusted certificate never
                # reaches the handler.
                return context.wrap_socket(sock, server_side=True), address
            except (ssl.SSLError, OSError) as exc:
                state.handshake_failures.append(str(exc))
                sock.close()
                raise

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"https://127.0.0.1:{server.server_port}/apis/v1/messages/memos"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
