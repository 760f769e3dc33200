"""Interface words for the stored enum values, translated through the catalogues."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.audit.services import purpose_label
from app.core.formatting import hours, iso_date_short
from app.models import (
    AuditAction,
    ChecklistTemplate,
    CitizenStatus,
    ConvertAnswer,
    Delivery,
    DeliveryStatus,
    PlacementKind,
    PlacementStatus,
    Purpose,
    Role,
    SignerRole,
    VisitKind,
    VisitState,
)

ROLE = {
    Role.JOBFORMIDLER: _l("Job broker"),
    Role.SUPERVISOR: _l("Supervisor"),
    Role.ADMIN: _l("Administrator"),
}
CITIZEN_STATUS = {
    CitizenStatus.MATCHING: _l("Matching"),
    CitizenStatus.IN_COURSE: _l("In a course"),
    CitizenStatus.COMPLETED: _l("Completed"),
    CitizenStatus.REHABILITATION: _l("Rehabilitation team"),
    CitizenStatus.INACTIVE: _l("Inactive"),
}
PLACEMENT_KIND = {
    PlacementKind.ORDINARY: _l("Ordinary job"),
    PlacementKind.SMALL_JOB: _l("Small job"),
    PlacementKind.INTERNSHIP: _l("Company internship"),
    PlacementKind.WAGE_SUBSIDY: _l("Wage subsidy"),
    PlacementKind.MIXED: _l("Internship and paid hours"),
}
PLACEMENT_STATUS = {
    PlacementStatus.PLANNED: _l("Planned"),
    PlacementStatus.ACTIVE: _l("Active"),
    PlacementStatus.COMPLETED: _l("Completed"),
    PlacementStatus.BROKEN_OFF: _l("Broken off"),
    PlacementStatus.REHABILITATION: _l("Handed to the rehabilitation team"),
}
PURPOSE = {
    Purpose.JOB: _l("(a) Job and ordinary paid hours"),
    Purpose.SKILLS: _l("(b) Train and document skills within the job goal"),
    Purpose.CLARIFY: _l("(c) Clarify a job goal within a limited period"),
}
AUDIT_ACTION = {
    AuditAction.READ: _l("Read"),
    AuditAction.SEARCH: _l("Searched"),
    AuditAction.CREATE: _l("Created"),
    AuditAction.UPDATE: _l("Changed"),
    AuditAction.EXPORT: _l("Exported"),
    AuditAction.DELETE: _l("Deleted"),
}

VISIT_STATE = {
    VisitState.DRAFT: _l("Draft"),
    VisitState.COMPLETED: _l("Completed"),
    VisitState.SIGNED: _l("Signed"),
    VisitState.DELIVERED: _l("Delivered"),
}

AGREEMENT_FIELD = {
    "kind": _l("Kind"),
    "workplace_id": _l("Workplace"),
    "contact_person_id": _l("Contact person"),
    "start_date": _l("Start date"),
    "planned_end_date": _l("Agreed end date"),
    "agreement_date": _l("Date of the written agreement"),
    "hotline_until": _l("Hotline until"),
    "purpose": _l("Purpose"),
    "job_title": _l("Job title"),
    "tasks": _l("Tasks"),
    "working_hours": _l("Working hours"),
    "paid_hours_per_week": _l("Ordinary paid hours per week"),
    "internship_hours_per_week": _l("Internship hours per week"),
    "sub_goals": _l("Sub-goals"),
    "considerations": _l("Considerations"),
}

SIGNER_ROLE = {
    SignerRole.COMPANY_CONTACT: _l("Contact person"),
    SignerRole.CITIZEN: _l("Citizen"),
    SignerRole.JOBFORMIDLER: _l("Job broker"),
}
VISIT_KIND = {
    VisitKind.FOLLOW_UP: _l("Follow-up"),
    VisitKind.MIDWAY: _l("Mid-way evaluation"),
    VisitKind.FINAL: _l("End evaluation"),
}
CONVERT = {
    ConvertAnswer.YES: _l("Yes"),
    ConvertAnswer.PARTLY: _l("Partly"),
    ConvertAnswer.NO: _l("No"),
    ConvertAnswer.NOT_DISCUSSED: _l("Not discussed"),
}


DELIVERY_RECIPIENT = {SignerRole.COMPANY_CONTACT: _l("Company"), SignerRole.CITIZEN: _l("Citizen")}
DELIVERY_CHANNEL = {"digital_post": _l("Digital Post"), "email": _l("E-mail")}
DELIVERY_STATUS = {
    DeliveryStatus.SENT: _l("sent"),
    DeliveryStatus.PENDING: _l("waiting"),
    DeliveryStatus.FAILED: _l("failed, retried"),
    DeliveryStatus.REFUSED: _l("refused"),
    DeliveryStatus.NOT_POSSIBLE: _l("not possible"),
}


def delivery_label(delivery: Delivery) -> str:
    """One recipient's channel and status in a few words: "Digital Post, sendt"."""
    channel = DELIVERY_CHANNEL.get(delivery.channel, delivery.channel)
    return f"{channel}, {DELIVERY_STATUS.get(delivery.status, delivery.status)}"


def rating_label(template: ChecklistTemplate, value: str | None) -> str:
    """A rating's label from the visit's own template version (scales may differ between versions)."""
    return next((o["label"] for o in template.rating_scale if o["value"] == value), value or "–")


_AGREEMENT_DATES = {"start_date", "planned_end_date", "agreement_date", "hotline_until"}
_AGREEMENT_HOURS = {"paid_hours_per_week", "internship_hours_per_week"}


def agreement_value(field: str, value: object, names: dict[tuple[str, int], str]) -> str:
    """A value of the agreement's history (as JSON keeps it) as the form shows it: a date the Danish
    way, hours with a decimal comma, a kind or purpose by its label, a workplace or contact person by
    its name (`names`: placements.services.agreement_names); none as "–"."""
    if value is None or value == "":
        return "–"
    try:
        if field.endswith("_id"):  # a row's id: its name
            return names.get((field, value), "–")  # type: ignore[arg-type]
        if field in _AGREEMENT_DATES:
            return iso_date_short(str(value))
        if field in _AGREEMENT_HOURS:
            return hours(Decimal(str(value)))
    except (ValueError, ArithmeticError):
        return str(value)  # a value kept before this history was kept in this shape
    if field == "kind":
        return _placement_kind(value)
    if field == "purpose":
        return _purpose(value)
    return str(value)


def _lookup(table: dict) -> Callable[[object], str]:
    """A label function for one table: each locale's words made once (they change only with the
    catalogue, which a process loads once), not a catalogue look-up for every row of a page."""
    by_locale: dict[str, dict] = {}

    def label(value: object) -> str:
        locale = get_locale()
        if locale is None:  # outside a request: no locale to keep the words under
            return str(table.get(value, value))
        words = by_locale.get(str(locale))
        if words is None:
            words = by_locale[str(locale)] = {key: str(text) for key, text in table.items()}
        found = words.get(value)
        return str(value) if found is None else found

    return label


_placement_kind = _lookup(PLACEMENT_KIND)
_purpose = _lookup(PURPOSE)


def init_app(app: Flask) -> None:
    app.add_template_global(agreement_value)
    app.add_template_global(lambda: str(get_locale() or "da"), "current_locale")
    app.add_template_global(_lookup(ROLE), "role_label")
    app.add_template_global(_lookup(CITIZEN_STATUS), "citizen_status_label")
    app.add_template_global(_placement_kind, "placement_kind_label")
    app.add_template_global(_lookup(PLACEMENT_STATUS), "placement_status_label")
    app.add_template_global(_purpose, "purpose_label")
    app.add_template_global(_lookup(VISIT_STATE), "visit_state_label")
    app.add_template_global(_lookup(AGREEMENT_FIELD), "agreement_field_label")
    app.add_template_global(_lookup(SIGNER_ROLE), "signer_role_label")
    app.add_template_global(_lookup(CONVERT), "convert_label")
    app.add_template_global(_lookup(VISIT_KIND), "visit_kind_label")
    app.add_template_global(_lookup(AUDIT_ACTION), "audit_action_label")
    app.add_template_global(_lookup(DELIVERY_RECIPIENT), "delivery_recipient_label")
    app.add_template_global(delivery_label)
    app.add_template_global(purpose_label, "audit_purpose_label")
    app.add_template_global(rating_label)
