"""Fields of an organization that the viewer can see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select

from contacts_api.models import (
    AuditEvent,
    Contact,
    Invitation,
    InvitationStatus,
    Language,
    Organization,
)
from contacts_api.models.contact_search import CONTACT_ORDER, ContactSearch, contacts_statement
from contacts_api.models.invitation_search import INVITATION_ORDER, invitations_statement
from contacts_api.models.pagination import Ordering, Page, PageRequest, SortKey
from contacts_api.models.text import storable
from contacts_api.resolvers import errors, ids
from contacts_api.resolvers.connections import paginate
from contacts_api.resolvers.context import Context
from contacts_api.rules import access_reviews, authorization
from contacts_api.rules.catalogue import Profile
from contacts_api.rules.messages import Message
from contacts_api.runtime.settings import Settings

MAX_FILTER_LENGTH = 254
AUDIT_ORDER = Ordering("audit", [SortKey(AuditEvent.id, "id", int, descending=True)])


async def contacts(
    ctx: Context, organization: Organization, page: PageRequest, search: ContactSearch
) -> Page[Contact]:
    """One page of the contacts `search` (see `contact_search`) finds."""
    # The contacts' fields ask for their organization (to decide who may manage them).
    ctx.loaders.organization.prime(organization.id, organization)
    count = None
    if search.whole_list:

        async def count() -> int:
            counts = await ctx.loaders.contact_counts.load(organization.id)
            return counts.active if search.active_only else counts.every

    statement = contacts_statement(organization.id, search)
    return await paginate(ctx, CONTACT_ORDER, statement, page, count, split=search.last_name_prefix)


def contact_search(
    ctx: ContactSearchContext,
    *,
    last_name: str | None = None,
    first_name: str | None = None,
    email: str | None = None,
    profile_ids: Sequence[str] | None = None,
    active_only: bool = True,
    has_access: bool | None = None,
    review_due: bool | None = None,
) -> ContactSearch:
    """The contact search the arguments ask for, or the BAD_USER_INPUT error saying why not
    (for the compiled read path too)."""
    for argument, text in (("lastName", last_name), ("firstName", first_name), ("email", email)):
        if text is not None and (len(text) > MAX_FILTER_LENGTH or not storable(text)):
            raise errors.bad_user_input(ctx.language, Message.MALFORMED_FILTER, argument=argument)
    profile_codes = None
    if profile_ids is not None:
        profile_codes = sorted({_profile_code(ctx, global_id) for global_id in profile_ids})
    return ContactSearch(
        last_name=last_name,
        first_name=first_name,
        email=email,
        profile_codes=profile_codes,
        active_only=active_only,
        has_access=has_access,
        review_due=review_due,
        reviewed_by=ctx.now - timedelta(days=ctx.settings.access_review_days),
    )


async def invitations(
    ctx: Context,
    organization: Organization,
    page: PageRequest,
    statuses: Sequence[InvitationStatus] | None,
) -> Page[Invitation]:
    """Administrators only; for anyone else the list is empty."""
    if not authorization.is_administrator(ctx.viewer, organization.id, ctx.catalogue):
        return Page.empty()
    statement = invitations_statement(organization.id, statuses, ctx.now)
    return await paginate(ctx, INVITATION_ORDER, statement, page)


async def audit_events(
    ctx: Context, organization: Organization, page: PageRequest, *, contact_id: int | None = None
) -> Page[AuditEvent]:
    """Administrators only, newest first; for anyone else the list is empty."""
    if not authorization.is_administrator(ctx.viewer, organization.id, ctx.catalogue):
        return Page.empty()
    statement = select(AuditEvent).where(AuditEvent.organization_id == organization.id)
    if contact_id is not None:
        statement = statement.where(AuditEvent.contact_id == contact_id)
    return await paginate(ctx, AUDIT_ORDER, statement, page)


async def contact_audit_events(
    ctx: Context, contact: Contact, page: PageRequest
) -> Page[AuditEvent]:
    organization = await ctx.loaders.organization.load(contact.organization_id)
    assert organization is not None, "a contact's organization always exists"
    return await audit_events(ctx, organization, page, contact_id=contact.id)


async def primary_contact(ctx: Context, organization: Organization) -> Contact | None:
    return await ctx.loaders.primary_contact.load(organization.id)


def assignable_security_profiles(ctx: Context, organization: Organization) -> list[Profile]:
    codes = authorization.assignable_profile_codes(ctx.viewer, organization, ctx.catalogue)
    return ctx.catalogue.ordered(codes)


async def access_reviews_due(ctx: Context, organization: Organization) -> int:
    """Administrators only: 0 for anyone else."""
    if not authorization.is_administrator(ctx.viewer, organization.id, ctx.catalogue):
        return 0
    count = await ctx.db.scalar(
        select(func.count())
        .select_from(Contact)
        .where(
            Contact.organization_id == organization.id,
            access_reviews.due_condition(ctx.now, ctx.settings),
        )
    )
    return int(count or 0)


def viewer_is_administrator(ctx: Context, organization: Organization) -> bool:
    return authorization.is_administrator(ctx.viewer, organization.id, ctx.catalogue)


class ContactSearchContext(Protocol):
    """What a contact search reads of its request."""

    @property
    def language(self) -> Language: ...
    @property
    def now(self) -> datetime: ...
    @property
    def settings(self) -> Settings: ...


def _profile_code(ctx: ContactSearchContext, global_id: str) -> str:
    try:
        return ids.decode_profile_code(global_id)
    except ids.MalformedId:
        raise errors.bad_user_input(ctx.language, Message.MALFORMED_ID, value=global_id) from None
