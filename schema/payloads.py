"""Mutation payloads: the changed objects, or the user errors that stopped the change."""

from __future__ import annotations

import strawberry

from schema.enums import UserErrorCode
from schema.types import Contact, Invitation, Organization


@strawberry.type(
    description="A problem with the input or with the state it meets; nothing was changed."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description=(
            'Path to the input field at fault, e.g. ["input", "email"]; null when no single '
            "field is."
        )
    )
    message: str = strawberry.field(
        description="In the request's language (Accept-Language: French or English)."
    )
    code: UserErrorCode


@strawberry.type
class CreateOrganizationPayload:
    organization: Organization | None = None
    user_errors: list[UserError]


@strawberry.type
class AddContactPayload:
    contact: Contact | None = None
    invitation: Invitation | None = None
    user_errors: list[UserError]


@strawberry.type
class InviteContactPayload:
    invitation: Invitation | None = None
    contact: Contact | None = None
    user_errors: list[UserError]


@strawberry.type
class ResendInvitationPayload:
    invitation: Invitation | None = None
    user_errors: list[UserError]


@strawberry.type
class RevokeInvitationPayload:
    invitation: Invitation | None = None
    user_errors: list[UserError]


@strawberry.type
class AcceptInvitationPayload:
    contact: Contact | None = None
    user_errors: list[UserError]


@strawberry.type
class UpdateContactPayload:
    contact: Contact | None = None
    user_errors: list[UserError]


@strawberry.type
class DeactivateContactPayload:
    contact: Contact | None = None
    user_errors: list[UserError]


@strawberry.type
class ReactivateContactPayload:
    contact: Contact | None = None
    user_errors: list[UserError]


@strawberry.type
class SetPrimaryContactPayload:
    contact: Contact | None = None
    previous_primary_contact: Contact | None = None
    user_errors: list[UserError]
