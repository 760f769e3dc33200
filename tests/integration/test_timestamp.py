"""A trusted timestamp in the seal, from a real RFC 3161 authority over HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from io import BytesIO

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from app.core.timeutil import utcnow
from app.reports import seal
from app.reports.services import produce_document
from tests.factories import make_citizen, make_placement, make_team, make_user, make_visit
from tests.tsa_server import tsa_server  # noqa: F401  (the fixture)


@pytest.fixture
def visit(app, tmp_path):
    app.instance_path = str(tmp_path / "instance")  # a development seal of its own
    mette = make_user(username="mette", team=make_team())
    citizen = make_citizen(mette, first_name="Ali", last_name="Khan")
    return make_visit(make_placement(citizen), mette, performed_at=datetime(2026, 11, 23, 9, 30, tzinfo=UTC))


def _upload(client, pdf: bytes):
    return client.post(
        "/verify",
        data={"document": (BytesIO(pdf), "referat.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )


def test_the_seal_carries_the_authoritys_timestamp_and_verify_names_it(app, client, visit, tsa_server):  # noqa: F811
    """With SEAL_TSA_URL set, does the seal hold a timestamp the authority signed (one request to it),
    valid under its CA, and does /verify show it alongside the seal?"""
    app.config.update(SEAL_TSA_URL=tsa_server.url, SEAL_TSA_CA_PATH=str(tsa_server.ca_path))
    document = produce_document(visit)
    assert len(tsa_server.requests) == 1
    [embedded] = PdfFileReader(BytesIO(document.pdf)).embedded_signatures
    status = seal.outside_event_loop(
        validate_pdf_signature,
        embedded,
        ValidationContext(trust_roots=[seal.seal_key().certificate]),
        ValidationContext(trust_roots=seal._tsa_roots()),
        key_usage_settings=seal.KEY_USAGE,
    )
    stamp = status.timestamp_validity
    assert status.valid and status.trusted and stamp is not None and stamp.valid and stamp.trusted
    assert abs((stamp.timestamp - utcnow()).total_seconds()) < 120

    result = seal.verify(document.pdf)
    assert result.valid and result.timestamp_authority == "CN=Test TSA"
    page = _upload(client, document.pdf).text
    assert "Dokumentet er uændret og forseglet af Demo Kommune" in page
    assert "Tidsstempel" in page and "fra CN=Test TSA" in page


def test_a_timestamp_from_an_authority_verify_does_not_know_is_not_claimed(app, visit, tsa_server):  # noqa: F811
    """Sealed with a timestamp, checked by an installation without SEAL_TSA_CA_PATH: still our valid
    seal, but no timestamp is claimed for it."""
    app.config.update(SEAL_TSA_URL=tsa_server.url)
    document = produce_document(visit)
    result = seal.verify(document.pdf)
    assert result.valid and result.timestamped_at is None and result.timestamp_authority is None


def test_an_unreachable_authority_still_seals_without_a_timestamp(app, visit, tsa_server, caplog):  # noqa: F811
    """The timestamp service is down: is the summary still sealed (valid), without a timestamp, and the
    failure logged?"""
    app.config.update(SEAL_TSA_URL="http://127.0.0.1:9/tsa", SEAL_TSA_CA_PATH=str(tsa_server.ca_path))
    with caplog.at_level(logging.WARNING, logger="app.reports.seal"):
        document = produce_document(visit)
    result = seal.verify(document.pdf)
    assert result.valid and result.timestamped_at is None
    assert "sealed without a timestamp" in caplog.text
