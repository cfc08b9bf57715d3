"""Mutations: their behaviour arrives with the contact-management and invitation issues."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from resolvers.context import Context


def _not_available(name: str) -> Any:
    async def mutation(ctx: Context, _input: object) -> Any:
        ctx.signed_in()
        raise GraphQLError(f"{name} is not available yet.", extensions={"code": "NOT_IMPLEMENTED"})

    return mutation


create_organization = _not_available("createOrganization")
add_contact = _not_available("addContact")
invite_contact = _not_available("inviteContact")
resend_invitation = _not_available("resendInvitation")
revoke_invitation = _not_available("revokeInvitation")
accept_invitation = _not_available("acceptInvitation")
update_contact = _not_available("updateContact")
deactivate_contact = _not_available("deactivateContact")
reactivate_contact = _not_available("reactivateContact")
set_primary_contact = _not_available("setPrimaryContact")
