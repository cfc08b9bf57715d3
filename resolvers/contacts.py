"""Fields of a contact that the viewer can see.

Each field answers at once when its list loaded the rows it needs ahead (`prefetch`), and
loads them through the request's DataLoaders otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from contacts_api.models import Account, Contact, Invitation, Organization
from contacts_api.resolvers.context import Context
from contacts_api.resolvers.loaders import MaybeAwaitable, held, now_or_later, then
from contacts_api.rules import access_reviews, authorization
from contacts_api.rules.catalogue import Profile

PROFILE_FIELDS = frozenset({"securityProfiles", "isAdministrator"})
INVITATION_FIELDS = frozenset({"invitation"})
MANAGE_FIELDS = frozenset({"viewerCanManage"})


async def prefetch(ctx: Context, contacts: Sequence[Contact], fields: frozenset[str]) -> None:
    """Load what `fields` (selected on each of `contacts`) read, one statement a kind."""
    if not contacts:
        return
    ids = [contact.id for contact in contacts]
    manage = bool(fields & MANAGE_FIELDS) and authorization.is_administrator(
        ctx.viewer, contacts[0].organization_id, ctx.catalogue
    )
    # The latest invitations come with the contacts' profiles: one statement for both.
    if manage or fields & INVITATION_FIELDS:
        await ctx.loaders.latest_invitation.load_many(ids)
    elif fields & PROFILE_FIELDS:
        await ctx.loaders.contact_profile_codes.load_many(ids)


def organization(ctx: Context, contact: Contact) -> MaybeAwaitable[Organization | None]:
    return now_or_later(ctx.loaders.organization, contact.organization_id)


def security_profiles(ctx: Context, contact: Contact) -> MaybeAwaitable[list[Profile]]:
    return then(now_or_later(ctx.loaders.contact_profile_codes, contact.id), ctx.catalogue.ordered)


def is_administrator(ctx: Context, contact: Contact) -> MaybeAwaitable[bool]:
    def holds_an_administrator_profile(codes: frozenset[str]) -> bool:
        return any(ctx.catalogue[code].is_administrator for code in codes)

    return then(
        now_or_later(ctx.loaders.contact_profile_codes, contact.id),
        holds_an_administrator_profile,
    )


def latest_invitation(ctx: Context, contact: Contact) -> MaybeAwaitable[Invitation | None]:
    return now_or_later(ctx.loaders.latest_invitation, contact.id)


async def access_reviewed_by(ctx: Context, contact: Contact) -> Account | None:
    if contact.access_reviewed_by_id is None:
        return None
    return await ctx.loaders.account.load(contact.access_reviewed_by_id)


def access_review_due_at(ctx: Context, contact: Contact) -> datetime | None:
    return access_reviews.review_due_at(contact, ctx.settings)


def viewer_can_manage(ctx: Context, contact: Contact) -> MaybeAwaitable[bool]:
    if not authorization.is_administrator(ctx.viewer, contact.organization_id, ctx.catalogue):
        return False
    loaders = ctx.loaders
    organization_ = held(loaders.organization, contact.organization_id)
    held_codes = held(loaders.contact_profile_codes, contact.id)
    latest = held(loaders.latest_invitation, contact.id)
    if organization_ is None or held_codes is None or latest is None:
        return _load_then_decide(ctx, contact)
    granted_codes: frozenset[str] = frozenset()
    invitation = latest.result()
    if invitation is not None:
        granted = held(loaders.invitation_profile_codes, invitation.id)
        if granted is None:
            return _load_then_decide(ctx, contact)
        granted_codes = granted.result()
    found = organization_.result()
    assert found is not None, "a contact's organization always exists"
    return authorization.may_manage_contact(
        ctx.viewer,
        found,
        ctx.catalogue,
        held_codes=held_codes.result(),
        latest_invitation=invitation,
        latest_invitation_codes=granted_codes,
    )


async def _load_then_decide(ctx: Context, contact: Contact) -> bool:
    loaders = ctx.loaders
    await loaders.organization.load(contact.organization_id)
    await loaders.contact_profile_codes.load(contact.id)
    invitation = await loaders.latest_invitation.load(contact.id)
    if invitation is not None:
        await loaders.invitation_profile_codes.load(invitation.id)
    decided = viewer_can_manage(ctx, contact)
    assert isinstance(decided, bool), "everything the decision reads is loaded"
    return decided
