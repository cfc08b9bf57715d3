"""The root mutation type, made of each domain's mutations."""

from __future__ import annotations

import strawberry

from contacts_api.schema.contacts import ContactMutations
from contacts_api.schema.invitations import InvitationMutations
from contacts_api.schema.organizations import OrganizationMutations


@strawberry.type(
    description=(
        "What can be changed, by signed-in callers only (UNAUTHENTICATED error otherwise). A "
        "caller who may not run a mutation gets the FORBIDDEN error; a target it may not see "
        "is the user error NOT_FOUND. Every change made is recorded in the audit trail."
    )
)
class Mutation(OrganizationMutations, ContactMutations, InvitationMutations):
    pass
