"""Input types of the API."""

from __future__ import annotations

import strawberry

from schema.enums import Language, PhoneKind


@strawberry.input(description="Which contacts to list; every part given must match.")
class ContactFilter:
    last_name: str | None = strawberry.field(
        default=None, description="Prefix of the last name, ignoring case and accents."
    )
    first_name: str | None = strawberry.field(
        default=None, description="Prefix of the first name, ignoring case and accents."
    )
    email: str | None = strawberry.field(
        default=None,
        description=(
            "Part of either email address (the one entered or the My NS Account one), "
            "ignoring case."
        ),
    )
    security_profile_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Contacts holding at least one of these profiles."
    )
    active_only: bool | None = strawberry.field(
        default=True,
        description=(
            "Only active contacts; false lists active and inactive together. "
            "An explicit null is taken as the default, true."
        ),
    )
    has_access: bool | None = strawberry.field(
        default=None, description="Only contacts with (true) or without (false) access."
    )


@strawberry.input
class PhoneNumberInput:
    kind: PhoneKind
    number: str = strawberry.field(
        description="Any common notation; North American numbers need no country code."
    )
    extension: str | None = None


@strawberry.input
class CreateOrganizationInput:
    name: str
    provides_case_management: bool


@strawberry.input
class InvitationInput:
    security_profile_ids: list[strawberry.ID] = strawberry.field(
        description="At least one; each must be assignable by the viewer."
    )
    message: str | None = strawberry.field(
        default=None, description="The additional invitation message; may be left out."
    )


@strawberry.input
class AddContactInput:
    organization_id: strawberry.ID
    first_name: str
    last_name: str
    email: str
    title: str | None = None
    phone_numbers: list[PhoneNumberInput] | None = None
    preferred_language: Language | None = strawberry.field(
        default=None, description="English when left out."
    )
    office_location: str | None = None
    position_type: str | None = None
    fte: float | None = None
    invitation: InvitationInput | None = strawberry.field(
        default=None,
        description="Present: the contact is added with access, and the invitation is emailed.",
    )


@strawberry.input
class InviteContactInput:
    contact_id: strawberry.ID
    security_profile_ids: list[strawberry.ID]
    message: str | None = None


@strawberry.input
class ResendInvitationInput:
    invitation_id: strawberry.ID


@strawberry.input
class RevokeInvitationInput:
    invitation_id: strawberry.ID


@strawberry.input
class AcceptInvitationInput:
    token: str = strawberry.field(description="The secret from the invitation link.")


@strawberry.input(
    description="Fields left out stay as they are; an optional field set to null is cleared."
)
class UpdateContactInput:
    contact_id: strawberry.ID
    expected_version: strawberry.Maybe[int | None] = strawberry.field(
        description="When given and not the current version, nothing changes and the error is STALE."
    )
    first_name: strawberry.Maybe[str | None]
    last_name: strawberry.Maybe[str | None]
    email: strawberry.Maybe[str | None]
    title: strawberry.Maybe[str | None]
    phone_numbers: strawberry.Maybe[list[PhoneNumberInput] | None] = strawberry.field(
        description="Replaces the whole list."
    )
    preferred_language: strawberry.Maybe[Language | None]
    office_location: strawberry.Maybe[str | None]
    position_type: strawberry.Maybe[str | None]
    fte: strawberry.Maybe[float | None]
    security_profile_ids: strawberry.Maybe[list[strawberry.ID] | None] = strawberry.field(
        description="Replaces the profiles the viewer may assign; the contact's other profiles stay."
    )


@strawberry.input
class DeactivateContactInput:
    contact_id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class ReactivateContactInput:
    contact_id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class SetPrimaryContactInput:
    contact_id: strawberry.ID
