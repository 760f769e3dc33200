"""The summary PDF: what it says, that it is PDF/A-3b with its data attached, and that the seal holds."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pikepdf
import pytest
import sqlalchemy as sa
from pikepdf.models.metadata import decode_pdf_date
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.core.timeutil import utcnow
from app.extensions import db
from app.models import (
    AuditAction,
    AuditEvent,
    ChecklistItem,
    ChecklistTemplate,
    ConvertAnswer,
    Document,
    Signature,
    SignerRole,
    TemplateStatus,
    Visit,
)
from app.reports import seal as seal_module
from app.reports.pdf import render_summary, summary_document, summary_html, visit_data
from app.reports.seal import SealError, outside_event_loop, seal, seal_key, verify
from app.reports.services import produce_document
from app.visits.defaults import ensure_default_template
from app.visits.services import strokes_to_svg
from tests.certificates import issue, root_ca
from tests.factories import (
    make_citizen,
    make_company,
    make_contact,
    make_placement,
    make_user,
    make_visit,
    make_workplace,
)
from tests.visit_helpers import STROKES

SIGNATURE_SVG = strokes_to_svg(STROKES, 500, 200)  # as the app stores a drawn signature


@pytest.fixture(autouse=True)
def _instance(app, tmp_path_factory):
    """The development seal is made once per run in a temporary instance folder, not the project's."""
    app.instance_path = str(tmp_path_factory.getbasetemp() / "instance")
    from app.reports.views import bp

    if "reports" not in app.blueprints:
        app.register_blueprint(bp)


def signed_visit(**overrides) -> Visit:
    """A visit at Herning Logistik with ratings, hours, an action and two signatures."""
    jf = make_user(full_name="Mette Kristensen")
    citizen = make_citizen(jf, first_name="Ali", last_name="Khan")
    company = make_company(name="Herning Logistik ApS")
    workplace = make_workplace(company, name="Lager og forsendelse")
    placement = make_placement(
        citizen, workplace=workplace, contact_person=make_contact(company, name="Hanne Jensen")
    )
    template = overrides.pop("template", None) or ensure_default_template()
    fields = {
        "template": template,
        "answers": {item.key: {"rating": "good", "note": f"Note om {item.key}"} for item in template.items},
        "paid_hours_per_week": Decimal("7.5"),
        "internship_hours_per_week": Decimal("12"),
        "hours_discussed": True,
        "can_convert": ConvertAnswer.PARTLY,
        "hours_note": "To timer veksles fra januar.",
        "actions": [{"what": "Tilmelding til truckkursus", "who": "Mette Kristensen", "due": "2026-12-07"}],
        "next_visit_date": date(2026, 12, 21),
        "present": "Ali Khan, Hanne Jensen, Mette Kristensen",
    }
    visit = make_visit(placement, jf, **{**fields, **overrides})
    for role, name in ((SignerRole.COMPANY_CONTACT, "Hanne Jensen"), (SignerRole.CITIZEN, "Ali Khan")):
        db.session.add(
            Signature(
                visit=visit,
                signer_role=role,
                signer_name=name,
                strokes=[],
                svg=SIGNATURE_SVG,
                signed_at=_now(),
            )
        )
    db.session.commit()
    return visit


def _now() -> datetime:
    return utcnow()


def pdf_text(pdf: bytes, layout: bool = False) -> str:
    """The PDF's text as pdftotext reads it: in reading order with single spaces (a table cell's wrapped
    lines stay together), or laid out as on the page (a table row stays on one line)."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    text = subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()
    return text if layout else " ".join(text.split())


def _reader(pdf: bytes) -> PdfFileReader:
    return PdfFileReader(BytesIO(pdf), strict=False)


def test_summary_holds_citizen_company_and_hours(app):
    """Does the PDF's text name the citizen, company and workplace and give the hours, in Danish?"""
    visit = signed_visit()
    text = pdf_text(render_summary(visit, "EV-TEST0001"))
    company = visit.placement.workplace.company
    assert "Referat af opfølgningsbesøg" in text
    assert "Ali Khan" in text and visit.placement.citizen.case_ref in text
    assert company.name in text and company.cvr in text
    assert "Lager og forsendelse" in text and visit.placement.workplace.p_number in text
    assert "Hanne Jensen" in text and "Mette Kristensen" in text
    assert "7,5" in text and "12" in text
    assert "Kan praktiktimer veksles til ordinære timer?" in text and "Delvist" in text
    assert "Fremmøde og mødestabilitet" in text and "Går godt" in text and "Note om attendance" in text
    assert "Tilmelding til truckkursus" in text and "07.12.2026" in text
    assert "mandag d. 21. december 2026" in text
    assert "EV-TEST0001" in text and "/verify" in text


def test_summary_shows_the_trend_since_the_start(app):
    """Does the summary list the earlier visits' paid hours and the monthly hours against the goal?"""
    visit = signed_visit(performed_at=_now())
    make_visit(
        visit.placement,
        visit.performed_by,
        performed_at=_now() - timedelta(days=20),
        paid_hours_per_week=Decimal("3"),
        internship_hours_per_week=Decimal("16"),
    )
    db.session.refresh(visit.placement)
    text = pdf_text(render_summary(visit, "EV-TEST0002"), layout=True)
    earlier = (_now() - timedelta(days=20)).astimezone(ZoneInfo("Europe/Copenhagen")).strftime("%d.%m.%Y")
    assert "Udvikling siden forløbets start" in text
    assert re.search(rf"{re.escape(earlier)}\s+3\s+16\s+13\b", text)  # 3 a week is 13 a month
    assert re.search(r"dette besøg\s+7,5\s+12\s+32,5", text)  # 7,5 a week: the goal of 30 a month is reached


def _laid_out(document) -> list[tuple]:
    """Every box of every page: its kind, element, place and size (where it has one), and the bookmarks."""
    return [
        (
            [
                (type(box).__name__, box.element_tag, *(_rounded(getattr(box, side)) for side in SIDES))
                for box in page._page_box.descendants()
            ],
            page.bookmarks,
        )
        for page in document.pages
    ]


SIDES = ("position_x", "position_y", "width", "height")


def _rounded(value):
    return round(value, 3) if isinstance(value, float | int) else value


@pytest.mark.parametrize("sparse", [False, True])
def test_the_summary_parsed_as_xml_with_the_trimmed_stylesheet_lays_out_as_weasyprints_own(app, sparse):
    """Is the summary, full or sparse, well-formed XML, and does it come out with every box in the same place
    and size, and the same bookmarks, when parsed as XML with the trimmed user-agent stylesheet
    (app/reports/summary_ua.css) as when WeasyPrint parses it as HTML with its own?"""
    from weasyprint import CSS, HTML

    if sparse:
        jf = make_user()
        visit = make_visit(make_placement(make_citizen(jf)), jf, paid_hours_per_week=None, actions=[])
    else:
        visit = signed_visit(performed_at=_now())
        make_visit(visit.placement, visit.performed_by, performed_at=_now() - timedelta(days=20))
        db.session.refresh(visit.placement)
    html = summary_html(visit, "EV-TEST0014")
    ElementTree.fromstring(html)  # the fast path: well-formed XML, not the fallback to the HTML parser
    stylesheets = [CSS(filename=Path(app.static_folder) / "css" / "print.css")]
    ours = summary_document(html).render(stylesheets=stylesheets)
    weasyprints = HTML(string=html).render(stylesheets=stylesheets)
    assert len(ours.pages) == len(weasyprints.pages)
    assert _laid_out(ours) == _laid_out(weasyprints)


def test_the_summary_is_well_formed_xml_even_with_ampersands_and_angle_brackets(app, monkeypatch):
    """Does the summary parse as XML (the fast path) when the municipality's name, in the margin boxes'
    CSS, and a note hold "&" and "<", and does the PDF show them as written?"""
    monkeypatch.setitem(app.config, "MUNICIPALITY_NAME", "Ærø & <Co> Kommune")
    template = ensure_default_template()
    visit = signed_visit(
        answers={item.key: {"rating": "good", "note": "A & <b>B</b>"} for item in template.items}
    )
    ElementTree.fromstring(summary_html(visit, "EV-TEST0015"))
    text = pdf_text(render_summary(visit, "EV-TEST0015"))
    assert "Ærø & <Co> Kommune · EV-TEST0015" in text
    assert "A & <b>B</b>" in text


def test_a_note_that_xml_cannot_carry_still_renders(app):
    """Does a note with a control character (which XML cannot carry, so the fast XML parse fails) still
    render, through WeasyPrint's HTML parser, with its words?"""
    template = ensure_default_template()
    visit = signed_visit(
        answers={item.key: {"rating": "good", "note": "Første\x0blinje"} for item in template.items}
    )
    with pytest.raises(ElementTree.ParseError):
        ElementTree.fromstring(summary_html(visit, "EV-TEST0016"))
    assert "Første" in pdf_text(render_summary(visit, "EV-TEST0016"))


def test_pages_are_numbered_in_danish(app):
    """Does every page carry "Side n af m"?"""
    text = pdf_text(render_summary(signed_visit(), "EV-TEST0003"))
    assert re.search(r"Side 1 af \d", text)


def test_pdf_declares_pdf_a_3b_before_and_after_sealing(app):
    """Does the XMP metadata declare PDF/A-3b with an output intent, and does the seal keep the document
    information and the XMP metadata in agreement, as PDF/A requires?"""
    pdf = render_summary(signed_visit(), "EV-TEST0004")
    for reader in (_reader(pdf), _reader(seal(pdf))):
        xmp = reader.root["/Metadata"].get_object().data.decode()
        assert re.search(r'pdfaid:part(="|>)3', xmp)
        assert re.search(r'pdfaid:conformance(="|>)B', xmp)
        assert "/OutputIntents" in reader.root
        info = reader.trailer["/Info"]
        producer = re.search(r'pdf:Producer(?:="|>)([^"<]*)', xmp)
        assert "/Producer" not in info or (producer and info["/Producer"] == producer.group(1))
        assert info["/Title"] in xmp


# The document information entries and the XMP properties PDF/A requires them to equal (ISO 19005-3, 6.6.2).
INFO_TO_XMP = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
    "/CreationDate": "xmp:CreateDate",
    "/ModDate": "xmp:ModifyDate",
}


def test_the_sealed_summarys_document_information_agrees_with_its_xmp(app):
    """Read with pikepdf, does every document information entry of the sealed summary stand in its XMP
    metadata with the same value (dates as the same instant), and does it carry a creation date?"""
    pdf = pikepdf.open(BytesIO(seal(render_summary(signed_visit(), "EV-TEST0005"))))
    info = {key: str(value) for key, value in pdf.docinfo.items()}
    xmp = pdf.open_metadata()
    assert "/CreationDate" in info and "/Producer" in info
    for key, value in info.items():
        assert key in INFO_TO_XMP, f"{key} has no XMP counterpart"
        theirs = xmp.get(INFO_TO_XMP[key])
        assert theirs is not None, f"{key} is not in the XMP metadata"
        if key.endswith("Date"):
            assert decode_pdf_date(value) == datetime.fromisoformat(theirs), key
        else:
            assert value == (", ".join(theirs) if isinstance(theirs, list) else theirs), key
    assert abs(decode_pdf_date(info["/CreationDate"]) - utcnow()) < timedelta(minutes=5)


def test_visit_json_is_attached_and_equals_visit_data(app):
    """Is visit.json embedded as the PDF/A-3 data attachment, holding exactly visit_data()?"""
    visit = signed_visit()
    reader = _reader(render_summary(visit, "EV-TEST0005"))
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    files = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    spec = files["visit.json"].get_object()
    assert spec["/AFRelationship"] == "/Data"
    attached = json.loads(spec["/EF"]["/F"].get_object().data)
    assert attached == visit_data(visit, "EV-TEST0005")
    assert attached["reference"] == "EV-TEST0005"
    assert attached["citizen"] == {"name": "Ali Khan", "case_ref": visit.placement.citizen.case_ref}
    assert attached["paid_hours_per_week"] == "7.5"
    assert [ref.get_object() for ref in reader.root["/AF"]] == [spec]  # the catalogue names it once
    assert [s["role"] for s in attached["signatures"]] == ["company_contact", "citizen"]


def test_old_visit_renders_with_its_own_template_version(app):
    """Does a visit filled in with version 1 keep version 1's titles after version 2 renames an item?"""
    old_template = ensure_default_template()
    visit = signed_visit(template=old_template)
    old_template.status = TemplateStatus.SUPERSEDED
    new_template = ChecklistTemplate(
        name=old_template.name,
        version=2,
        status=TemplateStatus.PUBLISHED,
        rating_scale=old_template.rating_scale,
        parent_id=old_template.id,
        items=[
            ChecklistItem(position=1, key="attendance", title="Mødestabilitet og fravær", kind=item.kind)
            for item in old_template.items[:1]
        ],
    )
    db.session.add(new_template)
    db.session.commit()
    text = pdf_text(render_summary(visit, "EV-TEST0006"))
    assert "Fremmøde og mødestabilitet" in text
    assert "Mødestabilitet og fravær" not in text
    assert "version 1" in text


def test_sealed_summary_validates_with_pyhanko(app):
    """Is the sealed PDF intact, valid and trusted against the installation's certificate?"""
    sealed = seal(render_summary(signed_visit(), "EV-TEST0007"))
    key = seal_key()
    signature = _reader(sealed).embedded_signatures[0]
    status = outside_event_loop(
        validate_pdf_signature, signature, ValidationContext(trust_roots=[key.certificate])
    )
    assert signature.field_name == "Segl"
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    result = verify(sealed)
    assert result.intact and result.valid and result.reason is None
    assert result.signer == "CN=Demo Kommune (udvikling)"
    assert abs(result.signed_at - _now()) < timedelta(minutes=5)


def _signed_attributes(pdf: bytes) -> list[tuple[str, bytes]]:
    signer_info = _reader(pdf).embedded_signatures[0].signer_info
    return [(a["type"].native, a["values"].dump()) for a in signer_info["signed_attrs"]]


def test_the_seal_signs_the_attributes_pyhanko_would(app):
    """The seal's signer encodes the attribute naming its certificate once: does the seal still sign the
    same attributes, in the same order, as pyHanko's own signer does, with that one byte for byte?"""
    from pyhanko.sign import fields, signers

    pdf = render_summary(signed_visit(), "EV-TEST0008")
    key = seal_key()
    plain = signers.SimpleSigner(
        signing_cert=key.signer.signing_cert,
        signing_key=key.signer.signing_key,
        cert_registry=key.signer.cert_registry,
    )
    meta = signers.PdfSignatureMetadata(
        field_name="Segl", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    theirs = outside_event_loop(
        signers.PdfSigner(meta, signer=plain).sign_pdf, IncrementalPdfFileWriter(BytesIO(pdf))
    ).getvalue()
    ours = _signed_attributes(seal(pdf))
    expected = _signed_attributes(theirs)
    assert [kind for kind, _ in ours] == [kind for kind, _ in expected]
    assert "signing_certificate_v2" in dict(ours)
    assert dict(ours)["signing_certificate_v2"] == dict(expected)["signing_certificate_v2"]


def test_development_seal_is_made_once_in_its_folder(app, tmp_path):
    """Without configured files, is a self-signed pair made in SEAL_DEV_DIR (instance/seal/ by default)
    and reused?"""
    folder = tmp_path / "seal"
    app.config["SEAL_DEV_DIR"] = str(folder)
    key = seal_key()
    assert (folder / "cert.pem").exists() and (folder / "key.pem").exists()
    assert (folder / "key.pem").stat().st_mode & 0o077 == 0  # the key is readable by its owner only
    assert load_cert_from_pemder(str(folder / "cert.pem")).dump() == key.certificate.dump()
    assert seal_key() is key


def test_one_changed_byte_breaks_the_seal(app):
    """Does flipping one byte inside the signed part make the file fail the check?"""
    sealed = bytearray(seal(render_summary(signed_visit(), "EV-TEST0008")))
    position = sealed.index(b"stream", 1000) + 40  # inside a content stream of the signed revision
    sealed[position] ^= 0x01
    result = verify(bytes(sealed))
    assert not result.intact and not result.valid
    assert result.reason


def test_an_update_appended_after_sealing_is_detected(app):
    """Is a document that was changed by an incremental update after sealing reported as changed?"""
    sealed = seal(render_summary(signed_visit(), "EV-TEST0009"))
    writer = IncrementalPdfFileWriter(BytesIO(sealed))
    writer.root["/Lang"] = generic.TextStringObject("en")  # any change at all
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    result = verify(out.getvalue())
    assert not result.intact and not result.valid
    assert result.reason == "Dokumentet er blevet ændret, efter at det blev forseglet."


@pytest.mark.parametrize("content", [b"Hej, jeg er ikke en PDF", b"", b"%PDF-1.7\nnot really"])
def test_a_file_that_is_not_a_sealed_pdf_is_not_valid(app, content):
    """Does verify() answer "not valid" with a reason, never an exception, for junk?"""
    result = verify(content)
    assert not result.valid and not result.intact
    assert result.reason


def test_an_unsealed_pdf_is_not_valid(app):
    """Is a summary without the seal reported as carrying no seal?"""
    result = verify(render_summary(signed_visit(), "EV-TEST0010"))
    assert not result.valid
    assert result.reason == "Dokumentet har intet digitalt segl."


def test_a_seal_from_another_certificate_is_not_valid(app, tmp_path):
    """Is a PDF sealed with someone else's certificate intact but not valid?"""
    pdf = render_summary(signed_visit(), "EV-TEST0011")
    seal_module._write_dev_pair(tmp_path / "cert.pem", tmp_path / "key.pem", "Falsk Kommune")
    app.config.update(SEAL_CERT_PATH=str(tmp_path / "cert.pem"), SEAL_KEY_PATH=str(tmp_path / "key.pem"))
    forged = seal(pdf)
    app.config.update(SEAL_CERT_PATH=None, SEAL_KEY_PATH=None)
    result = verify(forged)
    assert result.intact and not result.valid
    assert "certifikatet" in result.reason


def test_a_key_that_cannot_be_loaded_raises_a_clear_error(app, tmp_path):
    """Does a broken key file give a SealError naming the file, instead of pyHanko's silent None?"""
    seal_module._write_dev_pair(tmp_path / "cert.pem", tmp_path / "real.pem", "Demo Kommune")
    (tmp_path / "key.pem").write_text("not a key")
    app.config.update(SEAL_CERT_PATH=str(tmp_path / "cert.pem"), SEAL_KEY_PATH=str(tmp_path / "key.pem"))
    with pytest.raises(SealError, match=r"key\.pem"):
        seal(b"%PDF-1.7")


def test_produce_document_stores_the_sealed_summary_once(app):
    """Is the sealed PDF stored with hash, reference and sealer, and does a second call give the same one?"""
    visit = signed_visit()
    state = visit.state
    document = produce_document(visit)
    assert re.fullmatch(r"EV-[A-Z2-7]{8}", document.reference)
    assert document.sha256 == hashlib.sha256(document.pdf).hexdigest()
    assert document.sealed_by == "CN=Demo Kommune (udvikling)"
    assert document.reference in pdf_text(document.pdf)
    assert produce_document(visit).id == document.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == 1
    assert visit.state == state  # signing and delivery decide the state
    created = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "document")).all()
    assert [(e.action, e.citizen_id) for e in created] == [(AuditAction.CREATE, visit.placement.citizen_id)]
    result = verify(document.pdf)
    assert result.valid and result.reference == document.reference


def test_a_sparse_visit_still_renders(app):
    """Does a visit without answers, contact person, actions, next date or signatures render sensibly?"""
    jf = make_user()
    visit = make_visit(make_placement(make_citizen(jf)), jf, paid_hours_per_week=None, actions=[])
    text = pdf_text(render_summary(visit, "EV-TEST0012"))
    assert "Ingen fast kontaktperson" in text
    assert "Der blev ikke aftalt nogen handlinger." in text
    assert "Endnu ikke aftalt" in text
    assert "Referatet er ikke underskrevet." in text
    assert visit_data(visit, "EV-TEST0012")["items"][0] == {
        "key": "attendance",
        "title": "Fremmøde og mødestabilitet",
        "rating": None,
        "rating_label": None,
        "note": None,
    }


def _issued_pair(folder: Path, ca_name: str) -> tuple[Path, Path, Path, bytes]:
    """A municipality-style seal certificate issued by a CA: cert, key and chain files, and the CA (DER)."""
    ca = root_ca(ca_name)
    issued = issue(ca, "Demo Kommune, organisationscertifikat")
    cert, key, chain = folder / "seal.pem", folder / "seal-key.pem", folder / "chain.pem"
    cert.write_bytes(issued.pem())
    key.write_bytes(issued.key_pem())
    chain.write_bytes(ca.pem())
    return cert, key, chain, ca.der()


# Two CA names one character apart: the chain's length is odd with one of them, and the room reserved for
# the seal (written as hex) must still be even.
@pytest.mark.parametrize("ca_name", ["Test Udsteder CA", "Test Udsteder CA2"])
def test_the_issuing_chain_is_embedded_in_the_seal(app, tmp_path, ca_name):
    """With SEAL_CHAIN_PATH, does the seal carry the issuing CA, so that a reader who trusts that CA (and
    not the seal certificate itself) finds the seal trusted, while /verify still checks it as ours?"""
    cert, key, chain, ca_der = _issued_pair(tmp_path, ca_name)
    app.config.update(SEAL_CERT_PATH=str(cert), SEAL_KEY_PATH=str(key), SEAL_CHAIN_PATH=str(chain))
    try:
        sealed = seal(render_summary(signed_visit(), "EV-TEST0021"))
        [embedded] = PdfFileReader(BytesIO(sealed)).embedded_signatures
        assert ca_der in [c.dump() for c in embedded.signed_data["certificates"]]
        reader_trusts_ca = ValidationContext(trust_roots=[load_cert_from_pemder(str(chain))])
        status = outside_event_loop(
            validate_pdf_signature, embedded, reader_trusts_ca, key_usage_settings=seal_module.KEY_USAGE
        )
        assert status.valid and status.trusted
        assert verify(sealed).valid
    finally:
        app.config.update(SEAL_CERT_PATH=None, SEAL_KEY_PATH=None, SEAL_CHAIN_PATH=None)
