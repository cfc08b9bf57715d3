"""Invitations: the email that gives a contact LaMPSS access, from sending to acceptance."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.resolvers import ids, mutations
from contacts_api.resolvers import invitations as invitation_fields
from contacts_api.resolvers import queries as query_fields
from contacts_api.resolvers.context import Info
from contacts_api.rules.catalogue import Profile
from contacts_api.rules.user_errors import RenderedUserError
from contacts_api.schema.accounts import Account
from contacts_api.schema.enums import EmailDeliveryStatus, InvitationStatus
from contacts_api.schema.errors import user_errors
from contacts_api.schema.node import Node, rows_of
from contacts_api.schema.profiles import SecurityProfile

if TYPE_CHECKING:
    from contacts_api.schema.contacts import Contact

ContactType = Annotated["Contact", strawberry.lazy("contacts_api.schema.contacts")]


@strawberry.type(
    description=(
        "An emailed invitation to link a My NS Account to a contact, which gives the contact "
        "LaMPSS access with the invitation's profiles. Visible to the organization's members "
        "and to staff; its message only to administrators."
    )
)
class Invitation(Node):
    is_type_of = rows_of(models.Invitation)

    @strawberry.field(description="The invitation's global id.")
    @staticmethod
    def id(parent: Parent[models.Invitation]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.INVITATION, parent.id))

    @strawberry.field(graphql_type=ContactType, description="The contact invited.")
    @staticmethod
    async def contact(parent: Parent[models.Invitation], info: Info) -> models.Contact:
        return await invitation_fields.contact(info.context, parent)

    email: str = strawberry.field(
        description=(
            "Where it was sent. The contact's email when it was last sent or resent; the "
            "audit trail keeps every address it went to."
        )
    )

    @strawberry.field(
        description=(
            "The additional invitation message, if any. Administrators only: null for anyone else."
        )
    )
    @staticmethod
    def message(parent: Parent[models.Invitation], info: Info) -> str | None:
        return invitation_fields.message(info.context, parent)

    @strawberry.field(description="Where it stands at the time of the request.")
    @staticmethod
    def status(parent: Parent[models.Invitation], info: Info) -> InvitationStatus:
        return invitation_fields.status(info.context, parent)

    @strawberry.field(
        graphql_type=list[SecurityProfile],
        description="Granted on acceptance. Added to the profiles the contact already holds.",
    )
    @staticmethod
    async def security_profiles(parent: Parent[models.Invitation], info: Info) -> list[Profile]:
        return await invitation_fields.security_profiles(info.context, parent)

    @strawberry.field(
        graphql_type=Account | None, description="The account that sent it; null when not recorded."
    )
    @staticmethod
    async def invited_by(parent: Parent[models.Invitation], info: Info) -> models.Account | None:
        return await invitation_fields.account(info.context, parent.invited_by_id)

    sent_at: datetime = strawberry.field(
        description="When it was last emailed: first sent, or last resent."
    )
    expires_at: datetime = strawberry.field(
        description="When its link stops working: 30 days (INVITATION_TTL_DAYS) after sentAt."
    )
    accepted_at: datetime | None = strawberry.field(
        description="When the invitee accepted it; null until then."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was withdrawn; null unless revoked."
    )
    reminded_at: datetime | None = strawberry.field(
        description=(
            "When the system reminded the invitee, INVITATION_REMINDER_DAYS (7) days before it "
            "expires; null until then. Once per sending: a resend may be reminded again. The "
            "reminder's link works as well as the first one."
        )
    )

    @strawberry.field(
        graphql_type=Account | None,
        description="The account that withdrew it; null unless revoked.",
    )
    @staticmethod
    async def revoked_by(parent: Parent[models.Invitation], info: Info) -> models.Account | None:
        return await invitation_fields.account(info.context, parent.revoked_by_id)

    @strawberry.field(
        description=(
            "How far its latest email has got: a resent invitation shows the new email's status."
        )
    )
    @staticmethod
    async def delivery_status(parent: Parent[models.Invitation], info: Info) -> EmailDeliveryStatus:
        return await invitation_fields.delivery_status(info.context, parent)


@strawberry.type(
    description=(
        "What the acceptance page shows before sign-in, to anyone holding the link's token: "
        "enough to recognize the invitation, nothing more."
    )
)
class InvitationPreview:
    organization_name: str = strawberry.field(
        description="The name of the organization the invitee is to act for."
    )
    contact_first_name: str = strawberry.field(
        description="The invited contact's first name, to greet the invitee."
    )
    invited_by_name: str | None = strawberry.field(
        description="The name of the person who sent it; null when their account has none."
    )
    status: InvitationStatus = strawberry.field(
        description="Where it stands; only a PENDING invitation can be accepted."
    )
    expires_at: datetime = strawberry.field(description="When its link stops working.")


@strawberry.input(
    description="The invitation to email to a new contact: the profiles it grants, and a message."
)
class InvitationInput:
    security_profile_ids: list[strawberry.ID] = strawberry.field(
        description=(
            "At least one; each must be assignable by the viewer. At most 100; granted when "
            "the invitee accepts."
        )
    )
    message: str | None = strawberry.field(
        default=None,
        description=(
            "The additional invitation message; may be left out. At most 2,000 characters, "
            "several lines allowed."
        ),
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
            "At least one; each must be assignable by the viewer. At most 100; granted when "
            "the invitee accepts."
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


@strawberry.type(description="What inviteContact answers.")
class InviteContactPayload:
    invitation: models.Invitation | None = strawberry.field(
        graphql_type=Invitation | None,
        description="The new pending invitation, emailed; null when there are user errors.",
    )
    contact: models.Contact | None = strawberry.field(
        graphql_type=ContactType | None,
        description="The contact invited; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What resendInvitation answers.")
class ResendInvitationPayload:
    invitation: models.Invitation | None = strawberry.field(
        graphql_type=Invitation | None,
        description=(
            "The invitation, pending with a new link and a new expiry; null when there are "
            "user errors."
        ),
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What revokeInvitation answers.")
class RevokeInvitationPayload:
    invitation: models.Invitation | None = strawberry.field(
        graphql_type=Invitation | None,
        description="The invitation, now REVOKED; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.type(description="What acceptInvitation answers.")
class AcceptInvitationPayload:
    contact: models.Contact | None = strawberry.field(
        graphql_type=ContactType | None,
        description=(
            "The contact, now linked to the viewer's account, with access and the invitation's "
            "profiles; null when there are user errors."
        ),
    )
    user_errors: list[RenderedUserError] = user_errors()


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


@strawberry.type
class InvitationQueries:
    @strawberry.field(
        graphql_type=InvitationPreview | None,
        description=(
            "What the acceptance page shows before sign-in; null for an unknown token. Open to "
            "anyone holding the link."
        ),
    )
    async def invitation_preview(
        self,
        info: Info,
        token: Annotated[
            str,
            strawberry.argument(
                description=(
                    "The secret from the invitation link. It is the last part of "
                    "{PUBLIC_URL}/invitations/{token}."
                )
            ),
        ],
    ) -> query_fields.InvitationPreview | None:
        return await query_fields.invitation_preview(info.context, token)


@strawberry.type
class InvitationMutations:
    @strawberry.mutation(
        graphql_type=InviteContactPayload,
        description=(
            'Invite an existing contact without access. This is "Invite to LaMPSS": the '
            "invitation is emailed, its link valid 30 days. The viewer must be able to manage "
            "the contact."
        ),
    )
    async def invite_contact(
        self, info: Info, input: InviteContactArgument
    ) -> mutations.InvitationChange:
        return await mutations.invite_contact(info.context, input)

    @strawberry.mutation(
        graphql_type=ResendInvitationPayload,
        description=(
            "Email a pending or expired invitation again with a new link and a new 30-day "
            "expiry; the old link stops working. It goes to the contact's email as it is now. "
            "The viewer must be able to manage the contact."
        ),
    )
    async def resend_invitation(
        self, info: Info, input: ResendInvitationArgument
    ) -> mutations.InvitationChange:
        return await mutations.resend_invitation(info.context, input)

    @strawberry.mutation(
        graphql_type=RevokeInvitationPayload,
        description=(
            'Withdraw an invitation sent by mistake; its link stops working. This is "LaMPSS '
            'invitation withdrawn". The viewer must be able to manage the contact.'
        ),
    )
    async def revoke_invitation(
        self, info: Info, input: RevokeInvitationArgument
    ) -> mutations.InvitationChange:
        return await mutations.revoke_invitation(info.context, input)

    @strawberry.mutation(
        graphql_type=AcceptInvitationPayload,
        description=(
            "By the invitee, signed in: links their account to the contact and grants the "
            "profiles. The contact's accountEmail becomes the account's email, which may differ "
            "from the one invited."
        ),
    )
    async def accept_invitation(
        self, info: Info, input: AcceptInvitationArgument
    ) -> mutations.ContactChange:
        return await mutations.accept_invitation(info.context, input)
