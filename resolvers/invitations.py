"""Fields of an invitation that the viewer can see."""

from __future__ import annotations

from contacts_api.models import Account, Contact, EmailDeliveryStatus, Invitation, InvitationStatus
from contacts_api.resolvers.context import Context
from contacts_api.rules import authorization
from contacts_api.rules.catalogue import Profile


async def contact(ctx: Context, invitation: Invitation) -> Contact:
    found = await ctx.loaders.contact.load(invitation.contact_id)
    assert found is not None, "an invitation's contact always exists"
    return found


def message(ctx: Context, invitation: Invitation) -> str | None:
    """The additional message is for administrators only."""
    if authorization.is_administrator(ctx.viewer, invitation.organization_id, ctx.catalogue):
        return invitation.message
    return None


def status(ctx: Context, invitation: Invitation) -> InvitationStatus:
    return invitation.status_at(ctx.now)


async def security_profiles(ctx: Context, invitation: Invitation) -> list[Profile]:
    return ctx.catalogue.ordered(await ctx.loaders.invitation_profile_codes.load(invitation.id))


async def account(ctx: Context, account_id: int | None) -> Account | None:
    return None if account_id is None else await ctx.loaders.account.load(account_id)


async def delivery_status(ctx: Context, invitation: Invitation) -> EmailDeliveryStatus:
    if invitation.outbound_email_id is None:
        return EmailDeliveryStatus.QUEUED
    return await ctx.loaders.delivery_status.load(invitation.outbound_email_id)
