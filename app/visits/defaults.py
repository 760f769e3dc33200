"""The default follow-up checklist, from a jobconsultant's tried checklist (see DOMAIN.md).

The titles are the municipality's content, stored in the database in Danish like any template an
administrator writes; they are not interface strings.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate, ItemKind, SignerRole, TemplateStatus
from app.models.base import utcnow

DEFAULT_NAME = "Opfølgning på virksomhedsforløb"

RATING_SCALE = [
    {"value": "good", "label": "Går godt"},
    {"value": "partly", "label": "Delvist"},
    {"value": "challenge", "label": "Udfordring"},
    {"value": "not_relevant", "label": "Ikke relevant"},
]

ITEMS = [
    ("attendance", "Fremmøde og mødestabilitet", "Møder til tiden, fravær meldt korrekt.", ItemKind.RATING),
    ("responsibility", "Ansvarlighed", "Tager ansvar for opgaverne og overholder aftaler.", ItemKind.RATING),
    ("cooperation", "Samarbejde", "Med kolleger og kontaktpersonen.", ItemKind.RATING),
    (
        "hours",
        "Ordinære timer",
        "Ordinære timer og praktiktimer pr. uge nu. Kan praktiktimer veksles til ordinære timer? "
        "Næste skridt mod flere ordinære timer.",
        ItemKind.HOURS,
    ),
    (
        "tasks",
        "Arbejdsopgaver og progression",
        "Opgaver borgeren mestrer; delmål fra aftalen.",
        ItemKind.RATING,
    ),
    (
        "wellbeing",
        "Trivsel og mestring af hverdagen",
        "Trivsel, transport, hverdagsliv og parallelle støttebehov (gæld, helbred, familie).",
        ItemKind.RATING,
    ),
    (
        "company_needs",
        "Virksomhedens behov",
        "Kurser, støtte, hvad virksomheden har brug for.",
        ItemKind.RATING,
    ),
]


def ensure_default_template() -> ChecklistTemplate:
    """The published default template, created (version 1) if no published template exists."""
    existing = db.session.scalar(
        sa.select(ChecklistTemplate)
        .where(ChecklistTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(ChecklistTemplate.version.desc())
    )
    if existing is not None:
        return existing
    template = ChecklistTemplate(
        name=DEFAULT_NAME,
        version=1,
        status=TemplateStatus.PUBLISHED,
        published_at=utcnow(),
        required_signers=[SignerRole.COMPANY_CONTACT.value, SignerRole.CITIZEN.value],
        rating_scale=RATING_SCALE,
        items=[
            ChecklistItem(position=i, key=key, title=title, help_text=help_text, kind=kind)
            for i, (key, title, help_text, kind) in enumerate(ITEMS, start=1)
        ],
    )
    db.session.add(template)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another request made it at the same moment (the first pages of a new installation): use theirs.
        db.session.rollback()
        return db.session.scalars(
            sa.select(ChecklistTemplate).where(ChecklistTemplate.status == TemplateStatus.PUBLISHED)
        ).one()
    return template
