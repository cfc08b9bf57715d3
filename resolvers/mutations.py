"""Mutations: decode the input, run one use case in its own savepoint, shape the payload.

A use case that raises `UserErrors` leaves nothing behind: its savepoint is rolled back and
the payload lists the errors. `Forbidden` becomes the FORBIDDEN error. The request's
transaction is committed once, by the server, after the operation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from contacts_api.models import Contact, Invitation, Organization
from contacts_api.resolvers import errors, ids
from contacts_api.resolvers.context import Context
from contacts_api.resolvers.ids import NodeType
from contacts_api.rules import contacts as contact_management
from contacts_api.rules import invitations as invitation_management
from contacts_api.rules.authorization import Forbidden, Viewer
from contacts_api.rules.messages import Message
from contacts_api.rules.user_errors import ErrorCode, RenderedUserError, UserError, UserErrors, fail
from contacts_api.rules.validation import UNSET, ContactInput, PhoneInput

if TYPE_CHECKING:
    from contacts_api.schema.inputs import (
        AcceptInvitationInput,
        AddContactInput,
        CreateOrganizationInput,
        DeactivateContactInput,
        InviteContactInput,
        PhoneNumberInput,
        ReactivateContactInput,
        ResendInvitationInput,
        RevokeInvitationInput,
        SetPrimaryContactInput,
        UpdateContactInput,
    )


@dataclass
class Payload:
    """What any mutation answers; each payload type reads the attributes it has."""

    organization: Organization | None = None
    contact: Contact | None = None
    invitation: Invitation | None = None
    previous_primary_contact: Contact | None = None
    user_errors: list[RenderedUserError] = field(default_factory=list)


UseCase = Callable[[AsyncSession, Viewer], Awaitable[Payload]]


async def run(ctx: Context, use_case: UseCase) -> Payload:
    """The unit of work of one mutation field."""
    viewer = ctx.signed_in()
    await ctx.db.begin_write()
    session = ctx.db.session
    try:
        async with session.begin_nested():
            payload = await use_case(session, viewer)
    except UserErrors as problems:
        return Payload(user_errors=[error.rendered(ctx.language) for error in problems.errors])
    except StaleDataError:
        stale = UserError(ErrorCode.STALE, Message.STALE, ("input", "expectedVersion"))
        return Payload(user_errors=[stale.rendered(ctx.language)])
    except Forbidden:
        raise errors.forbidden(ctx.language) from None
    ctx.renew_loaders()
    return payload


def decode(global_id: str, node_type: NodeType, *path: str) -> int:
    """The key of an input id; a malformed one is the user error INVALID at `path`."""
    try:
        return ids.decode_as(global_id, node_type)
    except ids.MalformedId:
        raise fail(ErrorCode.INVALID, Message.INVALID_ID, "input", *path) from None


def decode_profiles(global_ids: Sequence[str], *path: str) -> list[str]:
    problems = []
    codes = []
    for index, global_id in enumerate(global_ids):
        try:
            codes.append(ids.decode_profile_code(global_id))
        except ids.MalformedId:
            problems.append(
                UserError(ErrorCode.INVALID, Message.INVALID_ID, ("input", *path, str(index)))
            )
    if problems:
        raise UserErrors(problems)
    return codes


def _phones(entries: Sequence[PhoneNumberInput] | None) -> list[PhoneInput] | None:
    if entries is None:
        return None
    return [PhoneInput(entry.kind, entry.number, entry.extension) for entry in entries]


def _given(value: Any) -> Any:
    """strawberry.Maybe: None when left out, Some(value) when given (value may be None)."""
    return UNSET if value is None else value.value


def _given_or_none(value: Any) -> Any:
    given = _given(value)
    return None if given is UNSET else given


async def create_organization(ctx: Context, data: CreateOrganizationInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        organization = await contact_management.create_organization(
            session,
            viewer=viewer,
            now=ctx.now,
            name=data.name,
            provides_case_management=data.provides_case_management,
        )
        return Payload(organization=organization)

    return await run(ctx, use_case)


async def add_contact(ctx: Context, data: AddContactInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        organization_id = decode(data.organization_id, NodeType.ORGANIZATION, "organizationId")
        fields = ContactInput(
            first_name=data.first_name,
            last_name=data.last_name,
            email=data.email,
            title=data.title,
            phone_numbers=_phones(data.phone_numbers),
            preferred_language=data.preferred_language,
            office_location=data.office_location,
            position_type=data.position_type,
            fte=data.fte,
        )
        if data.invitation is None:
            contact = await contact_management.add_contact(
                session,
                viewer=viewer,
                catalogue=ctx.catalogue,
                now=ctx.now,
                organization_id=organization_id,
                fields=fields,
            )
            return Payload(contact=contact)
        contact, invitation = await contact_management.add_contact_with_access(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            settings=ctx.settings,
            now=ctx.now,
            organization_id=organization_id,
            fields=fields,
            profile_codes=decode_profiles(
                data.invitation.security_profile_ids, "invitation", "securityProfileIds"
            ),
            message=data.invitation.message,
        )
        return Payload(contact=contact, invitation=invitation)

    return await run(ctx, use_case)


async def update_contact(ctx: Context, data: UpdateContactInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        contact_id = decode(data.contact_id, NodeType.CONTACT, "contactId")
        profile_ids = _given(data.security_profile_ids)
        phone_numbers = _given(data.phone_numbers)
        contact = await contact_management.update_contact(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            contact_id=contact_id,
            expected_version=_given_or_none(data.expected_version),
            fields=ContactInput(
                first_name=_given(data.first_name),
                last_name=_given(data.last_name),
                email=_given(data.email),
                title=_given(data.title),
                phone_numbers=UNSET if phone_numbers is UNSET else _phones(phone_numbers),
                preferred_language=_given(data.preferred_language),
                office_location=_given(data.office_location),
                position_type=_given(data.position_type),
                fte=_given(data.fte),
            ),
            profile_codes=(
                profile_ids
                if profile_ids is UNSET or profile_ids is None
                else decode_profiles(profile_ids, "securityProfileIds")
            ),
        )
        return Payload(contact=contact)

    return await run(ctx, use_case)


async def deactivate_contact(ctx: Context, data: DeactivateContactInput) -> Payload:
    return await _change_activity(ctx, data, contact_management.deactivate_contact)


async def reactivate_contact(ctx: Context, data: ReactivateContactInput) -> Payload:
    return await _change_activity(ctx, data, contact_management.reactivate_contact)


async def _change_activity(
    ctx: Context,
    data: DeactivateContactInput | ReactivateContactInput,
    change: Callable[..., Awaitable[Contact]],
) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        contact = await change(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            contact_id=decode(data.contact_id, NodeType.CONTACT, "contactId"),
            expected_version=data.expected_version,
        )
        return Payload(contact=contact)

    return await run(ctx, use_case)


async def set_primary_contact(ctx: Context, data: SetPrimaryContactInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        contact, previous = await contact_management.set_primary_contact(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            contact_id=decode(data.contact_id, NodeType.CONTACT, "contactId"),
        )
        return Payload(contact=contact, previous_primary_contact=previous)

    return await run(ctx, use_case)


async def invite_contact(ctx: Context, data: InviteContactInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        invitation = await invitation_management.invite_contact(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            settings=ctx.settings,
            now=ctx.now,
            contact_id=decode(data.contact_id, NodeType.CONTACT, "contactId"),
            profile_codes=decode_profiles(data.security_profile_ids, "securityProfileIds"),
            message=data.message,
        )
        contact = await session.get_one(Contact, invitation.contact_id)
        return Payload(invitation=invitation, contact=contact)

    return await run(ctx, use_case)


async def resend_invitation(ctx: Context, data: ResendInvitationInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        invitation = await invitation_management.resend_invitation(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            settings=ctx.settings,
            now=ctx.now,
            invitation_id=decode(data.invitation_id, NodeType.INVITATION, "invitationId"),
        )
        return Payload(invitation=invitation)

    return await run(ctx, use_case)


async def revoke_invitation(ctx: Context, data: RevokeInvitationInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        invitation = await invitation_management.revoke_invitation(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            invitation_id=decode(data.invitation_id, NodeType.INVITATION, "invitationId"),
        )
        return Payload(invitation=invitation)

    return await run(ctx, use_case)


async def accept_invitation(ctx: Context, data: AcceptInvitationInput) -> Payload:
    async def use_case(session: AsyncSession, viewer: Viewer) -> Payload:
        contact = await invitation_management.accept_invitation(
            session, viewer=viewer, catalogue=ctx.catalogue, now=ctx.now, token=data.token
        )
        return Payload(contact=contact)

    return await run(ctx, use_case)
