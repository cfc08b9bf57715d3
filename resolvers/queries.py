"""Root queries, and the visibility rule of every object reachable by id."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from contacts_api.models import (
    Account,
    AuditEvent,
    Contact,
    Invitation,
    InvitationStatus,
    Organization,
)
from contacts_api.resolvers import errors, ids
from contacts_api.resolvers.context import Context
from contacts_api.resolvers.ids import NodeType
from contacts_api.rules import authorization
from contacts_api.rules.catalogue import Profile
from contacts_api.rules.invitation_tokens import MAX_TOKEN_LENGTH, hash_token
from contacts_api.rules.messages import Message

MAX_NODES = 100

Node = Account | AuditEvent | Contact | Invitation | Organization | Profile


async def node(ctx: Context, global_id: str) -> Node | None:
    ctx.signed_in()
    try:
        node_type, key = ids.decode(global_id)
    except ids.MalformedId:
        raise errors.bad_user_input(ctx.language, Message.MALFORMED_ID, value=global_id) from None
    return await _visible_node(ctx, node_type, key)


def nodes(ctx: Context, global_ids: Sequence[str]) -> list[Awaitable[Node | None]]:
    """One awaitable per id, so that a malformed id errs at its own position only."""
    ctx.signed_in()
    if len(global_ids) > MAX_NODES:
        raise errors.bad_user_input(ctx.language, Message.TOO_MANY_IDS, maximum=MAX_NODES)
    return [node(ctx, global_id) for global_id in global_ids]


async def organization(ctx: Context, global_id: str) -> Organization | None:
    ctx.signed_in()
    try:
        key = ids.decode_as(global_id, NodeType.ORGANIZATION)
    except ids.MalformedId:
        raise errors.bad_user_input(ctx.language, Message.MALFORMED_ID, value=global_id) from None
    found = await _visible_node(ctx, NodeType.ORGANIZATION, key)
    return found if isinstance(found, Organization) else None


def security_profiles(ctx: Context) -> list[Profile]:
    return list(ctx.catalogue.profiles)


@dataclass(frozen=True, slots=True)
class InvitationPreview:
    organization_name: str
    contact_first_name: str
    invited_by_name: str | None
    status: InvitationStatus
    expires_at: datetime


async def invitation_preview(ctx: Context, token: str) -> InvitationPreview | None:
    """What the acceptance page shows before sign-in: nothing for an unknown token."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise errors.bad_user_input(ctx.language, Message.TOKEN_TOO_LONG)
    row = (
        await ctx.db.execute(
            select(Invitation, Organization.name, Contact.first_name, Account.name)
            .join(Organization, Organization.id == Invitation.organization_id)
            .join(Contact, Contact.id == Invitation.contact_id)
            .outerjoin(Account, Account.id == Invitation.invited_by_id)
            .where(Invitation.token_hash == hash_token(token))
        )
    ).one_or_none()
    if row is None:
        return None
    invitation, organization_name, first_name, inviter_name = row
    return InvitationPreview(
        organization_name=organization_name,
        contact_first_name=first_name,
        invited_by_name=inviter_name,
        status=invitation.status_at(ctx.now),
        expires_at=invitation.expires_at,
    )


async def _visible_node(ctx: Context, node_type: NodeType, key: int | str) -> Node | None:
    viewer = ctx.viewer
    loaders = ctx.loaders
    if node_type is NodeType.SECURITY_PROFILE:
        assert isinstance(key, str)
        return ctx.catalogue.get(key)
    assert isinstance(key, int)
    found: Any
    match node_type:
        case NodeType.ORGANIZATION:
            found = await loaders.organization.load(key)
            visible = found is not None and authorization.is_member(viewer, found.id)
        case NodeType.CONTACT | NodeType.INVITATION:
            loader = loaders.contact if node_type is NodeType.CONTACT else loaders.invitation
            found = await loader.load(key)
            visible = found is not None and authorization.is_member(viewer, found.organization_id)
        case NodeType.AUDIT_EVENT:
            found = await loaders.audit_event.load(key)
            visible = found is not None and authorization.is_administrator(
                viewer, found.organization_id, ctx.catalogue
            )
        case NodeType.ACCOUNT:
            found = await loaders.account.load(key)
            visible = found is not None and authorization.may_see_account(
                viewer, found.id, set(await loaders.account_organization_ids.load(found.id))
            )
    return found if visible else None
