"""Who may do what: the single home of every access rule.

Resolvers and use cases ask these functions; none of them re-derives a rule. The rules are
plain functions of the viewer and the data, so tests call them directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.exc import IntegrityError

from auth import Claims
from models import Account, Contact, ContactSecurityProfile, Organization, SecurityArea
from models.database import RequestSession
from resolvers.catalogue import Catalogue


class Forbidden(Exception):
    """The signed-in viewer may not do this (answered as the FORBIDDEN error)."""


@dataclass(frozen=True, slots=True)
class Membership:
    """The viewer's active contact in one organization, and the profiles it holds."""

    contact_id: int
    profile_codes: frozenset[str]


@dataclass(frozen=True, slots=True)
class Viewer:
    account: Account
    memberships: Mapping[int, Membership] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.account.is_staff


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
    return membership is not None and any(
        catalogue[code].is_administrator for code in membership.profile_codes
    )


def assignable_profile_codes(
    viewer: Viewer | None, organization: Organization, catalogue: Catalogue
) -> frozenset[str]:
    """The profiles the viewer may grant in `organization`.

    Staff and organization administrators grant every profile; an area administrator grants
    its own area's profiles; case-management profiles exist only in organizations that
    provide case management.
    """
    if viewer is None:
        return frozenset()
    if viewer.is_staff:
        areas = set(SecurityArea)
    else:
        membership = viewer.memberships.get(organization.id)
        held = membership.profile_codes if membership else frozenset()
        administered = {catalogue[code].area for code in held if catalogue[code].is_administrator}
        areas = set(SecurityArea) if SecurityArea.ORGANIZATION in administered else administered
    if not organization.provides_case_management:
        areas.discard(SecurityArea.CASE_MANAGEMENT)
    return frozenset(profile.code for profile in catalogue.profiles if profile.area in areas)


def may_manage_contact(
    viewer: Viewer | None,
    organization: Organization,
    catalogue: Catalogue,
    *,
    held_codes: Iterable[str],
    pending_invitation_codes: Iterable[str] = (),
) -> bool:
    """Administrators manage a contact when they could assign every profile involved."""
    if not is_administrator(viewer, organization.id, catalogue):
        return False
    assignable = assignable_profile_codes(viewer, organization, catalogue)
    return {*held_codes, *pending_invitation_codes} <= assignable


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
    rows = (await db.execute(VIEWER_WITH_MEMBERSHIPS, {"subject": claims.subject})).all()
    if not rows:
        await db.begin_write()
        account = await _claim_or_create_account(db, claims, now)
        rows = [(account, None, None, None)]
    account = rows[0][0]
    if account.email != claims.email or account.name != claims.name:
        await db.begin_write()
        await _refresh_account(db, account, claims, now)

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
    account.email, account.name, account.updated_at = claims.email, claims.name, now
    await db.execute(
        update(Contact).where(Contact.account_id == account.id).values(account_email=claims.email)
    )
    await db.session.flush()


async def _claim_or_create_account(db: RequestSession, claims: Claims, now: datetime) -> Account:
    """A staff account announced by email is claimed by its first sign-in; else a new one."""
    announced = await db.scalar(
        select(Account)
        .where(Account.subject.is_(None), Account.email == claims.email.casefold())
        .limit(1)
    )
    if announced is not None:
        announced.subject = claims.subject
        await db.session.flush()
        return announced
    account = Account(
        subject=claims.subject,
        email=claims.email,
        name=claims.name,
        is_staff=False,
        created_at=now,
        updated_at=now,
    )
    try:
        async with db.session.begin_nested():
            db.session.add(account)
    except IntegrityError:
        # Another request signed the same person in first.
        return (await db.scalars(select(Account).where(Account.subject == claims.subject)))[0]
    return account
