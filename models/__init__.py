"""SQLAlchemy models and database access."""

from contacts_api.models.accounts import Account
from contacts_api.models.audit import AuditEvent
from contacts_api.models.base import Base
from contacts_api.models.contacts import Contact
from contacts_api.models.enums import (
    AuditAction,
    EmailDeliveryStatus,
    InvitationStatus,
    Language,
    PhoneKind,
    SecurityArea,
)
from contacts_api.models.invitations import Invitation
from contacts_api.models.organizations import Organization
from contacts_api.models.outbox import OutboundEmail
from contacts_api.models.phone_numbers import PhoneNumber
from contacts_api.models.security_profiles import (
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
