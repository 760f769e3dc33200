"""The visit summary as a PDF/A-3b document with the visit's data embedded as JSON.

The PDF is always Danish, whoever renders it: it goes to the citizen and the company.
"""

from __future__ import annotations

import base64
import gc
import json
import re
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.config import BASE_DIR
from app.contacts.services import hotline_text
from app.core.labels import CONVERT, SIGNER_ROLE, VISIT_KIND
from app.core.timeutil import local_date, local_now
from app.models import (
    Placement,
    PlacementKind,
    SignerRole,
    Visit,
    VisitState,
)
from app.placements.services import GOAL_MONTHLY_PAID_HOURS, monthly_hours

# Signatures first by the company, then the citizen, then the jobcentre: the order people read them.
SIGNER_ORDER = [SignerRole.COMPANY_CONTACT, SignerRole.CITIZEN, SignerRole.JOBFORMIDLER]


def _decimal(value: Decimal | None) -> str | None:
    """Hours as an exact decimal string ("7.5"): JSON numbers would round-trip through floats."""
    return None if value is None else format(Decimal(value).normalize(), "f")


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def visit_data(visit: Visit, reference: str | None = None) -> dict[str, Any]:
    """The visit as JSON-able data, exactly as the summary shows it; embedded in the PDF as visit.json.

    Items come from the visit's own template version, so an old visit keeps its old titles.
    """
    placement = visit.placement
    workplace = placement.workplace
    contact = placement.contact_person
    scale = {r["value"]: r["label"] for r in visit.template.rating_scale}
    answers = visit.answers or {}
    if reference is None and visit.documents:
        reference = visit.documents[-1].reference
    return {
        "uuid": str(visit.uuid),
        "reference": reference,
        "municipality": current_app.config["MUNICIPALITY_NAME"],
        "kind": visit.kind.value,
        "template": {"name": visit.template.name, "version": visit.template.version},
        "citizen": {"name": placement.citizen.full_name, "case_ref": placement.citizen.case_ref},
        "company": {"name": workplace.company.name, "cvr": workplace.company.cvr},
        "workplace": {
            "name": workplace.name,
            "address": workplace.full_address,
            "p_number": workplace.p_number,
        },
        "contact_person": {"name": contact.name, "title": contact.title} if contact else None,
        "performed_at": visit.performed_at.isoformat(),
        "performed_by": visit.performed_by.full_name,
        "on_site": visit.on_site,
        "present": visit.present,
        "items": [
            {
                "key": item.key,
                "title": item.title,
                "rating": (answers.get(item.key) or {}).get("rating"),
                "rating_label": scale.get((answers.get(item.key) or {}).get("rating")),
                "note": (answers.get(item.key) or {}).get("note") or None,
            }
            for item in visit.template.items
        ],
        "paid_hours_per_week": _decimal(visit.paid_hours_per_week),
        "internship_hours_per_week": _decimal(visit.internship_hours_per_week),
        "hours_discussed": visit.hours_discussed,
        "can_convert": visit.can_convert.value if visit.can_convert else None,
        "hours_note": visit.hours_note,
        "actions": [
            {"what": a.get("what"), "who": a.get("who"), "due": a.get("due")} for a in visit.actions or []
        ],
        "next_visit_date": _iso(visit.next_visit_date),
        "signatures": [
            {
                "role": s.signer_role.value,
                "name": s.signer_name,
                "signed_at": s.signed_at.isoformat(),
                "method": "recorded_consent" if s.is_recorded_consent else "drawn",
                "consent_note": s.consent_note,
            }
            for s in _ordered_signatures(visit)
        ],
    }


def _ordered_signatures(visit: Visit) -> list:
    return sorted(visit.signatures, key=lambda s: (SIGNER_ORDER.index(s.signer_role), s.signed_at))


# --- The trend of paid hours since the course started ----------------------------------------------


@dataclass
class TrendRow:
    day: date
    paid: Decimal | None
    internship: Decimal | None
    monthly_ordinary: Decimal | None
    is_agreement: bool = False
    is_this_visit: bool = False

    @property
    def share_of_goal(self) -> int:
        if self.monthly_ordinary is None:
            return 0
        return min(100, int(self.monthly_ordinary / GOAL_MONTHLY_PAID_HOURS * 100))


def _ordinary_monthly(placement: Placement, weekly: Decimal | None) -> Decimal | None:
    # Wage-subsidy hours are paid but not ordinary: they never count toward the goal.
    if weekly is None:
        return None
    return Decimal(0) if placement.kind == PlacementKind.WAGE_SUBSIDY else monthly_hours(weekly)


def _agreed_at_start(placement: Placement, field: str) -> Decimal | None:
    """The agreement's hours before any later change (revisions keep the old values, newest first)."""
    value = getattr(placement, field)
    for revision in placement.revisions:
        if field in revision.changes:
            old = revision.changes[field][0]
            value = None if old is None else Decimal(old)
    return value


def trend(visit: Visit) -> list[TrendRow]:
    """The agreement at the start, then every visit of the course up to and including this one."""
    placement = visit.placement
    paid = _agreed_at_start(placement, "paid_hours_per_week")
    rows = [
        TrendRow(
            day=placement.start_date,
            paid=paid,
            internship=_agreed_at_start(placement, "internship_hours_per_week"),
            monthly_ordinary=_ordinary_monthly(placement, paid),
            is_agreement=True,
        )
    ]
    earlier = [
        v
        for v in placement.visits
        if v.state != VisitState.DRAFT and v.addendum_of_id is None and v.sort_key() <= visit.sort_key()
    ]
    if visit not in earlier:
        earlier.append(visit)
    rows += [
        TrendRow(
            day=local_date(v.performed_at),
            paid=v.paid_hours_per_week,
            internship=v.internship_hours_per_week,
            monthly_ordinary=_ordinary_monthly(placement, v.paid_hours_per_week),
            is_this_visit=v is visit,
        )
        for v in sorted(earlier, key=Visit.sort_key)
    ]
    return rows


# --- Rendering --------------------------------------------------------------------------------------


def _css_string(text: str) -> str:
    """Text as a CSS string literal, for the margin boxes' `content`; "<" is escaped so that no value can
    end the <style> element it is written into, and "&" so that the summary stays well-formed XML."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", " ")
        .replace("<", "\\3c ")
        .replace("&", "\\26 ")
    )
    return f'"{escaped}"'


def _page_numbers_css() -> str:
    """ "Side " counter(page) " af " counter(pages): the translation decides the words and their order."""
    text = _css_string(_("Page %(page)s of %(pages)s", page="\x01", pages="\x02"))
    return text.replace("\x01", '" counter(page) "').replace("\x02", '" counter(pages) "')


def _margin_css(reference: str) -> dict[str, str]:
    """The running header, the verification line and the page numbers, as CSS `content` values."""
    municipality = current_app.config["MUNICIPALITY_NAME"]
    return {
        "top_right": _css_string(f"{municipality} · {reference}"),
        "bottom_left": _css_string(
            _(
                "Check the document at %(url)s with the reference %(reference)s",
                url=verify_url(),
                reference=reference,
            )
        ),
        "bottom_right": _page_numbers_css(),
    }


def verify_url() -> str:
    """The public address of the verification page, as the summary and its e-mail print it.

    BASE_URL wins: a job in the worker has no request to take the host from (`make run` sets it to its
    own address); else the request's host; else only the path."""
    path = url_for("reports.verify") if has_request_context() else _verify_path()
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + path
    if has_request_context():
        return url_for("reports.verify", _external=True)
    return path


def _verify_path() -> str:
    return current_app.url_map.bind("localhost").build("reports.verify")


def _data_uri(mime: str, content: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(content).decode('ascii')}"


@lru_cache(maxsize=4)
def _logo_uri(path: str) -> str:
    content = Path(path).read_bytes()
    mime = "image/svg+xml" if path.endswith(".svg") else "image/png"
    return _data_uri(mime, content)


def _logo_path() -> str:
    configured = current_app.config.get("MUNICIPALITY_LOGO")
    if configured:
        return str(BASE_DIR / configured)  # a relative path is taken from the project folder
    return str(Path(current_app.static_folder or "static") / "icons" / "municipality-logo.svg")


@lru_cache(maxsize=2)
def _stylesheet(path: str, mtime_ns: int) -> Any:
    """print.css, parsed once per version of the file rather than for every summary."""
    from weasyprint import CSS

    return CSS(filename=path, url_fetcher=_fetcher())


# WeasyPrint's user-agent stylesheet trimmed to the summary's elements (see the file for why).
SUMMARY_UA_CSS = Path(__file__).with_name("summary_ua.css")


@lru_cache(maxsize=2)
def _summary_html_class(path: str, mtime_ns: int) -> type:
    """weasyprint.HTML for the summary: the trimmed user-agent stylesheet, parsed once per version of the
    file, and the document parsed as XML.

    `_ua_stylesheets` is the hook WeasyPrint's own tests override to swap the user-agent stylesheet.
    templates/reports/summary.html writes well-formed XML whose tree is the one an HTML parser builds
    from it; ElementTree's C parser reads it in about 0.2 ms, where WeasyPrint's HTML parser (pure Python)
    takes about 7 ms. Text that XML cannot carry (most control characters, which a note could hold) falls
    back to WeasyPrint's parser. tests/unit/test_pdf.py checks that the summary lays out box for box as
    with WeasyPrint's own parser and stylesheet.
    """
    import cssselect2
    from weasyprint import CSS, HTML

    user_agent = CSS(filename=path)

    class SummaryHTML(HTML):
        def __init__(self, string: str, url_fetcher: Any) -> None:
            try:
                root = ElementTree.fromstring(string)
            except ElementTree.ParseError:
                super().__init__(string=string, url_fetcher=url_fetcher)
                return
            # What HTML.__init__ sets once it has the tree (WeasyPrint 70); the summary has no <base>.
            self.base_url = None
            self.url_fetcher = url_fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent]

    return SummaryHTML


def summary_document(html: str) -> Any:
    """The summary's HTML as a WeasyPrint document (see _summary_html_class)."""
    html_class = _summary_html_class(str(SUMMARY_UA_CSS), SUMMARY_UA_CSS.stat().st_mtime_ns)
    return html_class(html, _fetcher())


_thread_fonts = threading.local()


def _font_config() -> Any:
    """One font configuration per thread, kept between renders.

    WeasyPrint otherwise builds a new Fontconfig/Pango font map for every document, so each render starts
    with cold font caches; reusing it saved about 40 ms a summary here. Pango's font map is not
    thread-safe, hence one per thread (the development server and gthread workers use several).
    """
    from weasyprint.text.fonts import FontConfiguration

    if getattr(_thread_fonts, "config", None) is None:
        _thread_fonts.config = FontConfiguration()
    return _thread_fonts.config


@lru_cache(maxsize=1)
def _fetcher() -> Any:
    """Only data: URLs. Notes and signatures come from users; a signature SVG must not make the server
    read local files or call other hosts."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"})


# Indentation between tags: text nodes WeasyPrint would otherwise build and then throw away.
_BETWEEN_TAGS = re.compile(r">[ \t]*\n\s*<")


def summary_html(visit: Visit, reference: str) -> str:
    """The summary as HTML for WeasyPrint (Danish).

    Line breaks between tags are dropped with the indentation around them; the template writes a line
    break that should show as &#10;.
    """
    with force_locale("da"):
        html = render_template(
            "reports/summary.html",
            visit=visit,
            placement=visit.placement,
            reference=reference,
            created=local_now().isoformat(timespec="seconds"),
            items=visit_data(visit, reference)["items"],
            trend=trend(visit),
            goal=GOAL_MONTHLY_PAID_HOURS,
            convert_label=str(CONVERT[visit.can_convert]) if visit.can_convert else None,
            kind_label=str(VISIT_KIND.get(visit.kind, "")),
            signatures=[
                {
                    "role": str(SIGNER_ROLE[s.signer_role]),
                    "name": s.signer_name,
                    "signed_at": s.signed_at,
                    "offset": s.device_utc_offset,
                    "image": None if s.is_recorded_consent else _data_uri("image/svg+xml", s.svg.encode()),
                    "consent_note": s.consent_note,
                    "recorded_by": s.recorded_by.full_name if s.recorded_by else None,
                }
                for s in _ordered_signatures(visit)
            ],
            actions=[_action(a) for a in visit.actions or []],
            logo=_logo_uri(_logo_path()),
            verify_url=verify_url(),
            margin_css=_margin_css(reference),
            hotline=hotline_text(visit.placement, local_date(visit.performed_at)),
        )
    return _BETWEEN_TAGS.sub("><", html)


def _action(action: dict) -> dict:
    due = action.get("due")
    try:
        due_date = date.fromisoformat(due) if due else None
    except (TypeError, ValueError):
        due_date = None
    return {"what": action.get("what") or "", "who": action.get("who") or "", "due": due_date}


def _finish_for_pdf_a(document: Any, pdf: Any) -> None:
    """WeasyPrint's finisher, run just before the file is written: two fixes for PDF/A.

    - Drop the Info dictionary's /Producer. When pyHanko seals, it appends itself to an existing Info
      /Producer but writes only its own name into the XMP metadata, and PDF/A requires the two to agree.
    - WeasyPrint 70 lists the attachment twice in the catalogue's /AF array; list it once.
    """
    pdf.info.pop("Producer", None)
    if "AF" in pdf.catalog:
        pdf.catalog["AF"][:] = list(dict.fromkeys(pdf.catalog["AF"]))


_collector_lock = threading.Lock()
_collector_holds = 0  # renders under way that hold the collector off
_collector_was_enabled = False


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Hold Python's cyclic garbage collector off while WeasyPrint works, then collect what it left.

    A render makes a few hundred thousand objects (boxes, styles, layouts) that live until it ends. With
    the collector on, they set off collections all through the render, survive them and are promoted,
    and every few renders that triggers a full collection, which walks every object in the process
    (Flask, SQLAlchemy, pyHanko…: ~230,000) and took ~150 ms here, about 50 ms a render on average. Held
    off, the render's objects stay young, and one collection of the young generations afterwards frees
    their reference cycles (~10 ms, most of it freeing the memory, which is paid either way).

    Threads may render at the same time: the collector comes back on when the last of them is done, and
    each collects the young generations when it ends (generation 1 too, where another thread's
    collection may have moved this render's objects).
    """
    global _collector_holds, _collector_was_enabled
    with _collector_lock:
        if _collector_holds == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_holds += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_holds -= 1
            if _collector_holds == 0 and _collector_was_enabled:
                gc.enable()
        gc.collect(1)


def render_summary(visit: Visit, reference: str) -> bytes:
    """The summary PDF: PDF/A-3b, A4, with visit.json attached (not yet sealed)."""
    from weasyprint import Attachment

    with force_locale("da"):
        attachment = Attachment(
            string=json.dumps(visit_data(visit, reference), ensure_ascii=False, indent=2),
            name="visit.json",
            description=_("The visit's data, machine-readable"),
            # PDF/A-3: the attachment is the data the document was rendered from.
            relationship="Data",
        )
    css_path = Path(current_app.static_folder or "static") / "css" / "print.css"
    stylesheet = _stylesheet(str(css_path), css_path.stat().st_mtime_ns)
    with warnings.catch_warnings(), _collector_paused():
        # WeasyPrint 70 leaves its sRGB profile file open for PDF/A (a ResourceWarning on every render).
        warnings.simplefilter("ignore", ResourceWarning)
        html = summary_document(summary_html(visit, reference))
        return html.write_pdf(
            stylesheets=[stylesheet],
            font_config=_font_config(),
            pdf_variant="pdf/a-3b",
            attachments=[attachment],
            finisher=_finish_for_pdf_a,
        )
