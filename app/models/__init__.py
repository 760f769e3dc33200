"""All models, imported here so that Alembic and the app see the whole schema."""

from app.models.audit import AuditAction, AuditEvent
from app.models.checklist import ChecklistItem, ChecklistTemplate, ItemKind, TemplateStatus
from app.models.citizen import Citizen, CitizenStatus
from app.models.company import Company, ContactPerson, Workplace, is_valid_cvr
from app.models.contact import (
    Contact,
    ContactChannel,
    ContactParty,
    TeamMeeting,
    TeamMeetingCitizen,
    VisitFeedback,
)
from app.models.placement import (
    FOLLOWED_UP,
    AgreementRevision,
    FollowUpRuleRow,
    Placement,
    PlacementKind,
    PlacementStatus,
    Purpose,
    ScheduledVisit,
    ScheduledVisitStatus,
)
from app.models.session import UserSession
from app.models.user import LoginAttempt, Role, SamlRequest, Team, User
from app.models.visit import (
    ConvertAnswer,
    Delivery,
    DeliveryStatus,
    Document,
    Signature,
    SignerRole,
    SigningToken,
    Visit,
    VisitKind,
    VisitState,
)

__all__ = [
    "FOLLOWED_UP",
    "AgreementRevision",
    "AuditAction",
    "AuditEvent",
    "ChecklistItem",
    "ChecklistTemplate",
    "Citizen",
    "CitizenStatus",
    "Company",
    "Contact",
    "ContactChannel",
    "ContactParty",
    "ContactPerson",
    "ConvertAnswer",
    "Delivery",
    "DeliveryStatus",
    "Document",
    "FollowUpRuleRow",
    "ItemKind",
    "LoginAttempt",
    "Placement",
    "PlacementKind",
    "PlacementStatus",
    "Purpose",
    "Role",
    "SamlRequest",
    "ScheduledVisit",
    "ScheduledVisitStatus",
    "Signature",
    "SignerRole",
    "SigningToken",
    "Team",
    "TeamMeeting",
    "TeamMeetingCitizen",
    "TemplateStatus",
    "User",
    "UserSession",
    "Visit",
    "VisitFeedback",
    "VisitKind",
    "VisitState",
    "Workplace",
    "is_valid_cvr",
]
