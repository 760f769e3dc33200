"""Single sign-on in tests: the test IdP (app/auth/test_idp.py) on 127.0.0.1 with keys made here.

`saml` configures the app for single sign-on against an IdP whose metadata file it writes once `start()`
has been given the SP's metadata (fetched from the app itself, as a municipality's IdP would).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from app.auth.test_idp import Person, RunningIdP, TestIdP, demo_people, demo_role_map, demo_team_map
from tests.certificates import Issued, issue, root_ca

TEAM_NAME = "Virksomhedsteamet"


def _write(folder: Path, name: str, pair: Issued) -> tuple[str, str]:
    cert, key = folder / f"{name}-cert.pem", folder / f"{name}-key.pem"
    cert.write_bytes(pair.pem())
    key.write_bytes(pair.key_pem())
    return str(cert), str(key)


@dataclass
class SamlSetup:
    folder: Path
    idp_cert: str
    idp_key: str
    other_cert: str
    other_key: str
    metadata_file: Path
    people: dict[str, Person] = field(default_factory=demo_people)
    running: RunningIdP | None = None

    def start(self, sp_metadata: str, **idp_options) -> TestIdP:
        """Serve the IdP on 127.0.0.1 and publish its metadata where the app reads it."""

        def factory(url: str) -> TestIdP:
            return TestIdP(url, self.idp_cert, self.idp_key, sp_metadata, self.people, **idp_options)

        self.running = RunningIdP(factory).start()
        self.metadata_file.write_text(self.running.idp.metadata_xml())
        return self.running.idp


@pytest.fixture
def saml(app: Flask, tmp_path: Path) -> Iterator[SamlSetup]:
    """The app with single sign-on on (unknown people get a waiting account), and an IdP to start."""
    ca = root_ca("Test-IdP rod")
    idp_cert, idp_key = _write(tmp_path, "idp", issue(ca, "Test-IdP"))
    other_cert, other_key = _write(tmp_path, "other", issue(ca, "En anden IdP"))
    sp_cert, sp_key = _write(tmp_path, "sp", issue(root_ca("Test-SP rod"), "Efterværn SP"))
    setup = SamlSetup(tmp_path, idp_cert, idp_key, other_cert, other_key, tmp_path / "idp-metadata.xml")
    app.config.update(
        SAML_ENABLED=True,
        SAML_IDP_METADATA_FILE=str(setup.metadata_file),
        SAML_IDP_METADATA_URL=None,
        SAML_SP_CERT_PATH=sp_cert,
        SAML_SP_KEY_PATH=sp_key,
        SAML_ROLE_MAP=demo_role_map(),
        SAML_TEAM_MAP=demo_team_map(TEAM_NAME),
        SAML_UNKNOWN_USERS="pending",
        SAML_MIN_LOA="Substantial",
    )
    yield setup
    if setup.running is not None:
        setup.running.stop()


def query(url: str) -> dict[str, str]:
    """A redirect URL's query parameters, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def encoded(xml: str) -> str:
    """A Response as the HTTP-POST binding carries it."""
    return base64.b64encode(xml.encode()).decode()
