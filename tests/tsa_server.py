"""A real RFC 3161 timestamp authority on 127.0.0.1 for the tests: HTTP in front of pyHanko's in-process
stamper, under a test CA made here. It answers exactly as a municipality's TSA would, over the network."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.timestamps import DummyTimeStamper

from tests.certificates import issue, root_ca


@dataclass
class TsaServer:
    url: str
    ca_path: Path
    requests: list[bytes] = field(default_factory=list)


@pytest.fixture
def tsa_server(tmp_path) -> Iterator[TsaServer]:
    ca = root_ca("Test Tidsstempel Rod")
    # RFC 3161: a timestamping certificate carries the timeStamping purpose, critical.
    tsa = issue(ca, "Test TSA", x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]))
    ca_path = tmp_path / "tsa-ca.pem"
    ca_path.write_bytes(ca.pem())
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa.der()),
        tsa_key=asn1_keys.PrivateKeyInfo.load(tsa.key_der()),
    )
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(body)
            answer = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TsaServer(url=f"http://127.0.0.1:{server.server_port}/tsa", ca_path=ca_path, requests=received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
