"""Use cases of contact management: organizations, contacts, their security, the primary.

Each use case checks the viewer through `authorization`, validates, keeps the invariants
(an active administrator remains, the primary contact stays active, one primary at most),
writes its audit events, and raises `UserErrors` or `Forbidden` without committing: the
caller's transaction decides. Each locks the organization's row first, so that two
concurrent changes to one organization take turns and every invariant is checked against
what is really there.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.models import (
    AuditAction,
    Contact,
    ContactSecurityProfile,
    Invitation,
    Organization,
)
from contacts_api.models.emails import email_key
from contacts_api.rules import audit as audit_trail
from contacts_api.rules import authorization, invitations
from contacts_api.rules.access import lock_organization, managed_contact, visible_contact
from contacts_api.rules.authorization import Forbidden, Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.rules.messages import Message
from contacts_api.rules.user_errors import ErrorCode, UserErrors, fail
from contacts_api.rules.validation import (
    ORGANIZATION_NAME_MAX,
    UNSET,
    ContactInput,
    Problems,
    clean_contact,
    required_text,
)
from contacts_api.runtime.settings import Settings


async def create_organization(
    session: AsyncSession,
    *,
    viewer: Viewer,
    now: datetime,
    name: str,
    provides_case_management: bool,
) -> Organization:
    if not authorization.may_create_organization(viewer):
        raise Forbidden
    problems = Problems()
    cleaned_name = required_text(name, "name", ORGANIZATION_NAME_MAX, problems)
    if problems.errors:
        raise UserErrors(problems.errors)
    organization = Organization(
        name=cleaned_name,
        provides_case_management=provides_case_management,
        created_at=now,
        updated_at=now,
    )
    session.add(organization)
    await session.flush()
    audit_trail.record(
        session,
        action=AuditAction.ORGANIZATION_CREATED,
        organization_id=organization.id,
        actor_id=viewer.account.id,
        now=now,
        changes=[
            ("name", None, cleaned_name),
            ("providesCaseManagement", None, provides_case_management),
        ],
    )
    return organization


ACCESS_LAPSE_DAYS_RANGE = (1, 3650)


async def update_organization(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    organization_id: int,
    notify_all_administrators: bool | None = UNSET,
    access_lapse_days: int | None = UNSET,
) -> Organization:
    """Change the organization's settings; UNSET leaves one as it is. A new grace period
    counts from now: turning the lapse on never removes access the same day."""
    if not authorization.is_member(viewer, organization_id):
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "organizationId")
    organization, viewer = await lock_organization(session, organization_id, viewer)
    if organization is None:
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "organizationId")
    if not authorization.may_change_organization(viewer, organization_id, catalogue):
        raise Forbidden
    low, high = ACCESS_LAPSE_DAYS_RANGE
    if (
        isinstance(access_lapse_days, int)
        and access_lapse_days is not UNSET
        and not low <= access_lapse_days <= high
    ):
        raise fail(
            ErrorCode.OUT_OF_RANGE,
            Message.LAPSE_DAYS_RANGE,
            "input",
            "accessLapseDays",
            minimum=low,
            maximum=high,
        )
    before: dict[str, Any] = {
        "notify_all_administrators": organization.notify_all_administrators,
        "access_lapse_days": organization.access_lapse_days,
    }
    after = dict(before)
    if notify_all_administrators is not UNSET and notify_all_administrators is not None:
        after["notify_all_administrators"] = notify_all_administrators
    if access_lapse_days is not UNSET:
        after["access_lapse_days"] = access_lapse_days
    changes = audit_trail.differences(before, after)
    if not changes:
        return organization
    organization.notify_all_administrators = after["notify_all_administrators"]
    if after["access_lapse_days"] != before["access_lapse_days"]:
        organization.access_lapse_days = after["access_lapse_days"]
        organization.access_lapse_set_at = now
    organization.updated_at = now
    audit_trail.record(
        session,
        action=AuditAction.ORGANIZATION_UPDATED,
        organization_id=organization.id,
        actor_id=viewer.account.id,
        now=now,
        changes=changes,
    )
    return organization


async def add_contact(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    organization_id: int,
    fields: ContactInput,
) -> Contact:
    """A new active contact without access (`add_contact_with_access` invites it too)."""
    organization, viewer = await lock_organization(session, organization_id, viewer)
    if organization is None or not authorization.is_member(viewer, organization_id):
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "organizationId")
    if not authorization.is_administrator(viewer, organization_id, catalogue):
        raise Forbidden
    problems = Problems()
    values = clean_contact(
        fields,
        case_management=organization.provides_case_management,
        adding=True,
        problems=problems,
    )
    await _check_email_free(session, organization_id, values["email"], None, problems)
    if problems.errors:
        raise UserErrors(problems.errors)

    contact = Contact(organization_id=organization_id, created_at=now, updated_at=now)
    _apply(contact, values)
    session.add(contact)
    await session.flush()
    audit_trail.contact_event(
        session,
        AuditAction.CONTACT_ADDED,
        contact,
        actor_id=viewer.account.id,
        now=now,
        changes=audit_trail.differences({}, values),
    )
    return contact


async def add_contact_with_access(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    organization_id: int,
    fields: ContactInput,
    profile_codes: Sequence[str],
    message: str | None,
) -> tuple[Contact, Invitation]:
    """Add a contact and invite it, in one change: both are kept, or neither."""
    contact = await add_contact(
        session,
        viewer=viewer,
        catalogue=catalogue,
        now=now,
        organization_id=organization_id,
        fields=fields,
    )
    managed = await managed_contact(session, viewer, catalogue, now, contact.id)
    invitation = await invitations.invite(
        session,
        managed=managed,
        catalogue=catalogue,
        settings=settings,
        now=now,
        profile_codes=profile_codes,
        message=message,
        path=("invitation",),
    )
    return contact, invitation


async def update_contact(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    contact_id: int,
    expected_version: int | None,
    fields: ContactInput,
    profile_codes: Sequence[str] | None = UNSET,
) -> Contact:
    """Change the fields given; `profile_codes` replaces what the viewer may assign."""
    managed = await managed_contact(session, viewer, catalogue, now, contact_id, expected_version)
    contact, organization, held = managed.contact, managed.organization, managed.held_codes
    viewer = managed.viewer
    problems = Problems()
    values = clean_contact(
        fields,
        case_management=organization.provides_case_management,
        adding=False,
        problems=problems,
    )
    if values.get("email"):
        await _check_email_free(session, organization.id, values["email"], contact.id, problems)

    new_profiles = held
    if profile_codes is not UNSET:
        assignable = authorization.assignable_profile_codes(viewer, organization, catalogue)
        for index, code in enumerate(profile_codes or ()):
            if code not in assignable:
                problems.add(
                    ErrorCode.NOT_ASSIGNABLE,
                    Message.NOT_ASSIGNABLE,
                    "securityProfileIds",
                    str(index),
                    profile=catalogue.localized(code),
                )
        new_profiles = (held - assignable) | frozenset(profile_codes or ())
    if problems.errors:
        raise UserErrors(problems.errors)

    if _is_administrator_with_access(
        contact, held, catalogue
    ) and not _is_administrator_with_access(contact, new_profiles, catalogue):
        await _keep_an_administrator(session, viewer, catalogue, contact)

    before = {name: getattr(contact, name) for name in values}
    changes = audit_trail.differences(before, values)
    if not changes and new_profiles == held:
        return contact
    _apply(contact, values)
    contact.touch(now)
    if new_profiles != held:
        await _replace_profiles(session, contact.id, new_profiles)
    await session.flush()

    if changes:
        audit_trail.contact_event(
            session,
            AuditAction.CONTACT_UPDATED,
            contact,
            actor_id=viewer.account.id,
            now=now,
            changes=changes,
        )
    if new_profiles != held:
        audit_trail.contact_event(
            session,
            AuditAction.SECURITY_CHANGED,
            contact,
            actor_id=viewer.account.id,
            now=now,
            changes=[("securityProfiles", catalogue.codes(held), catalogue.codes(new_profiles))],
        )
    return contact


async def deactivate_contact(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    contact_id: int,
    expected_version: int | None,
) -> Contact:
    """Deactivate: access ends and a pending invitation is revoked. Already inactive: no-op."""
    managed = await managed_contact(session, viewer, catalogue, now, contact_id, expected_version)
    contact, viewer = managed.contact, managed.viewer
    if not contact.is_active:
        return contact
    if contact.is_primary:
        raise fail(ErrorCode.PRIMARY_CONTACT, Message.PRIMARY_CONTACT, "input", "contactId")
    if _is_administrator_with_access(contact, managed.held_codes, catalogue):
        await _keep_an_administrator(session, viewer, catalogue, contact)

    contact.is_active = False
    contact.touch(now)
    await session.flush()
    audit_trail.contact_event(
        session,
        AuditAction.CONTACT_DEACTIVATED,
        contact,
        actor_id=viewer.account.id,
        now=now,
        changes=[("isActive", True, False)],
    )
    pending = managed.pending_invitation(now)
    if pending is not None:
        invitations.revoke(session, pending, viewer=viewer, now=now)
    return contact


async def reactivate_contact(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    contact_id: int,
    expected_version: int | None,
) -> Contact:
    """Reactivate; a linked account has access again. Already active: no-op."""
    managed = await managed_contact(session, viewer, catalogue, now, contact_id, expected_version)
    contact, viewer = managed.contact, managed.viewer
    if contact.is_active:
        return contact
    contact.is_active = True
    if contact.account_id is not None:
        # Access is granted again: its review period starts over.
        contact.restart_access(now)
    contact.touch(now)
    await session.flush()
    audit_trail.contact_event(
        session,
        AuditAction.CONTACT_REACTIVATED,
        contact,
        actor_id=viewer.account.id,
        now=now,
        changes=[("isActive", False, True)],
    )
    return contact


async def set_primary_contact(
    session: AsyncSession, *, viewer: Viewer, catalogue: Catalogue, now: datetime, contact_id: int
) -> tuple[Contact, Contact | None]:
    """Make the contact the primary one; returns it and the contact that was primary before."""
    contact, viewer = await visible_contact(session, viewer, contact_id)
    if not authorization.may_set_primary_contact(viewer, contact.organization_id, catalogue):
        raise Forbidden
    if not contact.is_active:
        raise fail(ErrorCode.CONTACT_INACTIVE, Message.CONTACT_INACTIVE, "input", "contactId")
    if contact.is_primary:
        return contact, None
    previous = await session.scalar(
        select(Contact).where(
            Contact.organization_id == contact.organization_id, Contact.is_primary
        )
    )
    if previous is not None:
        previous.is_primary = False
        previous.touch(now)
        # The database allows one primary per organization: release it before taking it.
        await session.flush()
    contact.is_primary = True
    contact.touch(now)
    await session.flush()
    for changed, old, new in ((previous, True, False), (contact, False, True)):
        if changed is not None:
            audit_trail.contact_event(
                session,
                AuditAction.PRIMARY_CONTACT_CHANGED,
                changed,
                actor_id=viewer.account.id,
                now=now,
                changes=[("isPrimary", old, new)],
            )
    return contact, previous


async def _check_email_free(
    session: AsyncSession,
    organization_id: int,
    email: str,
    contact_id: int | None,
    problems: Problems,
) -> None:
    if not email or problems.about("email"):
        # Only a valid address can be taken (and only a valid one may reach the database).
        return
    statement = select(func.count()).where(
        Contact.organization_id == organization_id, Contact.email_key == email_key(email)
    )
    if contact_id is not None:
        statement = statement.where(Contact.id != contact_id)
    if await session.scalar(statement):
        problems.add(ErrorCode.TAKEN, Message.EMAIL_TAKEN, "email")


def _is_administrator_with_access(
    contact: Contact, codes: frozenset[str], catalogue: Catalogue
) -> bool:
    return contact.has_access and authorization.holds_administrator_profile(codes, catalogue)


async def _keep_an_administrator(
    session: AsyncSession, viewer: Viewer, catalogue: Catalogue, contact: Contact
) -> None:
    """Refuse to remove the organization's last active administrator with access (staff may)."""
    if viewer.is_staff:
        return
    administrator_codes = [
        profile.code for profile in catalogue.profiles if profile.is_administrator
    ]
    others = await session.scalar(
        select(func.count(func.distinct(Contact.id)))
        .join(ContactSecurityProfile, ContactSecurityProfile.contact_id == Contact.id)
        .where(
            Contact.organization_id == contact.organization_id,
            Contact.id != contact.id,
            Contact.is_active,
            Contact.account_id.is_not(None),
            ContactSecurityProfile.security_profile_code.in_(administrator_codes),
        )
    )
    if not others:
        raise fail(ErrorCode.LAST_ADMINISTRATOR, Message.LAST_ADMINISTRATOR)


async def _replace_profiles(session: AsyncSession, contact_id: int, codes: frozenset[str]) -> None:
    await session.execute(
        delete(ContactSecurityProfile).where(ContactSecurityProfile.contact_id == contact_id)
    )
    session.add_all(
        ContactSecurityProfile(contact_id=contact_id, security_profile_code=code)
        for code in sorted(codes)
    )


def _apply(contact: Contact, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "first_name":
            contact.set_names(
                first_name=value, last_name=values.get("last_name", contact.last_name)
            )
        elif name == "last_name":
            contact.set_names(
                first_name=values.get("first_name", contact.first_name), last_name=value
            )
        elif name == "email":
            contact.set_email(value)
        else:
            setattr(contact, name, value)
