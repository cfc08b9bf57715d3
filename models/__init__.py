"""SQLAlchemy models and database access."""

from models.accounts import Account
from models.audit import AuditEvent
from models.base import Base
from models.contacts import Contact
from models.enums import (
    AuditAction,
    EmailDeliveryStatus,
    InvitationStatus,
    Language,
    PhoneKind,
    SecurityArea,
)
from models.invitations import Invitation
from models.organizations import Organization
from models.outbox import OutboundEmail
from models.phone_numbers import PhoneNumber
from models.security_profiles import (
    ContactSecurityProfile,
    InvitationSecurityProfile,
    SecurityProfile,
)

__all__ = [
    "Account",
    "AuditAction",
    "AuditEvent",
    "Base",
    "Contact",
    "ContactSecurityProfile",
    "EmailDeliveryStatus",
    "Invitation",
    "InvitationSecurityProfile",
    "InvitationStatus",
    "Language",
    "Organization",
    "OutboundEmail",
    "PhoneKind",
    "PhoneNumber",
    "SecurityArea",
    "SecurityProfile",
]
