"""Input types of the API."""

from __future__ import annotations

import strawberry

from contacts_api.schema.enums import Language, PhoneKind


@strawberry.input(
    description=(
        "Which contacts to list (the contact search). Every part given must match; parts left "
        "out do not filter."
    )
)
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
        default=None,
        description="Contacts holding at least one of these profiles (at most 100 ids).",
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


@strawberry.input(description="A phone number of a contact; it is stored in E.164.")
class PhoneNumberInput:
    kind: PhoneKind = strawberry.field(description="What the number is for.")
    number: str = strawberry.field(
        description="Any common notation; North American numbers need no country code."
    )
    extension: str | None = strawberry.field(
        default=None, description="Digits only, at most 10; left out or null for none."
    )


@strawberry.input(description="A new organization, without contacts yet.")
class CreateOrganizationInput:
    name: str = strawberry.field(description="The organization's name, 1 to 200 characters.")
    provides_case_management: bool = strawberry.field(
        description=(
            "It provides case-management services with client tracking (Nova Scotia Works): "
            "its contacts then need an office location, a position type and an FTE, and the "
            "case-management profiles exist in it."
        )
    )


@strawberry.input(
    description="The invitation to email to a new contact: the profiles it grants, and a message."
)
class InvitationInput:
    security_profile_ids: list[strawberry.ID] = strawberry.field(
        description=(
            "At least one, at most 100; each must be assignable by the viewer. Granted when the "
            "invitee accepts."
        )
    )
    message: str | None = strawberry.field(
        default=None,
        description=(
            "The additional invitation message; may be left out. At most 2,000 characters, "
            "several lines allowed."
        ),
    )


@strawberry.input(
    description=(
        "A new contact. Last name, first name and email are required; office location, "
        "position type and FTE too when the organization provides case management. Text is "
        "trimmed."
    )
)
class AddContactInput:
    organization_id: strawberry.ID = strawberry.field(
        description="The organization to add the contact to."
    )
    first_name: str = strawberry.field(description="1 to 100 characters.")
    last_name: str = strawberry.field(description="1 to 100 characters.")
    email: str = strawberry.field(
        description=(
            "A valid address, at most 254 characters, that no other contact of the "
            "organization has (inactive ones included, ignoring case)."
        )
    )
    title: str | None = strawberry.field(
        default=None, description="Job title, at most 150 characters."
    )
    phone_numbers: list[PhoneNumberInput] | None = strawberry.field(
        default=None, description="At most 5."
    )
    preferred_language: Language | None = strawberry.field(
        default=None, description="English when left out."
    )
    office_location: str | None = strawberry.field(
        default=None,
        description=(
            "At most 150 characters. Required when the organization provides case management."
        ),
    )
    position_type: str | None = strawberry.field(
        default=None,
        description=(
            "At most 150 characters. Required when the organization provides case management."
        ),
    )
    fte: float | None = strawberry.field(
        default=None,
        description=(
            "Full-time equivalent: above 0, at most 1, at most two decimals. Required when the "
            "organization provides case management."
        ),
    )
    invitation: InvitationInput | None = strawberry.field(
        default=None,
        description="Present: the contact is added with access, and the invitation is emailed.",
    )


@strawberry.input(description="An invitation to LaMPSS for an existing contact.")
class InviteContactInput:
    contact_id: strawberry.ID = strawberry.field(
        description=(
            "The contact to invite: active, without access and without a pending invitation."
        )
    )
    security_profile_ids: list[strawberry.ID] = strawberry.field(
        description=(
            "At least one, at most 100; each must be assignable by the viewer. Granted when the "
            "invitee accepts."
        )
    )
    message: str | None = strawberry.field(
        default=None,
        description=(
            "The additional invitation message; may be left out. At most 2,000 characters."
        ),
    )


@strawberry.input(description="The invitation to email again.")
class ResendInvitationInput:
    invitation_id: strawberry.ID = strawberry.field(
        description="A pending or expired invitation of an active contact."
    )


@strawberry.input(description="The invitation to withdraw.")
class RevokeInvitationInput:
    invitation_id: strawberry.ID = strawberry.field(description="A pending invitation.")


@strawberry.input(description="The invitation that the signed-in invitee accepts.")
class AcceptInvitationInput:
    token: str = strawberry.field(
        description=(
            "The secret from the invitation link. It is the last part of "
            "{PUBLIC_URL}/invitations/{token}."
        )
    )


@strawberry.input(
    description="Fields left out stay as they are; an optional field set to null is cleared."
)
class UpdateContactInput:
    contact_id: strawberry.ID = strawberry.field(description="The contact to change.")
    expected_version: strawberry.Maybe[int | None] = strawberry.field(
        description="When given and not the current version, nothing changes and the error is STALE."
    )
    first_name: strawberry.Maybe[str | None] = strawberry.field(
        description="1 to 100 characters; cannot be cleared."
    )
    last_name: strawberry.Maybe[str | None] = strawberry.field(
        description="1 to 100 characters; cannot be cleared."
    )
    email: strawberry.Maybe[str | None] = strawberry.field(
        description=(
            "A valid address, at most 254 characters, that no other contact of the "
            "organization has; cannot be cleared."
        )
    )
    title: strawberry.Maybe[str | None] = strawberry.field(
        description="Job title, at most 150 characters; null clears it."
    )
    phone_numbers: strawberry.Maybe[list[PhoneNumberInput] | None] = strawberry.field(
        description="Replaces the whole list. At most 5; null or an empty list clears it."
    )
    preferred_language: strawberry.Maybe[Language | None] = strawberry.field(
        description="The language of the contact's emails; cannot be cleared."
    )
    office_location: strawberry.Maybe[str | None] = strawberry.field(
        description=(
            "At most 150 characters; null clears it, unless the organization provides case "
            "management."
        )
    )
    position_type: strawberry.Maybe[str | None] = strawberry.field(
        description=(
            "At most 150 characters; null clears it, unless the organization provides case "
            "management."
        )
    )
    fte: strawberry.Maybe[float | None] = strawberry.field(
        description=(
            "Full-time equivalent: above 0, at most 1, at most two decimals; null clears it, "
            "unless the organization provides case management."
        )
    )
    security_profile_ids: strawberry.Maybe[list[strawberry.ID] | None] = strawberry.field(
        description=(
            "Replaces the profiles the viewer may assign; the contact's other profiles stay. "
            "Each must be assignable by the viewer (at most 100); null or an empty list removes "
            "them."
        )
    )


@strawberry.input(description="The contact to deactivate.")
class DeactivateContactInput:
    contact_id: strawberry.ID = strawberry.field(
        description=(
            "The contact to deactivate, not the primary contact; one already inactive is left "
            "as it is."
        )
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="When given and not the current version, nothing changes and the error is STALE.",
    )


@strawberry.input(description="The contact to reactivate.")
class ReactivateContactInput:
    contact_id: strawberry.ID = strawberry.field(
        description="The contact to reactivate; one already active is left as it is."
    )
    expected_version: int | None = strawberry.field(
        default=None,
        description="When given and not the current version, nothing changes and the error is STALE.",
    )


@strawberry.input(description="The contact to make the organization's primary contact.")
class SetPrimaryContactInput:
    contact_id: strawberry.ID = strawberry.field(
        description="An active contact; the current primary contact stops being primary."
    )
