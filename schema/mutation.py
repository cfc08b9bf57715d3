"""The root mutation type: each field hands its input to one use case."""

from __future__ import annotations

from typing import Annotated

import strawberry

from contacts_api.resolvers import mutations
from contacts_api.resolvers.context import Info
from contacts_api.schema.inputs import (
    AcceptInvitationInput,
    AddContactInput,
    CreateOrganizationInput,
    DeactivateContactInput,
    InviteContactInput,
    ReactivateContactInput,
    ResendInvitationInput,
    RevokeInvitationInput,
    SetPrimaryContactInput,
    UpdateContactInput,
)
from contacts_api.schema.payloads import (
    AcceptInvitationPayload,
    AddContactPayload,
    CreateOrganizationPayload,
    DeactivateContactPayload,
    InviteContactPayload,
    ReactivateContactPayload,
    ResendInvitationPayload,
    RevokeInvitationPayload,
    SetPrimaryContactPayload,
    UpdateContactPayload,
)

CreateOrganizationArgument = Annotated[
    CreateOrganizationInput, strawberry.argument(description="The organization to create.")
]
AddContactArgument = Annotated[
    AddContactInput,
    strawberry.argument(description="The contact to add, and its invitation if any."),
]
InviteContactArgument = Annotated[
    InviteContactInput,
    strawberry.argument(description="The contact to invite, and what the invitation grants."),
]
ResendInvitationArgument = Annotated[
    ResendInvitationInput, strawberry.argument(description="The invitation to email again.")
]
RevokeInvitationArgument = Annotated[
    RevokeInvitationInput, strawberry.argument(description="The invitation to withdraw.")
]
AcceptInvitationArgument = Annotated[
    AcceptInvitationInput, strawberry.argument(description="The token from the invitation link.")
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


@strawberry.type(
    description=(
        "What can be changed, by signed-in callers only (UNAUTHENTICATED error otherwise). A "
        "caller who may not run a mutation gets the FORBIDDEN error; a target it may not see "
        "is the user error NOT_FOUND. Every change made is recorded in the audit trail."
    )
)
class Mutation:
    @strawberry.mutation(
        description="Department staff only. Creates an organization, without contacts yet."
    )
    async def create_organization(
        self,
        info: Info,
        input: CreateOrganizationArgument,
    ) -> CreateOrganizationPayload:
        return await mutations.create_organization(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Add a contact; with `invitation`, add it with access and email the invitation. "
            "Administrators of the organization only; the contact is active, and has access "
            "once the invitee accepts."
        )
    )
    async def add_contact(self, info: Info, input: AddContactArgument) -> AddContactPayload:
        return await mutations.add_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            'Invite an existing contact without access. This is "Invite to LaMPSS": the '
            "invitation is emailed, its link valid 30 days. The viewer must be able to manage "
            "the contact."
        )
    )
    async def invite_contact(
        self,
        info: Info,
        input: InviteContactArgument,
    ) -> InviteContactPayload:
        return await mutations.invite_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Email a pending or expired invitation again with a new link and a new 30-day "
            "expiry; the old link stops working. The viewer must be able to manage the contact."
        )
    )
    async def resend_invitation(
        self,
        info: Info,
        input: ResendInvitationArgument,
    ) -> ResendInvitationPayload:
        return await mutations.resend_invitation(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            'Withdraw an invitation sent by mistake; its link stops working. This is "LaMPSS '
            'invitation withdrawn". The viewer must be able to manage the contact.'
        )
    )
    async def revoke_invitation(
        self,
        info: Info,
        input: RevokeInvitationArgument,
    ) -> RevokeInvitationPayload:
        return await mutations.revoke_invitation(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "By the invitee, signed in: links their account to the contact and grants the "
            "profiles. The contact's accountEmail becomes the account's email, which may differ "
            "from the one invited."
        )
    )
    async def accept_invitation(
        self,
        info: Info,
        input: AcceptInvitationArgument,
    ) -> AcceptInvitationPayload:
        return await mutations.accept_invitation(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Edit a contact's details and the security profiles the viewer may assign. The "
            "viewer must be able to manage the contact (viewerCanManage)."
        )
    )
    async def update_contact(
        self,
        info: Info,
        input: UpdateContactArgument,
    ) -> UpdateContactPayload:
        return await mutations.update_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            'Deactivate a contact (uncheck "Active"): it stays listed as inactive, its access '
            "ends and its pending invitation is revoked. Not the primary contact, nor the last "
            "active administrator with access (unless staff does it). The viewer must be able "
            "to manage the contact."
        )
    )
    async def deactivate_contact(
        self,
        info: Info,
        input: DeactivateContactArgument,
    ) -> DeactivateContactPayload:
        return await mutations.deactivate_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Reactivate an inactive contact; a linked My NS Account has access again. The "
            "viewer must be able to manage the contact."
        )
    )
    async def reactivate_contact(
        self,
        info: Info,
        input: ReactivateContactArgument,
    ) -> ReactivateContactPayload:
        return await mutations.reactivate_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Make an active contact the organization's primary contact, listed first; the "
            "previous one stops being primary. Organization administrators (ORG_ADMIN) and "
            "staff only."
        )
    )
    async def set_primary_contact(
        self,
        info: Info,
        input: SetPrimaryContactArgument,
    ) -> SetPrimaryContactPayload:
        return await mutations.set_primary_contact(info.context, input)  # type: ignore[return-value]
