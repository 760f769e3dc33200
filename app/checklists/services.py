"""The rules of versioned checklist templates.

A version is made by copying the published one into a draft; only a draft changes. Publishing the draft
supersedes the previous version. Visits point at the version row they were filled with, so an old visit
keeps its topics and wording however later versions change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import ChecklistItem, ChecklistTemplate, ItemKind, SignerRole, TemplateStatus, User, Visit
from app.models.base import utcnow
from app.visits.defaults import ensure_default_template

# The signatures a template may require; the job broker's own is not a condition for completing a visit.
SIGNER_CHOICES = (SignerRole.COMPANY_CONTACT, SignerRole.CITIZEN)
KEY_MAX = 40  # ChecklistItem.key's column length
TITLE_MAX = 160  # ChecklistItem.title's column length
NAME_MAX = 120  # ChecklistTemplate.name's column length


class ChecklistRuleError(ValueError):
    """A change the template rules refuse; str() is the message for the administrator."""

    message = _l("The change breaks the checklist's rules.")

    def __init__(self, message: Any = None) -> None:
        self.message = message if message is not None else self.message
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)


class TemplateLocked(ChecklistRuleError):
    """Only a draft changes: a published version never does, so visits filled with it keep their wording."""

    message = _l("A published version never changes. Make a new version to change the checklist.")


HOURS_ONCE = _l("The checklist already has an hours item, and it can have only one.")
HOURS_KEPT = _l(
    "The checklist must keep its hours item: paid and internship hours are discussed at every visit."
)
ONE_ITEM_KEPT = _l("The checklist must keep at least one item.")


def check_editable(template: ChecklistTemplate) -> None:
    """Raise TemplateLocked unless the template is a draft (views ask before validating a form)."""
    if not template.is_editable:
        raise TemplateLocked()


# --- Reading ----------------------------------------------------------------------------------------


def published_template() -> ChecklistTemplate:
    """The version new visits are filled with: the newest published one, or the default when none is."""
    found = db.session.scalar(
        sa.select(ChecklistTemplate)
        .where(ChecklistTemplate.status == TemplateStatus.PUBLISHED)
        .order_by(ChecklistTemplate.version.desc())
        .limit(1)
    )
    return found or ensure_default_template()


def current_draft() -> ChecklistTemplate | None:
    """The draft being edited, if any (there is at most one)."""
    return db.session.scalar(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.status == TemplateStatus.DRAFT).limit(1)
    )


def versions() -> list[ChecklistTemplate]:
    """Every version, newest first, with its items loaded for counting."""
    published_template()  # a fresh installation lists its default version rather than nothing
    return list(
        db.session.scalars(
            sa.select(ChecklistTemplate)
            .options(selectinload(ChecklistTemplate.items))
            .order_by(ChecklistTemplate.version.desc())
        )
    )


def visit_counts() -> dict[int, int]:
    """How many visits were filled with each version, by template id."""
    rows = db.session.execute(sa.select(Visit.template_id, sa.func.count()).group_by(Visit.template_id))
    return {template_id: count for template_id, count in rows}


def hours_item(template: ChecklistTemplate) -> ChecklistItem | None:
    return next((item for item in template.items if item.kind == ItemKind.HOURS), None)


# --- Making, publishing and discarding versions -----------------------------------------------------


def new_draft(user: User) -> ChecklistTemplate:
    """A draft copy of the published version with the next version number; the existing draft if any."""
    existing = current_draft()
    if existing is not None:
        return existing
    source = published_template()
    # One line of versions (one published at a time): numbering across all names keeps the numbers
    # rising, and (name, version) unique, even after a draft is renamed.
    version = (db.session.scalar(sa.select(sa.func.max(ChecklistTemplate.version))) or 0) + 1
    draft = ChecklistTemplate(
        name=source.name,
        version=version,
        status=TemplateStatus.DRAFT,
        parent_id=source.id,
        created_by_id=user.id,
        required_signers=list(source.required_signers),
        rating_scale=[dict(option) for option in source.rating_scale],
        items=[
            ChecklistItem(
                position=item.position,
                key=item.key,
                title=item.title,
                help_text=item.help_text,
                kind=item.kind,
            )
            for item in source.items
        ],
    )
    db.session.add(draft)
    try:
        db.session.commit()
    except IntegrityError:
        # Two "new version" clicks at once both found no draft; the other one's insert won.
        db.session.rollback()
        existing = current_draft()
        if existing is None:
            raise
        return existing
    current_app.logger.info("Checklist version %s drafted by user %s", draft.version, user.id)
    return draft


def publish(template: ChecklistTemplate, user: User | None = None) -> None:
    """The draft becomes the version new visits use; the previously published one is superseded."""
    check_editable(template)
    if hours_item(template) is None:
        raise ChecklistRuleError(HOURS_KEPT)
    for previous in db.session.scalars(
        sa.select(ChecklistTemplate).where(ChecklistTemplate.status == TemplateStatus.PUBLISHED)
    ):
        previous.status = TemplateStatus.SUPERSEDED
    template.status = TemplateStatus.PUBLISHED
    template.published_at = utcnow()
    template.published_by_id = user.id if user is not None else None
    db.session.commit()
    current_app.logger.info("Checklist version %s published", template.version)


def discard_draft(template: ChecklistTemplate) -> None:
    """Delete a draft; no visit can point at it, since visits are filled with published versions."""
    check_editable(template)
    db.session.delete(template)
    db.session.commit()


# --- Changing a draft -------------------------------------------------------------------------------


def update_draft(template: ChecklistTemplate, data: Mapping[str, Any]) -> None:
    """Change the draft's name and/or required signatures (the keys "name", "required_signers")."""
    check_editable(template)
    if "name" in data:
        template.name = _text(data["name"], NAME_MAX, "name")
    if "required_signers" in data:
        template.required_signers = _signers(data["required_signers"])
    db.session.commit()


def set_required_signers(template: ChecklistTemplate, roles: Iterable[SignerRole | str]) -> None:
    """Which signatures complete a visit filled with this version: the contact person, the citizen, both
    or none."""
    check_editable(template)
    template.required_signers = _signers(roles)
    db.session.commit()


def add_item(
    template: ChecklistTemplate, title: str, help_text: str | None = None, kind: ItemKind = ItemKind.RATING
) -> ChecklistItem:
    """Add an item at the end; its key is made from the title and stays the same in later versions."""
    check_editable(template)
    kind = ItemKind(kind)
    if kind == ItemKind.HOURS and hours_item(template) is not None:
        raise ChecklistRuleError(HOURS_ONCE)
    title = _text(title, TITLE_MAX, "title")
    item = ChecklistItem(
        key=unique_key(title, {i.key for i in template.items}),
        position=max((i.position for i in template.items), default=0) + 1,
        title=title,
        help_text=_optional_text(help_text),
        kind=kind,
    )
    template.items.append(item)
    db.session.commit()
    return item


def update_item(
    item: ChecklistItem, title: str, help_text: str | None = None, kind: ItemKind | None = None
) -> None:
    """Change an item's wording and kind. The key is kept, so answers stay comparable across versions."""
    template = item.template
    check_editable(template)
    kind = item.kind if kind is None else ItemKind(kind)
    if kind != item.kind:
        if kind == ItemKind.HOURS and hours_item(template) is not None:
            raise ChecklistRuleError(HOURS_ONCE)
        if item.kind == ItemKind.HOURS:
            raise ChecklistRuleError(HOURS_KEPT)
    item.title = _text(title, TITLE_MAX, "title")
    item.help_text = _optional_text(help_text)
    item.kind = kind
    db.session.commit()


def remove_item(item: ChecklistItem) -> None:
    """Remove an item; the hours item and the last item stay."""
    template = item.template
    check_editable(template)
    if item.kind == ItemKind.HOURS:
        raise ChecklistRuleError(HOURS_KEPT)
    if len(template.items) <= 1:
        raise ChecklistRuleError(ONE_ITEM_KEPT)
    template.items.remove(item)  # delete-orphan deletes the row
    _renumber(template.items)
    db.session.commit()


def move_item(item: ChecklistItem, direction: Literal["up", "down"]) -> None:
    """Swap an item with its neighbour; at the top or bottom nothing changes."""
    template = item.template
    check_editable(template)
    if direction not in ("up", "down"):
        raise ValueError(f"unknown direction {direction!r}")
    items = sorted(template.items, key=lambda i: i.position)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    _renumber(items)
    db.session.commit()


# --- Helpers ----------------------------------------------------------------------------------------

_ASCII_FOR = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa", "ß": "ss"})


def slugify(title: str) -> str:
    """An ASCII key from a title: "Trivsel på jobbet" → "trivsel-paa-jobbet"."""
    # æ, ø and å have no decomposition, so NFKD alone would drop them; spell them the Danish way first.
    text = unicodedata.normalize("NFKD", title.translate(_ASCII_FOR)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def unique_key(title: str, taken: set[str]) -> str:
    """The title's slug, with "-2", "-3" … added when the template already has it; at most KEY_MAX long."""
    base = slugify(title)[:KEY_MAX].rstrip("-")
    key, n = base, 1
    while key in taken:
        n += 1
        suffix = f"-{n}"
        key = base[: KEY_MAX - len(suffix)].rstrip("-") + suffix
    return key


def _renumber(items: list[ChecklistItem]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position


def _signers(roles: Iterable[SignerRole | str]) -> list[str]:
    chosen = {SignerRole(r) for r in roles}
    if not chosen <= set(SIGNER_CHOICES):
        raise ValueError(f"a template cannot require {sorted(chosen - set(SIGNER_CHOICES))}")
    # A fixed order, so that equal choices store equal lists.
    return [role.value for role in SIGNER_CHOICES if role in chosen]


def _text(value: str | None, max_length: int, what: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > max_length:
        raise ValueError(f"the {what} must be 1 to {max_length} characters")
    return text


def _optional_text(value: str | None) -> str | None:
    return (value or "").strip() or None
