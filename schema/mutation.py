"""The root mutation type: each field hands its input to one use case."""

from __future__ import annotations

import strawberry

from resolvers import mutations
from resolvers.context import Info
from schema.inputs import (
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
from schema.payloads import (
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


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Department staff only.")
    async def create_organization(
        self,
        info: Info,
        input: CreateOrganizationInput,
    ) -> CreateOrganizationPayload:
        return await mutations.create_organization(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Add a contact; with `invitation`, add it with access and email the invitation."
    )
    async def add_contact(self, info: Info, input: AddContactInput) -> AddContactPayload:
        return await mutations.add_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(description="Invite an existing contact without access.")
    async def invite_contact(
        self,
        info: Info,
        input: InviteContactInput,
    ) -> InviteContactPayload:
        return await mutations.invite_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description=(
            "Email a pending or expired invitation again with a new link and a new 30-day "
            "expiry; the old link stops working."
        )
    )
    async def resend_invitation(
        self,
        info: Info,
        input: ResendInvitationInput,
    ) -> ResendInvitationPayload:
        return await mutations.resend_invitation(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="Withdraw an invitation sent by mistake; its link stops working."
    )
    async def revoke_invitation(
        self,
        info: Info,
        input: RevokeInvitationInput,
    ) -> RevokeInvitationPayload:
        return await mutations.revoke_invitation(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation(
        description="By the invitee, signed in: links their account to the contact and grants the profiles."
    )
    async def accept_invitation(
        self,
        info: Info,
        input: AcceptInvitationInput,
    ) -> AcceptInvitationPayload:
        return await mutations.accept_invitation(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation
    async def update_contact(
        self,
        info: Info,
        input: UpdateContactInput,
    ) -> UpdateContactPayload:
        return await mutations.update_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation
    async def deactivate_contact(
        self,
        info: Info,
        input: DeactivateContactInput,
    ) -> DeactivateContactPayload:
        return await mutations.deactivate_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation
    async def reactivate_contact(
        self,
        info: Info,
        input: ReactivateContactInput,
    ) -> ReactivateContactPayload:
        return await mutations.reactivate_contact(info.context, input)  # type: ignore[return-value]

    @strawberry.mutation
    async def set_primary_contact(
        self,
        info: Info,
        input: SetPrimaryContactInput,
    ) -> SetPrimaryContactPayload:
        return await mutations.set_primary_contact(info.context, input)  # type: ignore[return-value]
