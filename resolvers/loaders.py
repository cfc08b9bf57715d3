"""Per-request DataLoaders: each kind of related object costs one statement per batch.

A loader lives for one request only, so it never serves one viewer's data to another; a
mutation starts a fresh set so that its payload reads what it wrote.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, func, select, union
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import aggregate_strings
from strawberry.dataloader import DataLoader

from contacts_api.models import (
    Account,
    AuditEvent,
    Contact,
    ContactSecurityProfile,
    EmailDeliveryStatus,
    Invitation,
    InvitationSecurityProfile,
    Organization,
    OutboundEmail,
)
from contacts_api.models.database import RequestSession

Row = TypeVar("Row", Account, AuditEvent, Contact, Invitation, Organization)


def _latest_invitations_and_profiles() -> Select[Any]:
    latest = aliased(Invitation)
    latest_id = (
        select(func.max(latest.id))
        .where(latest.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )
    held_codes = (
        select(aggregate_strings(ContactSecurityProfile.security_profile_code, ","))
        .where(ContactSecurityProfile.contact_id == Contact.id)
        .correlate(Contact)
        .scalar_subquery()
    )
    granted = (
        select(aggregate_strings(InvitationSecurityProfile.security_profile_code, ","))
        .where(InvitationSecurityProfile.invitation_id == Invitation.id)
        .correlate(Invitation)
        .scalar_subquery()
    )
    return (
        select(Contact.id, held_codes, Invitation, granted)
        .select_from(Contact)
        .outerjoin(Invitation, Invitation.id == latest_id)
        .where(Contact.id.in_(bindparam("ids", expanding=True)))
    )


# The statements of every contacts page, built once: building one costs more than running it.
LATEST_INVITATIONS_AND_PROFILES = _latest_invitations_and_profiles()
COUNTS = (Organization.contact_count, Organization.active_contact_count)
ORGANIZATIONS_WITH_COUNTS = select(Organization, *COUNTS).where(
    Organization.id.in_(bindparam("ids", expanding=True))
)


@dataclass(frozen=True, slots=True)
class ContactCounts:
    """An organization's contacts: all of them, and the active ones."""

    every: int
    active: int


class Loaders:
    def __init__(self, db: RequestSession) -> None:
        self._db = db
        self.account = self._by_id(Account)
        self.organization = DataLoader(self._organizations)
        self.contact_counts = DataLoader(self._contact_counts)
        self.contact = self._by_id(Contact)
        self.invitation = self._by_id(Invitation)
        self.audit_event = self._by_id(AuditEvent)
        self.contact_profile_codes = DataLoader(self._contact_profile_codes)
        self.invitation_profile_codes = DataLoader(self._invitation_profile_codes)
        self.latest_invitation = DataLoader(self._latest_invitation)
        self.primary_contact = DataLoader(self._primary_contact)
        self.delivery_status = DataLoader(self._delivery_status)
        self.account_organization_ids = DataLoader(self._account_organization_ids)

    def _by_id(self, model: type[Row]) -> DataLoader[int, Row | None]:
        async def load(ids: Sequence[int]) -> list[Row | None]:
            rows = await self._db.scalars(select(model).where(model.id.in_(ids)))
            by_id = {row.id: row for row in rows}
            return [by_id.get(id_) for id_ in ids]

        return DataLoader(load)

    async def _organizations(self, ids: Sequence[int]) -> list[Organization | None]:
        """Organizations by id, with their contact counts in the same statement."""
        rows = await self._db.execute(ORGANIZATIONS_WITH_COUNTS, {"ids": ids})
        by_id: dict[int, Organization] = {}
        for organization, every, active in rows:
            by_id[organization.id] = organization
            self.contact_counts.prime(organization.id, ContactCounts(every, active))
        return [by_id.get(id_) for id_ in ids]

    async def _contact_counts(self, organization_ids: Sequence[int]) -> list[ContactCounts]:
        rows = await self._db.execute(
            select(Organization.id, *COUNTS).where(Organization.id.in_(organization_ids))
        )
        counts = {id_: ContactCounts(every, active) for id_, every, active in rows}
        return [counts.get(id_, ContactCounts(0, 0)) for id_ in organization_ids]

    async def _contact_profile_codes(self, contact_ids: Sequence[int]) -> list[frozenset[str]]:
        rows = await self._db.execute(
            select(
                ContactSecurityProfile.contact_id, ContactSecurityProfile.security_profile_code
            ).where(ContactSecurityProfile.contact_id.in_(contact_ids))
        )
        return _grouped(contact_ids, rows.all(), frozenset)

    async def _invitation_profile_codes(
        self, invitation_ids: Sequence[int]
    ) -> list[frozenset[str]]:
        rows = await self._db.execute(
            select(
                InvitationSecurityProfile.invitation_id,
                InvitationSecurityProfile.security_profile_code,
            ).where(InvitationSecurityProfile.invitation_id.in_(invitation_ids))
        )
        return _grouped(invitation_ids, rows.all(), frozenset)

    async def _latest_invitation(self, contact_ids: Sequence[int]) -> list[Invitation | None]:
        """Each contact's latest invitation, with what decides whether the viewer may manage
        the contact, in the same statement: the profiles the invitation grants and the ones
        the contact holds (both primed)."""
        rows = await self._db.execute(LATEST_INVITATIONS_AND_PROFILES, {"ids": contact_ids})
        by_contact: dict[int, Invitation | None] = {}
        for contact_id, held_codes, invitation, granted_codes in rows:
            by_contact[contact_id] = invitation
            self.contact_profile_codes.prime(contact_id, _codes(held_codes))
            if invitation is not None:
                self.invitation_profile_codes.prime(invitation.id, _codes(granted_codes))
        return [by_contact.get(contact_id) for contact_id in contact_ids]

    async def _primary_contact(self, organization_ids: Sequence[int]) -> list[Contact | None]:
        rows = await self._db.scalars(
            select(Contact).where(Contact.organization_id.in_(organization_ids), Contact.is_primary)
        )
        by_organization = {row.organization_id: row for row in rows}
        return [by_organization.get(organization_id) for organization_id in organization_ids]

    async def _delivery_status(self, email_ids: Sequence[int]) -> list[EmailDeliveryStatus]:
        rows = await self._db.execute(
            select(OutboundEmail.id, OutboundEmail.status).where(OutboundEmail.id.in_(email_ids))
        )
        statuses: dict[int, EmailDeliveryStatus] = dict(rows.all())
        return [statuses.get(email_id, EmailDeliveryStatus.QUEUED) for email_id in email_ids]

    async def _account_organization_ids(self, account_ids: Sequence[int]) -> list[frozenset[int]]:
        """Organizations an account belongs to (an active contact) or acted in."""
        rows = await self._db.execute(
            union(
                select(Contact.account_id, Contact.organization_id).where(
                    Contact.account_id.in_(account_ids), Contact.is_active
                ),
                select(Invitation.invited_by_id, Invitation.organization_id).where(
                    Invitation.invited_by_id.in_(account_ids)
                ),
                select(Invitation.revoked_by_id, Invitation.organization_id).where(
                    Invitation.revoked_by_id.in_(account_ids)
                ),
                select(AuditEvent.actor_id, AuditEvent.organization_id).where(
                    AuditEvent.actor_id.in_(account_ids)
                ),
            )
        )
        return _grouped(account_ids, rows.all(), frozenset)


def _codes(joined: str | None) -> frozenset[str]:
    """Profile codes aggregated by the database (codes hold no comma)."""
    return frozenset(joined.split(",")) if joined else frozenset()


def _grouped(
    keys: Sequence[Any], pairs: Sequence[Any], collect: Callable[[list[Any]], Any]
) -> list[Any]:
    groups: defaultdict[Any, list[Any]] = defaultdict(list)
    for key, value in pairs:
        groups[key].append(value)
    return [collect(groups.get(key, [])) for key in keys]
