"""Fields of a contact that the viewer can see."""

from __future__ import annotations

from models import Contact, Invitation, InvitationStatus, Organization
from resolvers import authorization
from resolvers.catalogue import Profile
from resolvers.context import Context


async def organization(ctx: Context, contact: Contact) -> Organization:
    found = await ctx.loaders.organization.load(contact.organization_id)
    assert found is not None, "a contact's organization always exists"
    return found


async def security_profiles(ctx: Context, contact: Contact) -> list[Profile]:
    return ctx.catalogue.ordered(await ctx.loaders.contact_profile_codes.load(contact.id))


async def is_administrator(ctx: Context, contact: Contact) -> bool:
    codes = await ctx.loaders.contact_profile_codes.load(contact.id)
    return any(ctx.catalogue[code].is_administrator for code in codes)


async def latest_invitation(ctx: Context, contact: Contact) -> Invitation | None:
    return await ctx.loaders.latest_invitation.load(contact.id)


async def viewer_can_manage(ctx: Context, contact: Contact) -> bool:
    if not authorization.is_administrator(ctx.viewer, contact.organization_id, ctx.catalogue):
        return False
    organization_ = await organization(ctx, contact)
    held = await ctx.loaders.contact_profile_codes.load(contact.id)
    invitation = await latest_invitation(ctx, contact)
    pending: frozenset[str] = frozenset()
    if invitation is not None and invitation.status_at(ctx.now) is InvitationStatus.PENDING:
        pending = await ctx.loaders.invitation_profile_codes.load(invitation.id)
    return authorization.may_manage_contact(
        ctx.viewer,
        organization_,
        ctx.catalogue,
        held_codes=held,
        pending_invitation_codes=pending,
    )
