"""The object types of the API.

Objects travel as model rows; a field that is not a plain attribute delegates, in one line,
to the resolver function that owns its rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import Parent

import models
from resolvers import contacts as contact_fields
from resolvers import ids
from resolvers import invitations as invitation_fields
from resolvers import organizations as organization_fields
from resolvers import viewer as viewer_fields
from resolvers.authorization import Viewer as ViewerModel
from resolvers.catalogue import Profile
from resolvers.context import Info
from resolvers.pagination import Page, PageRequest
from schema.enums import (
    AuditAction,
    EmailDeliveryStatus,
    InvitationStatus,
    Language,
    PhoneKind,
    SecurityArea,
)
from schema.inputs import ContactFilter

PageArgument = Annotated[int | None, strawberry.argument(description="At most 100.")]


def _is(model: type) -> Any:
    """`is_type_of` for a type whose objects are rows of `model`."""

    def is_type_of(obj: object, _info: object) -> bool:
        return isinstance(obj, model)

    return staticmethod(is_type_of)


@strawberry.interface(description="An object with a global id.")
class Node:
    id: strawberry.ID


@strawberry.type(description="Where a page of a connection starts and ends.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(description="A person's sign-in identity (My NS Account).")
class Account(Node):
    is_type_of = _is(models.Account)

    @strawberry.field
    @staticmethod
    def id(parent: Parent[models.Account]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.ACCOUNT, parent.id))

    email: str
    name: str | None
    is_staff: bool = strawberry.field(
        description="Department staff: may act in every organization."
    )


@strawberry.type(description="A security profile of the catalogue: what a contact may do.")
class SecurityProfile(Node):
    is_type_of = _is(Profile)

    @strawberry.field
    @staticmethod
    def id(parent: Parent[Profile]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.SECURITY_PROFILE, parent.code))

    code: str

    @strawberry.field(
        description=(
            "In the language asked; without one, the request's Accept-Language (French or English)."
        )
    )
    @staticmethod
    def name(parent: Parent[Profile], info: Info, language: Language | None = None) -> str:
        return parent.name_in(language or info.context.language)

    area: SecurityArea
    is_administrator: bool


@strawberry.type(description="A phone number of a contact.")
class PhoneNumber:
    kind: PhoneKind
    number: str = strawberry.field(description="E.164, e.g. +19025550123.")
    extension: str | None
    display: str = strawberry.field(description="For display, e.g. (902) 555-0123 ext. 12.")


@strawberry.type(description="One field changed by an audited action.")
class FieldChange:
    field: str
    old_value: str | None
    new_value: str | None


@strawberry.type(
    description="An organization funded by the program, and the people who act for it."
)
class Organization(Node):
    is_type_of = _is(models.Organization)

    @strawberry.field
    @staticmethod
    def id(parent: Parent[models.Organization]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.ORGANIZATION, parent.id))

    name: str
    provides_case_management: bool = strawberry.field(
        description="Provides case-management services with client tracking (Nova Scotia Works)."
    )

    @strawberry.field
    @staticmethod
    async def primary_contact(parent: Parent[models.Organization], info: Info) -> Contact | None:
        return await organization_fields.primary_contact(info.context, parent)

    @strawberry.field(
        description=(
            "Contacts, primary contact first, then by last name and first name (case and "
            "accents ignored). 10 per page unless `first` or `last` says otherwise; at most 100."
        )
    )
    @staticmethod
    async def contacts(
        parent: Parent[models.Organization],
        info: Info,
        first: PageArgument = None,
        after: str | None = None,
        last: PageArgument = None,
        before: str | None = None,
        filter: ContactFilter | None = None,
    ) -> ContactConnection:
        search = filter or ContactFilter()
        return await organization_fields.contacts(  # type: ignore[return-value]
            info.context,
            parent,
            PageRequest(first, after, last, before),
            last_name=search.last_name,
            first_name=search.first_name,
            email=search.email,
            profile_ids=search.security_profile_ids,
            active_only=search.active_only is not False,
            has_access=search.has_access,
        )

    @strawberry.field(description="Administrators only; newest first.")
    @staticmethod
    async def invitations(
        parent: Parent[models.Organization],
        info: Info,
        first: PageArgument = None,
        after: str | None = None,
        last: PageArgument = None,
        before: str | None = None,
        status: list[InvitationStatus] | None = None,
    ) -> InvitationConnection:
        return await organization_fields.invitations(  # type: ignore[return-value]
            info.context, parent, PageRequest(first, after, last, before), status
        )

    @strawberry.field(
        description="The profiles the viewer may assign in this organization (empty for non-administrators)."
    )
    @staticmethod
    def assignable_security_profiles(
        parent: Parent[models.Organization], info: Info
    ) -> list[SecurityProfile]:
        return organization_fields.assignable_security_profiles(info.context, parent)  # type: ignore[return-value]

    @strawberry.field
    @staticmethod
    def viewer_is_administrator(parent: Parent[models.Organization], info: Info) -> bool:
        return organization_fields.viewer_is_administrator(info.context, parent)

    @strawberry.field(description="Administrators only; newest first.")
    @staticmethod
    async def audit_events(
        parent: Parent[models.Organization],
        info: Info,
        first: PageArgument = None,
        after: str | None = None,
        last: PageArgument = None,
        before: str | None = None,
    ) -> AuditEventConnection:
        return await organization_fields.audit_events(  # type: ignore[return-value]
            info.context, parent, PageRequest(first, after, last, before)
        )


@strawberry.type(description="A person authorized to act on behalf of an organization.")
class Contact(Node):
    is_type_of = _is(models.Contact)

    @strawberry.field
    @staticmethod
    def id(parent: Parent[models.Contact]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.CONTACT, parent.id))

    @strawberry.field
    @staticmethod
    async def organization(parent: Parent[models.Contact], info: Info) -> Organization:
        return await contact_fields.organization(info.context, parent)  # type: ignore[return-value]

    first_name: str
    last_name: str
    title: str | None
    email: str = strawberry.field(description="The email entered for this contact.")
    account_email: str | None = strawberry.field(
        description="The email of the linked My NS Account; null while none is linked."
    )
    emails: list[str] = strawberry.field(
        description="email, then accountEmail when it differs ignoring case."
    )
    phone_numbers: list[PhoneNumber]
    preferred_language: Language
    is_primary: bool

    @strawberry.field(description="Holds at least one administrator profile.")
    @staticmethod
    async def is_administrator(parent: Parent[models.Contact], info: Info) -> bool:
        return await contact_fields.is_administrator(info.context, parent)

    is_active: bool
    has_access: bool = strawberry.field(
        description="A My NS Account is linked and the contact is active."
    )

    @strawberry.field
    @staticmethod
    async def security_profiles(
        parent: Parent[models.Contact], info: Info
    ) -> list[SecurityProfile]:
        return await contact_fields.security_profiles(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(
        description="The most recent invitation, whatever its status; null if never invited."
    )
    @staticmethod
    async def invitation(parent: Parent[models.Contact], info: Info) -> Invitation | None:
        return await contact_fields.latest_invitation(info.context, parent)  # type: ignore[return-value]

    office_location: str | None = strawberry.field(
        description="Required when the organization provides case management."
    )
    position_type: str | None = strawberry.field(
        description="Required when the organization provides case management."
    )
    fte: float | None = strawberry.field(
        description=(
            "Full-time equivalent, above 0 and at most 1. "
            "Required when the organization provides case management."
        )
    )
    version: int = strawberry.field(
        description="Grows by one with every change; give it back as expectedVersion."
    )
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        description="Whether the viewer may edit, invite, deactivate or reactivate this contact."
    )
    @staticmethod
    async def viewer_can_manage(parent: Parent[models.Contact], info: Info) -> bool:
        return await contact_fields.viewer_can_manage(info.context, parent)

    @strawberry.field(description="Administrators only; newest first.")
    @staticmethod
    async def audit_events(
        parent: Parent[models.Contact],
        info: Info,
        first: PageArgument = None,
        after: str | None = None,
        last: PageArgument = None,
        before: str | None = None,
    ) -> AuditEventConnection:
        organization = await contact_fields.organization(info.context, parent)
        return await organization_fields.audit_events(  # type: ignore[return-value]
            info.context,
            organization,
            PageRequest(first, after, last, before),
            contact_id=parent.id,
        )


@strawberry.type(description="An emailed invitation to link a My NS Account to a contact.")
class Invitation(Node):
    is_type_of = _is(models.Invitation)

    @strawberry.field
    @staticmethod
    def id(parent: Parent[models.Invitation]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.INVITATION, parent.id))

    @strawberry.field
    @staticmethod
    async def contact(parent: Parent[models.Invitation], info: Info) -> Contact:
        return await invitation_fields.contact(info.context, parent)  # type: ignore[return-value]

    email: str = strawberry.field(description="Where it was sent.")

    @strawberry.field(description="The additional invitation message, if any.")
    @staticmethod
    def message(parent: Parent[models.Invitation], info: Info) -> str | None:
        return invitation_fields.message(info.context, parent)

    @strawberry.field
    @staticmethod
    def status(parent: Parent[models.Invitation], info: Info) -> InvitationStatus:
        return invitation_fields.status(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(description="Granted on acceptance.")
    @staticmethod
    async def security_profiles(
        parent: Parent[models.Invitation], info: Info
    ) -> list[SecurityProfile]:
        return await invitation_fields.security_profiles(info.context, parent)  # type: ignore[return-value]

    @strawberry.field
    @staticmethod
    async def invited_by(parent: Parent[models.Invitation], info: Info) -> Account | None:
        return await invitation_fields.account(info.context, parent.invited_by_id)  # type: ignore[return-value]

    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None

    @strawberry.field
    @staticmethod
    async def revoked_by(parent: Parent[models.Invitation], info: Info) -> Account | None:
        return await invitation_fields.account(info.context, parent.revoked_by_id)  # type: ignore[return-value]

    @strawberry.field
    @staticmethod
    async def delivery_status(parent: Parent[models.Invitation], info: Info) -> EmailDeliveryStatus:
        return await invitation_fields.delivery_status(info.context, parent)  # type: ignore[return-value]


@strawberry.type(description="What the acceptance page shows before sign-in.")
class InvitationPreview:
    organization_name: str
    contact_first_name: str
    invited_by_name: str | None
    status: InvitationStatus
    expires_at: datetime


@strawberry.type(description="A successful change, as the audit trail keeps it.")
class AuditEvent(Node):
    is_type_of = _is(models.AuditEvent)

    @strawberry.field
    @staticmethod
    def id(parent: Parent[models.AuditEvent]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.AUDIT_EVENT, parent.id))

    occurred_at: datetime
    action: AuditAction

    @strawberry.field(description="Null for the system itself.")
    @staticmethod
    async def actor(parent: Parent[models.AuditEvent], info: Info) -> Account | None:
        return await invitation_fields.account(info.context, parent.actor_id)  # type: ignore[return-value]

    @strawberry.field
    @staticmethod
    async def contact(parent: Parent[models.AuditEvent], info: Info) -> Contact | None:
        if parent.contact_id is None:
            return None
        return await info.context.loaders.contact.load(parent.contact_id)  # type: ignore[return-value]

    @strawberry.field
    @staticmethod
    def changes(parent: Parent[models.AuditEvent]) -> list[FieldChange]:
        return parent.field_changes  # type: ignore[return-value]


@strawberry.type(description="The signed-in caller.")
class Viewer:
    @strawberry.field
    @staticmethod
    def account(parent: Parent[ViewerModel]) -> Account:
        return parent.account  # type: ignore[return-value]

    @strawberry.field(description="The viewer's own contact records, one per organization.")
    @staticmethod
    async def contacts(parent: Parent[ViewerModel], info: Info) -> list[Contact]:
        return await viewer_fields.contacts(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(
        description="Organizations where the viewer is an active contact with access (every one, for staff)."
    )
    @staticmethod
    async def organizations(
        parent: Parent[ViewerModel],
        info: Info,
        first: PageArgument = None,
        after: str | None = None,
        last: PageArgument = None,
        before: str | None = None,
    ) -> OrganizationConnection:
        return await viewer_fields.organizations(  # type: ignore[return-value]
            info.context, parent, PageRequest(first, after, last, before)
        )


async def _total_count(parent: Parent[Page[Any]]) -> int:
    return await parent.total_count()


@strawberry.type
class OrganizationEdge:
    cursor: str
    node: Organization


@strawberry.type
class OrganizationConnection:
    edges: list[OrganizationEdge]
    nodes: list[Organization]
    page_info: PageInfo
    total_count: int = strawberry.field(resolver=_total_count)


@strawberry.type
class ContactEdge:
    cursor: str
    node: Contact


@strawberry.type
class ContactConnection:
    edges: list[ContactEdge]
    nodes: list[Contact]
    page_info: PageInfo
    total_count: int = strawberry.field(
        resolver=_total_count, description="All contacts that match the filter, on every page."
    )


@strawberry.type
class InvitationEdge:
    cursor: str
    node: Invitation


@strawberry.type
class InvitationConnection:
    edges: list[InvitationEdge]
    nodes: list[Invitation]
    page_info: PageInfo
    total_count: int = strawberry.field(resolver=_total_count)


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type
class AuditEventConnection:
    edges: list[AuditEventEdge]
    nodes: list[AuditEvent]
    page_info: PageInfo
    total_count: int = strawberry.field(resolver=_total_count)
