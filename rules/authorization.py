"""Who may do what: the single home of every access rule.

Resolvers and use cases ask these functions; none of them re-derives a rule. The rules are
plain functions of the viewer and the data, so tests call them directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.models import (
    Account,
    Contact,
    ContactSecurityProfile,
    SecurityArea,
)
from contacts_api.models.database import RequestSession
from contacts_api.models.emails import email_key
from contacts_api.rules.catalogue import Catalogue


@dataclass(frozen=True, slots=True)
class Claims:
    """Who the token says the caller is, checked once here: every claim is plain text that
    every database stores (no control character, NUL or lone surrogate) and fits its column.

    `subject` is kept exactly as issued (" X " is not "X"); `email_verified` is None when
    the provider does not say.
    """

    subject: str
    email: str
    name: str | None
    email_verified: bool | None = None


class Forbidden(Exception):
    """The signed-in viewer may not do this (answered as the FORBIDDEN error)."""


@dataclass(frozen=True, slots=True)
class Membership:
    """The viewer's active contact in one organization, and the profiles it holds."""

    contact_id: int
    profile_codes: frozenset[str]


class AccountState(Protocol):
    """What the rules read of the viewer's account (a mapped `Account`, or a row)."""

    @property
    def id(self) -> int: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def email(self) -> str: ...
    @property
    def name(self) -> str | None: ...
    @property
    def email_verified(self) -> bool | None: ...
    @property
    def is_staff(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Viewer:
    account: AccountState
    memberships: Mapping[int, Membership] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.account.is_staff


class OrganizationState(Protocol):
    """What the rules read of an organization (a mapped `Organization`, or a row)."""

    @property
    def id(self) -> int: ...
    @property
    def provides_case_management(self) -> bool: ...


class InvitationState(Protocol):
    """What the rules read of an invitation (a mapped `Invitation`, or a row read without
    the ORM)."""

    @property
    def may_still_grant(self) -> bool: ...


def is_member(viewer: Viewer | None, organization_id: int) -> bool:
    """Members (and staff) read the organization and its contacts."""
    if viewer is None:
        return False
    return viewer.is_staff or organization_id in viewer.memberships


def is_administrator(viewer: Viewer | None, organization_id: int, catalogue: Catalogue) -> bool:
    if viewer is None:
        return False
    if viewer.is_staff:
        return True
    membership = viewer.memberships.get(organization_id)
    return membership is not None and holds_administrator_profile(
        membership.profile_codes, catalogue
    )


def holds_administrator_profile(codes: Iterable[str], catalogue: Catalogue) -> bool:
    return any(catalogue[code].is_administrator for code in codes)


def assignable_profile_codes(
    viewer: Viewer | None, organization: OrganizationState, catalogue: Catalogue
) -> frozenset[str]:
    """The profiles the viewer may grant in `organization`.

    Staff and organization administrators grant every profile; an area administrator grants
    its own area's profiles; case-management profiles exist only in organizations that
    provide case management.
    """
    if viewer is None:
        return frozenset()
    if viewer.is_staff:
        return _profiles_of_areas(set(SecurityArea), organization, catalogue)
    membership = viewer.memberships.get(organization.id)
    return assignable_with(membership.profile_codes if membership else (), organization, catalogue)


def assignable_with(
    administrator_codes: Iterable[str], organization: OrganizationState, catalogue: Catalogue
) -> frozenset[str]:
    """The profiles a member holding `administrator_codes` may grant in `organization`."""
    administered = {
        catalogue[code].area for code in administrator_codes if catalogue[code].is_administrator
    }
    areas = set(SecurityArea) if SecurityArea.ORGANIZATION in administered else administered
    return _profiles_of_areas(areas, organization, catalogue)


def _profiles_of_areas(
    areas: set[SecurityArea], organization: OrganizationState, catalogue: Catalogue
) -> frozenset[str]:
    if not organization.provides_case_management:
        areas.discard(SecurityArea.CASE_MANAGEMENT)
    return frozenset(profile.code for profile in catalogue.profiles if profile.area in areas)


def may_manage_contact(
    viewer: Viewer | None,
    organization: OrganizationState,
    catalogue: Catalogue,
    *,
    held_codes: Iterable[str],
    latest_invitation: InvitationState | None = None,
    latest_invitation_codes: Iterable[str] = (),
) -> bool:
    """Administrators manage a contact when they could assign every profile it holds, and
    every profile its latest invitation could still grant (see `may_manage_with`)."""
    return may_manage_with(
        manageable_profile_codes(viewer, organization, catalogue),
        held_codes=held_codes,
        latest_invitation=latest_invitation,
        latest_invitation_codes=latest_invitation_codes,
    )


def manageable_profile_codes(
    viewer: Viewer | None, organization: OrganizationState, catalogue: Catalogue
) -> frozenset[str] | None:
    """The profiles the viewer may assign in `organization`, when it administers it (None
    otherwise): what decides which of its contacts it manages."""
    if not is_administrator(viewer, organization.id, catalogue):
        return None
    return assignable_profile_codes(viewer, organization, catalogue)


def may_manage_with(
    manageable: frozenset[str] | None,
    *,
    held_codes: Iterable[str],
    latest_invitation: InvitationState | None = None,
    latest_invitation_codes: Iterable[str] = (),
) -> bool:
    """Whether an administrator who may assign `manageable` manages a contact.

    The latest invitation counts while it can still become access: pending, or expired and
    so resendable (a resend revives it); an accepted one granted its profiles already, a
    revoked one never will, and older invitations can neither be accepted nor resent.
    """
    if manageable is None:
        return False
    involved = set(held_codes)
    if latest_invitation is not None and latest_invitation.may_still_grant:
        involved.update(latest_invitation_codes)
    return involved <= manageable


def may_create_organization(viewer: Viewer | None) -> bool:
    return viewer is not None and viewer.is_staff


def may_set_primary_contact(
    viewer: Viewer | None, organization_id: int, catalogue: Catalogue
) -> bool:
    """Organization administrators (not area administrators) and staff."""
    if viewer is None:
        return False
    if viewer.is_staff:
        return True
    membership = viewer.memberships.get(organization_id)
    return membership is not None and any(
        catalogue[code].is_administrator and catalogue[code].area is SecurityArea.ORGANIZATION
        for code in membership.profile_codes
    )


def may_change_organization(
    viewer: Viewer | None, organization_id: int, catalogue: Catalogue
) -> bool:
    """Its settings (whom notices go to, access lapse): organization administrators and
    staff, as for the primary contact."""
    return may_set_primary_contact(viewer, organization_id, catalogue)


def may_see_account(
    viewer: Viewer | None, account_id: int, shared_organization_ids: set[int]
) -> bool:
    """Accounts are visible to themselves, to staff, and to the members of an organization
    where the account is a contact or has acted (invited, revoked, changed something), as
    the invitations and the audit trail show them anyway."""
    if viewer is None:
        return False
    if viewer.is_staff or viewer.account.id == account_id:
        return True
    return any(organization_id in viewer.memberships for organization_id in shared_organization_ids)


# Built once: every request runs it.
VIEWER_WITH_MEMBERSHIPS = (
    select(
        Account, Contact.organization_id, Contact.id, ContactSecurityProfile.security_profile_code
    )
    .outerjoin(Contact, and_(Contact.account_id == Account.id, Contact.is_active))
    .outerjoin(ContactSecurityProfile, ContactSecurityProfile.contact_id == Contact.id)
    .where(Account.subject == bindparam("subject"))
)


async def load_viewer(db: RequestSession, claims: Claims, now: datetime) -> Viewer:
    """The viewer for valid token claims: its account and memberships, in one statement.

    The account is created on the first sign-in and refreshed when the claims changed.
    """
    rows: Sequence[tuple[Any, ...]] = (
        await db.execute(VIEWER_WITH_MEMBERSHIPS, {"subject": claims.subject})
    ).all()
    if not rows:
        await db.begin_write()
        account = await _claim_or_create_account(db, claims, now)
        rows = [(account, None, None, None)]
    account = rows[0][0]
    if not is_current(account, claims):
        await db.begin_write()
        await _refresh_account(db, account, claims, now)
    return _viewer(rows)


def is_current(account: AccountState, claims: Claims) -> bool:
    """The account says what the token says (else it is refreshed from the claims)."""
    return (account.email, account.name, account.email_verified) == (
        claims.email,
        claims.name,
        claims.email_verified,
    )


async def reload_viewer(session: AsyncSession, viewer: Viewer) -> Viewer:
    """The viewer as the database has it now: a change decides with this, read under its
    organization's lock, never with what the request read before it took the lock (an
    administrator deactivated meanwhile is one no more)."""
    rows = (
        await session.execute(
            VIEWER_WITH_MEMBERSHIPS,
            {"subject": viewer.account.subject},
            execution_options={"populate_existing": True},
        )
    ).all()
    return _viewer(rows) if rows else Viewer(account=viewer.account)


def _viewer(rows: Sequence[Any]) -> Viewer:
    account = rows[0][0]
    contacts: dict[int, int] = {}
    codes: dict[int, set[str]] = {}
    for _account, organization_id, contact_id, code in rows:
        if organization_id is None:
            continue
        contacts[organization_id] = contact_id
        held = codes.setdefault(organization_id, set())
        if code is not None:
            held.add(code)
    memberships = {
        organization_id: Membership(contact_id, frozenset(codes[organization_id]))
        for organization_id, contact_id in contacts.items()
    }
    return Viewer(account=account, memberships=memberships)


async def _refresh_account(
    db: RequestSession, account: Account, claims: Claims, now: datetime
) -> None:
    """The identity provider is the source of an account's email and name."""
    account.set_email(claims.email, verified=claims.email_verified)
    account.name, account.updated_at = claims.name, now
    await db.execute(
        update(Contact)
        .where(Contact.account_id == account.id)
        .values(account_email=account.email, account_email_key=account.email_key)
    )
    await db.session.flush()


async def _claim_or_create_account(db: RequestSession, claims: Claims, now: datetime) -> Account:
    """A staff account announced for this email is claimed by the first sign-in whose
    verified email is exactly that address (the same key, see `models.emails`); any other
    sign-in gets an account of its own."""
    if claims.email_verified is not False:
        announced_id = await db.scalar(
            select(Account.id)
            .where(Account.subject.is_(None), Account.email_key == email_key(claims.email))
            .order_by(Account.id)
            .limit(1)
        )
        # Claimed only if still unclaimed: of two first sign-ins at once, one gets it.
        if announced_id is not None and await _claim(db, announced_id, claims, now):
            return await db.session.get_one(Account, announced_id, populate_existing=True)
    account = Account(
        subject=claims.subject, name=claims.name, is_staff=False, created_at=now, updated_at=now
    )
    account.set_email(claims.email, verified=claims.email_verified)
    try:
        async with db.session.begin_nested():
            db.session.add(account)
    except IntegrityError:
        # Another request signed the same person in first.
        first: Account = (
            await db.scalars(select(Account).where(Account.subject == claims.subject))
        )[0]
        return first
    return account


async def _claim(db: RequestSession, account_id: int, claims: Claims, now: datetime) -> bool:
    claimed = await db.scalar(
        update(Account)
        .where(Account.id == account_id, Account.subject.is_(None))
        .values(
            subject=claims.subject,
            name=claims.name,
            email=claims.email,
            email_key=email_key(claims.email),
            email_verified=claims.email_verified,
            updated_at=now,
        )
        .returning(Account.id)
    )
    return claimed is not None


async def mark_staff(session: AsyncSession, email: str, *, now: datetime) -> int | None:
    """Make the person with `email` department staff (`contacts staff add`).

    The account that first signed in with exactly this address (its key), verified, becomes
    staff: its id is returned. With none yet, the address is announced instead (None is
    returned), and the first verified sign-in with it claims the announcement.
    """
    key = email_key(email)
    account = await session.scalar(
        select(Account)
        .where(Account.email_key == key, Account.email_verified.is_not(False))
        .order_by(Account.subject.is_(None), Account.id)
        .limit(1)
    )
    if account is not None and account.subject is not None:
        account.is_staff = True
        return account.id
    if account is None:
        announcement = Account(subject=None, is_staff=True, created_at=now, updated_at=now)
        announcement.set_email(email, verified=None)
        session.add(announcement)
    return None


async def an_organization_administrator(session: AsyncSession) -> Account | None:
    """The first account with access as an organization administrator: GraphiQL's header in
    development (after `contacts seed-demo`, the demo's administrator)."""
    return await session.scalar(
        select(Account)
        .join(Contact, and_(Contact.account_id == Account.id, Contact.is_active))
        .join(ContactSecurityProfile, ContactSecurityProfile.contact_id == Contact.id)
        .where(ContactSecurityProfile.security_profile_code == "ORG_ADMIN")
        .order_by(Contact.id)
        .limit(1)
    )
