"""What a change may reach, decided in one place before any use case writes.

A change first locks its organization's row, then reads the viewer again (see
`authorization.reload_viewer`): what it decides, it decides with that viewer. `managed_contact`
is the contact a viewer may manage, with everything that decision read, so that no use case
reads it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.models import (
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationSecurityProfile,
    InvitationStatus,
    Organization,
)
from contacts_api.rules import authorization
from contacts_api.rules.authorization import Forbidden, Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.rules.messages import Message
from contacts_api.rules.user_errors import ErrorCode, fail


async def lock_organization(
    session: AsyncSession, organization_id: int, viewer: Viewer
) -> tuple[Organization | None, Viewer]:
    """The organization's row, locked until the transaction ends, and the viewer as it is
    once the lock is held: every change decides with that viewer, never with what the
    request read before (see `authorization.reload_viewer`).

    SQLite needs no row lock: a writing request holds the database's write lock already.
    """
    organization = await session.scalar(
        select(Organization)
        .where(Organization.id == organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return organization, await authorization.reload_viewer(session, viewer)


async def profile_codes_of(session: AsyncSession, contact_id: int) -> frozenset[str]:
    codes = await session.scalars(
        select(ContactSecurityProfile.security_profile_code).where(
            ContactSecurityProfile.contact_id == contact_id
        )
    )
    return frozenset(codes)


async def latest_invitation(session: AsyncSession, contact_id: int) -> Invitation | None:
    return await session.scalar(
        select(Invitation)
        .where(Invitation.contact_id == contact_id)
        .order_by(Invitation.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )


async def invitation_profile_codes(session: AsyncSession, invitation_id: int) -> frozenset[str]:
    codes = await session.scalars(
        select(InvitationSecurityProfile.security_profile_code).where(
            InvitationSecurityProfile.invitation_id == invitation_id
        )
    )
    return frozenset(codes)


@dataclass(frozen=True, slots=True)
class ManagedContact:
    """A contact the viewer may manage, with what deciding that read (so nobody reads it again)
    and the viewer it was decided for, as read under the organization's lock."""

    contact: Contact
    organization: Organization
    held_codes: frozenset[str]
    latest_invitation: Invitation | None
    latest_invitation_codes: frozenset[str]
    viewer: Viewer

    def pending_invitation(self, now: datetime) -> Invitation | None:
        latest = self.latest_invitation
        if latest is not None and latest.status_at(now) is InvitationStatus.PENDING:
            return latest
        return None


async def managed_contact(
    session: AsyncSession,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    contact_id: int,
    expected_version: int | None = None,
) -> ManagedContact:
    """The contact, locked with its organization, if the viewer may manage it: NOT_FOUND when
    it cannot see it, Forbidden when it may not manage it, STALE for an old version."""
    contact, viewer = await visible_contact(session, viewer, contact_id)
    organization = await session.get_one(Organization, contact.organization_id)
    held = await profile_codes_of(session, contact.id)
    latest = await latest_invitation(session, contact.id)
    latest_codes = await invitation_profile_codes(session, latest.id) if latest else frozenset()
    if not authorization.may_manage_contact(
        viewer,
        organization,
        catalogue,
        held_codes=held,
        latest_invitation=latest,
        latest_invitation_codes=latest_codes,
    ):
        raise Forbidden
    if expected_version is not None and expected_version != contact.version:
        raise fail(ErrorCode.STALE, Message.STALE, "input", "expectedVersion")
    return ManagedContact(contact, organization, held, latest, latest_codes, viewer)


async def visible_contact(
    session: AsyncSession, viewer: Viewer, contact_id: int
) -> tuple[Contact, Viewer]:
    """The contact, with its organization locked, and the viewer read under that lock;
    NOT_FOUND unless that viewer is a member of the contact's organization."""
    organization_id = await session.scalar(
        select(Contact.organization_id).where(Contact.id == contact_id)
    )
    if organization_id is None or not authorization.is_member(viewer, organization_id):
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "contactId")
    _organization, viewer = await lock_organization(session, organization_id, viewer)
    if not authorization.is_member(viewer, organization_id):
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "contactId")
    contact = await session.scalar(
        select(Contact).where(Contact.id == contact_id).execution_options(populate_existing=True)
    )
    assert contact is not None
    return contact, viewer
