"""Contacts: the people who act for an organization, their details, and their changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.models.pagination import Page, PageRequest
from contacts_api.resolvers import contacts as contact_fields
from contacts_api.resolvers import ids, mutations
from contacts_api.resolvers import organizations as organization_fields
from contacts_api.resolvers.context import Info
from contacts_api.rules.catalogue import Profile
from contacts_api.rules.user_errors import RenderedUserError
from contacts_api.schema.accounts import Account
from contacts_api.schema.audit import AuditEvent
from contacts_api.schema.connections import After, Before, Connection, First, Last, total_count
from contacts_api.schema.enums import Language, PhoneKind
from contacts_api.schema.errors import user_errors
from contacts_api.schema.invitations import Invitation, InvitationInput
from contacts_api.schema.node import Node, rows_of
from contacts_api.schema.profiles import SecurityProfile

if TYPE_CHECKING:
    from contacts_api.schema.organizations import Organization

OrganizationType = Annotated["Organization", strawberry.lazy("contacts_api.schema.organizations")]


@strawberry.type(description="A phone number of a contact.")
class PhoneNumber:
    kind: PhoneKind = strawberry.field(description="What the number is for.")
    number: str = strawberry.field(description="E.164, e.g. +19025550123.")
    extension: str | None = strawberry.field(
        description="The extension, digits only; null when there is none."
    )

    @strawberry.field(
        description=(
            "For display, e.g. (902) 555-0123 ext. 12. As the language writes it: in French, "
            "902 555-0123, poste 12."
        )
    )
    @staticmethod
    def display(
        parent: Parent[models.PhoneNumber],
        info: Info,
        language: Annotated[
            Language | None,
            strawberry.argument(
                description="The language to write it in; null or left out: the request's."
            ),
        ] = None,
    ) -> str:
        return parent.display_in(french=(language or info.context.language) is Language.FRENCH)


@strawberry.type(
    description=(
        "A person authorized to act on behalf of an organization (personne-ressource): one row "
        "of the Organization Contacts page. A contact may sign contracts without LaMPSS access. "
        "Visible to the organization's members and to staff."
    )
)
class Contact(Node):
    is_type_of = rows_of(models.Contact)

    @strawberry.field(description="The contact's global id.")
    @staticmethod
    def id(parent: Parent[models.Contact]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.CONTACT, parent.id))

    @strawberry.field(graphql_type=OrganizationType, description="The organization it acts for.")
    @staticmethod
    async def organization(
        parent: Parent[models.Contact], info: Info
    ) -> models.Organization | None:
        return await contact_fields.organization(info.context, parent)

    first_name: str = strawberry.field(description="First name, 1 to 100 characters.")
    last_name: str = strawberry.field(description="Last name, 1 to 100 characters.")
    title: str | None = strawberry.field(
        description="Job title, at most 150 characters; null when none was entered."
    )
    email: str = strawberry.field(description="The email entered for this contact.")
    account_email: str | None = strawberry.field(
        description="The email of the linked My NS Account; null while none is linked."
    )
    emails: list[str] = strawberry.field(
        description=(
            "email, then accountEmail when it differs ignoring case. The one or two emails "
            "the contacts page shows."
        )
    )
    phone_numbers: tuple[models.PhoneNumber, ...] = strawberry.field(
        graphql_type=list[PhoneNumber],
        description="At most 5, in the order entered; empty when none was entered.",
    )
    preferred_language: Language = strawberry.field(
        description="The language the contact's emails, such as the invitation, are written in."
    )
    is_primary: bool = strawberry.field(
        description=(
            "The organization's primary contact, listed first; at most one per organization, "
            "always active."
        )
    )

    @strawberry.field(graphql_type=bool, description="Holds at least one administrator profile.")
    @staticmethod
    async def is_administrator(parent: Parent[models.Contact], info: Info) -> bool:
        return await contact_fields.is_administrator(info.context, parent)

    is_active: bool = strawberry.field(
        description=(
            "Active. An inactive contact stays in the organization's list (shown with "
            "activeOnly: false) but has no access until it is reactivated."
        )
    )
    has_access: bool = strawberry.field(
        description=(
            'A My NS Account is linked and the contact is active. Shown as "LaMPSS access" '
            '(false: "No LaMPSS access").'
        )
    )

    @strawberry.field(
        graphql_type=list[SecurityProfile],
        description=(
            "The security profiles (permissions) the contact holds, in catalogue order; "
            'empty shows as "None".'
        ),
    )
    @staticmethod
    async def security_profiles(parent: Parent[models.Contact], info: Info) -> list[Profile]:
        return await contact_fields.security_profiles(info.context, parent)

    @strawberry.field(
        graphql_type=Invitation | None,
        description="The most recent invitation, whatever its status; null if never invited.",
    )
    @staticmethod
    async def invitation(parent: Parent[models.Contact], info: Info) -> models.Invitation | None:
        return await contact_fields.latest_invitation(info.context, parent)

    office_location: str | None = strawberry.field(
        description="Required when the organization provides case management."
    )
    position_type: str | None = strawberry.field(
        description="Required when the organization provides case management."
    )
    fte: float | None = strawberry.field(
        description=(
            "Full-time equivalent, above 0 and at most 1. "
            "Required when the organization provides case management."
        )
    )
    access_reviewed_at: datetime | None = strawberry.field(
        description=(
            "When an administrator last confirmed that the contact still needs its access "
            "(confirmAccess); null before the first review, and without access."
        )
    )

    @strawberry.field(
        graphql_type=Account | None,
        description="The account that confirmed the access last; null before the first review.",
    )
    @staticmethod
    async def access_reviewed_by(
        parent: Parent[models.Contact], info: Info
    ) -> models.Account | None:
        return await contact_fields.access_reviewed_by(info.context, parent)

    @strawberry.field(
        description=(
            "When the access is due for review: ACCESS_REVIEW_DAYS (365) days after it was "
            "granted or last confirmed. Null without access."
        )
    )
    @staticmethod
    def access_review_due_at(parent: Parent[models.Contact], info: Info) -> datetime | None:
        return contact_fields.access_review_due_at(info.context, parent)

    version: int = strawberry.field(
        description="Grows by one with every change; give it back as expectedVersion."
    )
    created_at: datetime = strawberry.field(description="When the contact was added.")
    updated_at: datetime = strawberry.field(description="When the contact last changed.")

    @strawberry.field(
        graphql_type=bool,
        description="Whether the viewer may edit, invite, deactivate or reactivate this contact.",
    )
    @staticmethod
    async def viewer_can_manage(parent: Parent[models.Contact], info: Info) -> bool:
        return await contact_fields.viewer_can_manage(info.context, parent)

    @strawberry.field(
        graphql_type=Connection[AuditEvent],
        description=(
            "Administrators only; newest first. Empty for anyone else. The audit events of "
            "this contact."
        ),
    )
    @staticmethod
    async def audit_events(
        parent: Parent[models.Contact],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Page[models.AuditEvent]:
        return await organization_fields.contact_audit_events(
            info.context, parent, PageRequest(first, after, last, before)
        )


@strawberry.type(
    name="ContactConnection",
    description=(
        "A page of contacts: the primary contact first, then by last name and first name."
    ),
)
class ContactConnection(Connection[Contact]):
    """The one list with a filter: its count says so."""

    total_count: int = strawberry.field(
        resolver=total_count, description="All contacts that match the filter, on every page."
    )


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
        description="Contacts holding at least one of these profiles. At most 100 ids.",
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
    access_review_due: bool | None = strawberry.field(
        default=None,
        description=(
            "Only contacts with access whose review is due (true: accessReviewDueAt has "
            "passed), or only those with access not due yet (false)."
        ),
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


@strawberry.type(description="What addContact answers.")
class AddContactPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None,
        description=(
            "The new contact: active, without access until the invitee accepts; null when "
            "there are user errors."
        ),
    )
    invitation: models.Invitation | None = strawberry.field(
        graphql_type=Invitation | None,
        description=(
            "The pending invitation emailed, when the input had `invitation`; null otherwise."
        ),
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What updateContact answers.")
class UpdateContactPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None,
        description="The contact as changed; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What deactivateContact answers.")
class DeactivateContactPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None,
        description="The contact, now inactive; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What reactivateContact answers.")
class ReactivateContactPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None,
        description="The contact, now active; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What setPrimaryContact answers.")
class SetPrimaryContactPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None,
        description="The contact, now the primary contact; null when there are user errors.",
    )
    previous_primary_contact: models.Contact | None = strawberry.field(
        graphql_type=Contact | None,
        description=(
            "The contact that was primary until now; null when there was none, when the "
            "contact already was primary, or when there are user errors."
        ),
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.input(description="The contacts whose access an administrator confirms in a review.")
class ConfirmAccessInput:
    contact_ids: list[strawberry.ID] = strawberry.field(
        description=(
            "Contacts with access that the viewer may manage (at most 100; a repeat counts "
            "once). Each other one is answered with its own user error, at its index."
        )
    )


@strawberry.type(description="What confirmAccess answers.")
class ConfirmAccessPayload:
    contacts: list[models.Contact] = strawberry.field(
        graphql_type=list[Contact],
        description=(
            "The contacts confirmed: their next review is due a review period from now. The "
            "ids the viewer could not confirm are in userErrors, and did not stop the others."
        ),
    )
    user_errors: list[RenderedUserError] = user_errors()


ConfirmAccessArgument = Annotated[
    ConfirmAccessInput, strawberry.argument(description="The contacts to confirm.")
]
AddContactArgument = Annotated[
    AddContactInput,
    strawberry.argument(description="The contact to add, and its invitation if any."),
]
UpdateContactArgument = Annotated[
    UpdateContactInput,
    strawberry.argument(
        description="The contact and the fields to change; fields left out stay as they are."
    ),
]
DeactivateContactArgument = Annotated[
    DeactivateContactInput, strawberry.argument(description="The contact to deactivate.")
]
ReactivateContactArgument = Annotated[
    ReactivateContactInput, strawberry.argument(description="The contact to reactivate.")
]
SetPrimaryContactArgument = Annotated[
    SetPrimaryContactInput, strawberry.argument(description="The contact to make primary.")
]


@strawberry.type
class ContactMutations:
    @strawberry.mutation(
        graphql_type=AddContactPayload,
        description=(
            "Add a contact; with `invitation`, add it with access and email the invitation. "
            "Administrators of the organization only; the contact is active, and has access "
            "once the invitee accepts."
        ),
    )
    async def add_contact(self, info: Info, input: AddContactArgument) -> mutations.AddedContact:
        return await mutations.add_contact(info.context, input)

    @strawberry.mutation(
        graphql_type=UpdateContactPayload,
        description=(
            "Edit a contact's details and the security profiles the viewer may assign. The "
            "viewer must be able to manage the contact (viewerCanManage)."
        ),
    )
    async def update_contact(
        self, info: Info, input: UpdateContactArgument
    ) -> mutations.ContactChange:
        return await mutations.update_contact(info.context, input)

    @strawberry.mutation(
        graphql_type=DeactivateContactPayload,
        description=(
            'Deactivate a contact (uncheck "Active"): it stays listed as inactive, its access '
            "ends and its pending invitation is revoked. Not the primary contact, nor the last "
            "active administrator with access (unless staff does it). The viewer must be able "
            "to manage the contact."
        ),
    )
    async def deactivate_contact(
        self, info: Info, input: DeactivateContactArgument
    ) -> mutations.ContactChange:
        return await mutations.deactivate_contact(info.context, input)

    @strawberry.mutation(
        graphql_type=ReactivateContactPayload,
        description=(
            "Reactivate an inactive contact; a linked My NS Account has access again. The "
            "viewer must be able to manage the contact."
        ),
    )
    async def reactivate_contact(
        self, info: Info, input: ReactivateContactArgument
    ) -> mutations.ContactChange:
        return await mutations.reactivate_contact(info.context, input)

    @strawberry.mutation(
        graphql_type=SetPrimaryContactPayload,
        description=(
            "Make an active contact the organization's primary contact, listed first; the "
            "previous one stops being primary. Organization administrators (ORG_ADMIN) and "
            "staff only."
        ),
    )
    async def set_primary_contact(
        self, info: Info, input: SetPrimaryContactArgument
    ) -> mutations.PrimaryChange:
        return await mutations.set_primary_contact(info.context, input)

    @strawberry.mutation(
        graphql_type=ConfirmAccessPayload,
        description=(
            "Access review: confirm that each contact still needs its access, in one call. "
            "Administrators confirm the contacts they may manage (viewerCanManage); each "
            "other id is a user error (NOT_FOUND, FORBIDDEN, or INVALID for a contact without "
            "access) and the rest are confirmed all the same."
        ),
    )
    async def confirm_access(
        self, info: Info, input: ConfirmAccessArgument
    ) -> mutations.AccessConfirmed:
        return await mutations.confirm_access(info.context, input)
