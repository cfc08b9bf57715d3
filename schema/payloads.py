"""Mutation payloads: the changed objects, or the user errors that stopped the change."""

from __future__ import annotations

from typing import Any

import strawberry

from contacts_api.schema.enums import UserErrorCode
from contacts_api.schema.types import Contact, Invitation, Organization


def _user_errors() -> Any:
    return strawberry.field(
        description=(
            "Every problem that stopped the change, all at once; empty when it succeeded. "
            "When there is any, nothing was changed and the other fields are null."
        )
    )


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
    code: UserErrorCode = strawberry.field(
        description="What kind of problem it is, for programs; stable across releases."
    )


@strawberry.type(description="What createOrganization answers.")
class CreateOrganizationPayload:
    organization: Organization | None = strawberry.field(
        default=None, description="The new organization; null when there are user errors."
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What addContact answers.")
class AddContactPayload:
    contact: Contact | None = strawberry.field(
        default=None,
        description=(
            "The new contact: active, without access until the invitee accepts; null when "
            "there are user errors."
        ),
    )
    invitation: Invitation | None = strawberry.field(
        default=None,
        description=(
            "The pending invitation emailed, when the input had `invitation`; null otherwise."
        ),
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What inviteContact answers.")
class InviteContactPayload:
    invitation: Invitation | None = strawberry.field(
        default=None,
        description="The new pending invitation, emailed; null when there are user errors.",
    )
    contact: Contact | None = strawberry.field(
        default=None, description="The contact invited; null when there are user errors."
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What resendInvitation answers.")
class ResendInvitationPayload:
    invitation: Invitation | None = strawberry.field(
        default=None,
        description=(
            "The invitation, pending with a new link and a new expiry; null when there are "
            "user errors."
        ),
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What revokeInvitation answers.")
class RevokeInvitationPayload:
    invitation: Invitation | None = strawberry.field(
        default=None,
        description="The invitation, now REVOKED; null when there are user errors.",
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What acceptInvitation answers.")
class AcceptInvitationPayload:
    contact: Contact | None = strawberry.field(
        default=None,
        description=(
            "The contact, now linked to the viewer's account, with access and the invitation's "
            "profiles; null when there are user errors."
        ),
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What updateContact answers.")
class UpdateContactPayload:
    contact: Contact | None = strawberry.field(
        default=None,
        description="The contact as changed; null when there are user errors.",
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What deactivateContact answers.")
class DeactivateContactPayload:
    contact: Contact | None = strawberry.field(
        default=None,
        description="The contact, now inactive; null when there are user errors.",
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What reactivateContact answers.")
class ReactivateContactPayload:
    contact: Contact | None = strawberry.field(
        default=None,
        description="The contact, now active; null when there are user errors.",
    )
    user_errors: list[UserError] = _user_errors()


@strawberry.type(description="What setPrimaryContact answers.")
class SetPrimaryContactPayload:
    contact: Contact | None = strawberry.field(
        default=None,
        description="The contact, now the primary contact; null when there are user errors.",
    )
    previous_primary_contact: Contact | None = strawberry.field(
        default=None,
        description=(
            "The contact that was primary until now; null when there was none, when the "
            "contact already was primary, or when there are user errors."
        ),
    )
    user_errors: list[UserError] = _user_errors()
