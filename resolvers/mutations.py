"""Mutations: decode the input, run one use case in its own savepoint, shape the payload.

A use case that raises `UserErrors` leaves nothing behind: its savepoint is rolled back and
the payload lists the errors. `Forbidden` becomes the FORBIDDEN error. The request's
transaction is committed once, by the server, after the operation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from contacts_api.models import Contact, Invitation, Organization
from contacts_api.resolvers import errors, ids
from contacts_api.resolvers.context import Context
from contacts_api.resolvers.ids import NodeType
from contacts_api.rules import access_reviews
from contacts_api.rules import contacts as contact_management
from contacts_api.rules import invitations as invitation_management
from contacts_api.rules.authorization import Forbidden, Viewer
from contacts_api.rules.messages import Message
from contacts_api.rules.user_errors import ErrorCode, RenderedUserError, UserError, UserErrors, fail
from contacts_api.rules.validation import UNSET, ContactInput, PhoneInput

if TYPE_CHECKING:
    from contacts_api.schema.contacts import (
        AddContactInput,
        ConfirmAccessInput,
        DeactivateContactInput,
        PhoneNumberInput,
        ReactivateContactInput,
        SetPrimaryContactInput,
        UpdateContactInput,
    )
    from contacts_api.schema.invitations import (
        AcceptInvitationInput,
        InviteContactInput,
        ResendInvitationInput,
        RevokeInvitationInput,
    )
    from contacts_api.schema.organizations import (
        CreateOrganizationInput,
        UpdateOrganizationInput,
    )


Errors = list[RenderedUserError]


@dataclass(frozen=True, slots=True)
class OrganizationChange:
    """What createOrganization and updateOrganization answer."""

    organization: Organization | None = None
    user_errors: Errors = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ContactChange:
    """What a change to one contact answers (update, deactivate, reactivate, accept)."""

    contact: Contact | None = None
    user_errors: Errors = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AddedContact:
    """What addContact answers: the contact, and its invitation when it was invited."""

    contact: Contact | None = None
    invitation: Invitation | None = None
    user_errors: Errors = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class InvitationChange:
    """What a change to an invitation answers (invite, resend, revoke)."""

    invitation: Invitation | None = None
    contact: Contact | None = None
    user_errors: Errors = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AccessConfirmed:
    """What confirmAccess answers: the contacts confirmed, and the ids that were not."""

    contacts: list[Contact] = field(default_factory=list)
    user_errors: Errors = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PrimaryChange:
    """What setPrimaryContact answers."""

    contact: Contact | None = None
    previous_primary_contact: Contact | None = None
    user_errors: Errors = field(default_factory=list)


Result = TypeVar(
    "Result",
    OrganizationChange,
    ContactChange,
    AddedContact,
    InvitationChange,
    PrimaryChange,
    AccessConfirmed,
)
UseCase = Callable[[AsyncSession, Viewer], Awaitable[Result]]


async def run(ctx: Context, answer: type[Result], use_case: UseCase[Result]) -> Result:
    """The unit of work of one mutation field; `answer` holds the user errors, if any."""
    viewer = ctx.signed_in()
    await ctx.db.begin_write()
    session = ctx.db.session
    try:
        async with session.begin_nested():
            result = await use_case(session, viewer)
    except UserErrors as problems:
        ctx.user_errors = True
        return answer(user_errors=[error.rendered(ctx.language) for error in problems.errors])
    except StaleDataError:
        ctx.user_errors = True
        stale = UserError(ErrorCode.STALE, Message.STALE, ("input", "expectedVersion"))
        return answer(user_errors=[stale.rendered(ctx.language)])
    except Forbidden:
        raise errors.forbidden(ctx.language) from None
    ctx.renew_loaders()
    return result


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


async def create_organization(ctx: Context, data: CreateOrganizationInput) -> OrganizationChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> OrganizationChange:
        organization = await contact_management.create_organization(
            session,
            viewer=viewer,
            now=ctx.now,
            name=data.name,
            provides_case_management=data.provides_case_management,
        )
        return OrganizationChange(organization=organization)

    return await run(ctx, OrganizationChange, use_case)


async def update_organization(ctx: Context, data: UpdateOrganizationInput) -> OrganizationChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> OrganizationChange:
        organization = await contact_management.update_organization(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            organization_id=decode(data.organization_id, NodeType.ORGANIZATION, "organizationId"),
            notify_all_administrators=_given(data.notify_all_administrators),
            access_lapse_days=_given(data.access_lapse_days),
        )
        return OrganizationChange(organization=organization)

    return await run(ctx, OrganizationChange, use_case)


async def confirm_access(ctx: Context, data: ConfirmAccessInput) -> AccessConfirmed:
    """Confirms what it may and answers every other id with its error: a partial success."""

    async def use_case(session: AsyncSession, viewer: Viewer) -> AccessConfirmed:
        contact_ids: list[int | None] = []
        for global_id in data.contact_ids:
            try:
                contact_ids.append(ids.decode_as(global_id, NodeType.CONTACT))
            except ids.MalformedId:
                contact_ids.append(None)
        confirmation = await access_reviews.confirm_access(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            settings=ctx.settings,
            now=ctx.now,
            contact_ids=contact_ids,
        )
        if confirmation.errors:
            ctx.user_errors = True
        return AccessConfirmed(
            contacts=confirmation.confirmed,
            user_errors=[error.rendered(ctx.language) for error in confirmation.errors],
        )

    return await run(ctx, AccessConfirmed, use_case)


async def add_contact(ctx: Context, data: AddContactInput) -> AddedContact:
    async def use_case(session: AsyncSession, viewer: Viewer) -> AddedContact:
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
            return AddedContact(contact=contact)
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
        return AddedContact(contact=contact, invitation=invitation)

    return await run(ctx, AddedContact, use_case)


async def update_contact(ctx: Context, data: UpdateContactInput) -> ContactChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> ContactChange:
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
        return ContactChange(contact=contact)

    return await run(ctx, ContactChange, use_case)


async def deactivate_contact(ctx: Context, data: DeactivateContactInput) -> ContactChange:
    return await _change_activity(ctx, data, contact_management.deactivate_contact)


async def reactivate_contact(ctx: Context, data: ReactivateContactInput) -> ContactChange:
    return await _change_activity(ctx, data, contact_management.reactivate_contact)


async def _change_activity(
    ctx: Context,
    data: DeactivateContactInput | ReactivateContactInput,
    change: Callable[..., Awaitable[Contact]],
) -> ContactChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> ContactChange:
        contact = await change(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            contact_id=decode(data.contact_id, NodeType.CONTACT, "contactId"),
            expected_version=data.expected_version,
        )
        return ContactChange(contact=contact)

    return await run(ctx, ContactChange, use_case)


async def set_primary_contact(ctx: Context, data: SetPrimaryContactInput) -> PrimaryChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> PrimaryChange:
        contact, previous = await contact_management.set_primary_contact(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            contact_id=decode(data.contact_id, NodeType.CONTACT, "contactId"),
        )
        return PrimaryChange(contact=contact, previous_primary_contact=previous)

    return await run(ctx, PrimaryChange, use_case)


async def invite_contact(ctx: Context, data: InviteContactInput) -> InvitationChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> InvitationChange:
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
        return InvitationChange(invitation=invitation, contact=contact)

    return await run(ctx, InvitationChange, use_case)


async def resend_invitation(ctx: Context, data: ResendInvitationInput) -> InvitationChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> InvitationChange:
        invitation = await invitation_management.resend_invitation(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            settings=ctx.settings,
            now=ctx.now,
            invitation_id=decode(data.invitation_id, NodeType.INVITATION, "invitationId"),
        )
        return InvitationChange(invitation=invitation)

    return await run(ctx, InvitationChange, use_case)


async def revoke_invitation(ctx: Context, data: RevokeInvitationInput) -> InvitationChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> InvitationChange:
        invitation = await invitation_management.revoke_invitation(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            now=ctx.now,
            invitation_id=decode(data.invitation_id, NodeType.INVITATION, "invitationId"),
        )
        return InvitationChange(invitation=invitation)

    return await run(ctx, InvitationChange, use_case)


async def accept_invitation(ctx: Context, data: AcceptInvitationInput) -> ContactChange:
    async def use_case(session: AsyncSession, viewer: Viewer) -> ContactChange:
        contact = await invitation_management.accept_invitation(
            session,
            viewer=viewer,
            catalogue=ctx.catalogue,
            settings=ctx.settings,
            now=ctx.now,
            token=data.token,
        )
        return ContactChange(contact=contact)

    return await run(ctx, ContactChange, use_case)
