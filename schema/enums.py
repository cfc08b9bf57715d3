"""Enumerations of the API: the models' own enums, under the contract's names.

The Python enums stay as they are (their members are stored in the database); each GraphQL
value's description is given here, keyed by the member it describes.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

from contacts_api import models
from contacts_api.rules.user_errors import ErrorCode

E = TypeVar("E", bound=enum.Enum)


def described_enum(
    cls: type[E], *, name: str, description: str, values: Mapping[E, str]
) -> type[E]:
    """`strawberry.enum(cls)` with a description for each value, every member described.

    `strawberry.enum_value` would need the members' values replaced, which a `StrEnum` does not
    allow; the descriptions are put on the GraphQL values that `strawberry.enum` derives instead.
    """
    members = set(cls)
    if set(values) != members:
        bare = sorted(member.name for member in members - set(values))
        foreign = sorted(str(value) for value in set(values) - members)
        raise ValueError(f"{name}: undescribed values {bare}, unknown values {foreign}")
    wrapped = strawberry.enum(cls, name=name, description=description)
    assert has_enum_definition(wrapped)
    for value in wrapped.__strawberry_definition__.values:
        value.description = values[cls[value.name]]
    return cls


described_enum(
    models.Language,
    name="Language",
    description=(
        "A language of the service: a contact's preferred language, which its emails are "
        "written in, or the language asked for a security profile's name."
    ),
    values={
        models.Language.ENGLISH: "English.",
        models.Language.FRENCH: "French.",
    },
)

described_enum(
    models.SecurityArea,
    name="SecurityArea",
    description="The part of LaMPSS a security profile gives access to.",
    values={
        models.SecurityArea.ORGANIZATION: (
            "The organization as a whole: its administrator manages every contact and may "
            "assign every profile."
        ),
        models.SecurityArea.FUNDING_AGREEMENTS: (
            "The organization's funding agreements: submitting, signing or reading them."
        ),
        models.SecurityArea.CASE_MANAGEMENT: (
            "Case-management services with client tracking (Nova Scotia Works); these profiles "
            "exist only in organizations that provide case management."
        ),
    },
)

described_enum(
    models.PhoneKind,
    name="PhoneKind",
    description="What a phone number is for.",
    values={
        models.PhoneKind.WORK: "A work (office) line.",
        models.PhoneKind.MOBILE: "A mobile (cell) phone.",
        models.PhoneKind.FAX: "A fax machine.",
        models.PhoneKind.OTHER: "Any other number.",
    },
)

described_enum(
    models.InvitationStatus,
    name="InvitationStatus",
    description=(
        "Where an invitation stands, derived at the time of the request from when it was "
        "accepted, revoked and when it expires."
    ),
    values={
        models.InvitationStatus.PENDING: (
            "Sent and waiting for the invitee: not accepted, not revoked and not past "
            "expiresAt. Its link works."
        ),
        models.InvitationStatus.ACCEPTED: (
            "The invitee signed in and linked their My NS Account to the contact; the "
            "invitation's profiles were granted."
        ),
        models.InvitationStatus.EXPIRED: (
            "Not accepted before expiresAt (by default 30 days after it was sent); its link "
            "no longer works, but it may be resent."
        ),
        models.InvitationStatus.REVOKED: (
            'Withdrawn before it was accepted ("LaMPSS invitation withdrawn"), by an '
            "administrator or because the contact was deactivated; its link no longer works."
        ),
    },
)

described_enum(
    models.EmailDeliveryStatus,
    name="EmailDeliveryStatus",
    description="How far the invitation's email has got on its way to the invitee.",
    values={
        models.EmailDeliveryStatus.QUEUED: (
            "Waiting in the outbox: not sent yet, or to be tried again after the mail server "
            "failed."
        ),
        models.EmailDeliveryStatus.SENT: "Accepted by the mail server for delivery.",
        models.EmailDeliveryStatus.FAILED: (
            "Every delivery attempt failed and no other will be made; resending the "
            "invitation queues a new email."
        ),
    },
)

described_enum(
    models.AuditAction,
    name="AuditAction",
    description="What a successful change did, as recorded in the audit trail.",
    values={
        models.AuditAction.ORGANIZATION_CREATED: "Department staff created the organization.",
        models.AuditAction.CONTACT_ADDED: (
            "A contact was added; the changes list the values it was added with."
        ),
        models.AuditAction.CONTACT_UPDATED: "Some of a contact's details were changed.",
        models.AuditAction.CONTACT_DEACTIVATED: (
            "A contact was deactivated: it stays listed as inactive and its access ended."
        ),
        models.AuditAction.CONTACT_REACTIVATED: (
            "A contact was reactivated; a linked My NS Account has access again."
        ),
        models.AuditAction.PRIMARY_CONTACT_CHANGED: (
            "A contact became, or stopped being, the primary contact (one event for each of "
            "the two contacts)."
        ),
        models.AuditAction.SECURITY_CHANGED: "The security profiles a contact holds were changed.",
        models.AuditAction.INVITATION_SENT: (
            "A contact was invited to LaMPSS: the invitation was emailed."
        ),
        models.AuditAction.INVITATION_RESENT: (
            "An invitation was emailed again with a new link and a new expiry."
        ),
        models.AuditAction.INVITATION_REVOKED: (
            "An invitation was withdrawn, by an administrator or because its contact was "
            "deactivated."
        ),
        models.AuditAction.INVITATION_ACCEPTED: (
            "The invitee accepted: their My NS Account is linked to the contact and the "
            "invitation's profiles were granted."
        ),
        models.AuditAction.INVITATION_REMINDED: (
            "The system reminded the invitee, a few days before the invitation expires, with a "
            "link of its own (the first link still works)."
        ),
        models.AuditAction.INVITATION_EXPIRED: (
            "An invitation expired unaccepted; written by the system (no actor), which told "
            "the administrators."
        ),
        models.AuditAction.ACCESS_CONFIRMED: (
            "An administrator confirmed in an access review that the contact still needs its "
            "access; the next review is due a review period later."
        ),
        models.AuditAction.ACCESS_LAPSED: (
            "The contact's access lapsed by itself, its review overdue past the organization's "
            "grace period; written by the system. The contact stays active and keeps its "
            "profiles for the record."
        ),
        models.AuditAction.ORGANIZATION_UPDATED: (
            "The organization's settings were changed (name, notices, access lapse)."
        ),
    },
)

described_enum(
    ErrorCode,
    name="UserErrorCode",
    description="What is wrong with a mutation's input or with the state it meets.",
    values={
        ErrorCode.REQUIRED: "A required value is missing or blank.",
        ErrorCode.INVALID: (
            "Malformed: email, phone number, id, token. Also an extension that is not digits, "
            "text with control characters, or an fte with more than two decimals."
        ),
        ErrorCode.TOO_LONG: (
            "Longer than allowed (e.g. names 100 characters, the invitation message 2,000), "
            "or more than 5 phone numbers."
        ),
        ErrorCode.OUT_OF_RANGE: "A number outside its range: fte must be above 0 and at most 1.",
        ErrorCode.TAKEN: "Another contact of the organization already has this email.",
        ErrorCode.NOT_FOUND: "No such object, or the viewer may not see it.",
        ErrorCode.FORBIDDEN: (
            "The viewer sees this object but may not change it (in a bulk change such as "
            "confirmAccess, where the others still go through)."
        ),
        ErrorCode.STALE: (
            "expectedVersion is not the current version: someone else changed it first."
        ),
        ErrorCode.NOT_ASSIGNABLE: "The viewer may not assign this security profile.",
        ErrorCode.ALREADY_HAS_ACCESS: (
            "The contact already has access: a My NS Account is linked and it is active."
        ),
        ErrorCode.ALREADY_INVITED: "A pending invitation already exists for this contact.",
        ErrorCode.INVITATION_NOT_PENDING: (
            "The invitation was already accepted or revoked (or, to revoke it, has expired)."
        ),
        ErrorCode.INVITATION_EXPIRED: (
            "The invitation is past its expiry date; an administrator may resend it."
        ),
        ErrorCode.CONTACT_INACTIVE: "The contact is inactive; reactivate it first.",
        ErrorCode.LAST_ADMINISTRATOR: (
            "The change would leave the organization without an active administrator with access."
        ),
        ErrorCode.PRIMARY_CONTACT: (
            "The primary contact cannot be deactivated; choose another primary contact first."
        ),
        ErrorCode.ALREADY_LINKED: (
            "The account is already linked to another contact of this organization."
        ),
    },
)

# The enums themselves, now described: the models' own classes under the API's names.
Language = models.Language
SecurityArea = models.SecurityArea
PhoneKind = models.PhoneKind
InvitationStatus = models.InvitationStatus
EmailDeliveryStatus = models.EmailDeliveryStatus
AuditAction = models.AuditAction
UserErrorCode = ErrorCode
