"""Fields of a contact that the viewer can see, through the request's DataLoaders (each kind
of related row costs one statement per page)."""

from __future__ import annotations

from datetime import datetime

from contacts_api.models import Account, Contact, Invitation, Organization
from contacts_api.resolvers.context import Context
from contacts_api.rules import access_reviews, authorization
from contacts_api.rules.catalogue import Profile


async def organization(ctx: Context, contact: Contact) -> Organization | None:
    return await ctx.loaders.organization.load(contact.organization_id)


async def security_profiles(ctx: Context, contact: Contact) -> list[Profile]:
    return ctx.catalogue.ordered(await ctx.loaders.contact_profile_codes.load(contact.id))


async def is_administrator(ctx: Context, contact: Contact) -> bool:
    codes = await ctx.loaders.contact_profile_codes.load(contact.id)
    return authorization.holds_administrator_profile(codes, ctx.catalogue)


async def latest_invitation(ctx: Context, contact: Contact) -> Invitation | None:
    return await ctx.loaders.latest_invitation.load(contact.id)


async def access_reviewed_by(ctx: Context, contact: Contact) -> Account | None:
    if contact.access_reviewed_by_id is None:
        return None
    return await ctx.loaders.account.load(contact.access_reviewed_by_id)


def access_review_due_at(ctx: Context, contact: Contact) -> datetime | None:
    return access_reviews.review_due_at(contact, ctx.settings)


async def viewer_can_manage(ctx: Context, contact: Contact) -> bool:
    if not authorization.is_administrator(ctx.viewer, contact.organization_id, ctx.catalogue):
        return False
    loaders = ctx.loaders
    found = await loaders.organization.load(contact.organization_id)
    assert found is not None, "a contact's organization always exists"
    held_codes = await loaders.contact_profile_codes.load(contact.id)
    invitation = await loaders.latest_invitation.load(contact.id)
    granted_codes: frozenset[str] = frozenset()
    if invitation is not None:
        granted_codes = await loaders.invitation_profile_codes.load(invitation.id)
    return authorization.may_manage_contact(
        ctx.viewer,
        found,
        ctx.catalogue,
        held_codes=held_codes,
        latest_invitation=invitation,
        latest_invitation_codes=granted_codes,
    )
