"""The signed-in caller: its account, its contacts, its organizations."""

from __future__ import annotations

from sqlalchemy import select

from contacts_api.models import Contact, Organization
from contacts_api.models.pagination import Ordering, Page, PageRequest, SortKey
from contacts_api.resolvers.connections import paginate
from contacts_api.resolvers.context import Context
from contacts_api.rules.authorization import Viewer

ORGANIZATION_ORDER = Ordering(
    "organizations",
    [SortKey(Organization.name, "name", str), SortKey(Organization.id, "id", int)],
)


async def contacts(ctx: Context, viewer: Viewer) -> list[Contact]:
    """The viewer's own active contacts, one per organization."""
    contact_ids = [membership.contact_id for membership in viewer.memberships.values()]
    found = await ctx.loaders.contact.load_many(contact_ids)
    return sorted((c for c in found if c is not None), key=lambda c: c.organization_id)


async def organizations(ctx: Context, viewer: Viewer, page: PageRequest) -> Page[Organization]:
    """Organizations where the viewer has access; every one for staff."""
    statement = select(Organization)
    if not viewer.is_staff:
        statement = statement.where(Organization.id.in_(list(viewer.memberships)))
    return await paginate(ctx, ORGANIZATION_ORDER, statement, page)
