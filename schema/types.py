"""The object types of the API.

Objects travel as model rows; a field that is not a plain attribute delegates, in one line,
to the resolver function that owns its rule.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.models.pagination import Page, PageRequest
from contacts_api.resolvers import contacts as contact_fields
from contacts_api.resolvers import ids
from contacts_api.resolvers import invitations as invitation_fields
from contacts_api.resolvers import organizations as organization_fields
from contacts_api.resolvers import viewer as viewer_fields
from contacts_api.resolvers.context import Info
from contacts_api.resolvers.lookahead import selected_names
from contacts_api.rules.authorization import Viewer as ViewerModel
from contacts_api.rules.catalogue import Profile
from contacts_api.schema.enums import (
    AuditAction,
    EmailDeliveryStatus,
    InvitationStatus,
    Language,
    PhoneKind,
    SecurityArea,
)
from contacts_api.schema.inputs import ContactFilter

First = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "How many items to return from the start of the list, or after `after`: 0 to 100. "
            "10 when neither `first` nor `last` is given; not together with `last`."
        )
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A cursor of this list (an edge's `cursor`, or `pageInfo.endCursor` for the next "
            "page): return the items after it."
        )
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "How many items to return from the end of the list, or before `before`: 0 to 100. "
            "Not together with `first`."
        )
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A cursor of this list (an edge's `cursor`, or `pageInfo.startCursor` for the "
            "previous page): return the items before it."
        )
    ),
]


def _is(model: type) -> Any:
    """`is_type_of` for a type whose objects are rows of `model`."""

    def is_type_of(obj: object, _info: object) -> bool:
        return isinstance(obj, model)

    return staticmethod(is_type_of)


@strawberry.interface(
    description="An object with a global id, which `node` and `nodes` fetch again."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="The global id: opaque and stable across releases; never build or parse one."
    )


@strawberry.type(
    description="Where a page of a connection starts and ends, and whether there is more."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description=(
            "Paging forward (`first`): more items follow this page. Paging backward (`last`): "
            "true when `before` was given."
        )
    )
    has_previous_page: bool = strawberry.field(
        description=(
            "Paging backward (`last`): more items precede this page. Paging forward (`first`): "
            "true when `after` was given."
        )
    )
    start_cursor: str | None = strawberry.field(
        description=(
            "The cursor of the page's first item, to give as `before` for the previous page; "
            "null when the page is empty."
        )
    )
    end_cursor: str | None = strawberry.field(
        description=(
            "The cursor of the page's last item, to give as `after` for the next page; null "
            "when the page is empty."
        )
    )


@strawberry.type(
    description=(
        "A person's sign-in identity (My NS Account). Visible to the person, to staff and to "
        "the members of an organization the person is a contact of."
    )
)
class Account(Node):
    is_type_of = _is(models.Account)

    @strawberry.field(description="The account's global id.")
    @staticmethod
    def id(parent: Parent[models.Account]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.ACCOUNT, parent.id))

    email: str = strawberry.field(
        description="The account's email, as the identity provider gave it at the last sign-in."
    )
    name: str | None = strawberry.field(
        description=(
            "The person's name, as the identity provider gave it at the last sign-in; null "
            "when it gave none."
        )
    )
    is_staff: bool = strawberry.field(
        description="Department staff: may act in every organization."
    )


@strawberry.type(
    description=(
        "A security profile of the catalogue (the same everywhere): what a contact may do in "
        "one area of LaMPSS."
    )
)
class SecurityProfile(Node):
    is_type_of = _is(Profile)

    @strawberry.field(description="The profile's global id, as given in `securityProfileIds`.")
    @staticmethod
    def id(parent: Parent[Profile]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.SECURITY_PROFILE, parent.code))

    code: str = strawberry.field(
        description="The profile's stable code, e.g. ORG_ADMIN, FA_SIGNER or CM_PRACTITIONER."
    )

    @strawberry.field(
        description=(
            "In the language asked; without one, the request's Accept-Language (French or English)."
        )
    )
    @staticmethod
    def name(
        parent: Parent[Profile],
        info: Info,
        language: Annotated[
            Language | None,
            strawberry.argument(
                description="The language of the name; null or left out: the request's."
            ),
        ] = None,
    ) -> str:
        return parent.name_in(language or info.context.language)

    area: SecurityArea = strawberry.field(description="The part of LaMPSS it gives access to.")
    is_administrator: bool = strawberry.field(
        description=(
            "An administrator profile (ORG_ADMIN, FA_ADMIN, CM_ADMIN): its holders may add "
            "contacts, and manage those whose profiles they may assign."
        )
    )


@strawberry.type(description="A phone number of a contact.")
class PhoneNumber:
    kind: PhoneKind = strawberry.field(description="What the number is for.")
    number: str = strawberry.field(description="E.164, e.g. +19025550123.")
    extension: str | None = strawberry.field(
        description="The extension, digits only; null when there is none."
    )
    display: str = strawberry.field(description="For display, e.g. (902) 555-0123 ext. 12.")


@strawberry.type(
    description="One field changed by an audited action, with its values before and after."
)
class FieldChange:
    field: str = strawberry.field(
        description=(
            "The field's name as in the API, e.g. lastName, isActive, securityProfiles or "
            "invitation."
        )
    )
    old_value: str | None = strawberry.field(
        description=(
            "The value before, as text (booleans true or false, lists comma-separated, "
            "profiles by code); null when there was none."
        )
    )
    new_value: str | None = strawberry.field(
        description="The value after, as text like oldValue; null when it was cleared."
    )


@strawberry.type(
    description=(
        "An organization funded by a labour-market program (LaMPSS), and the people who act "
        "for it: its contacts. Visible to its members (active contacts with access) and to "
        "staff."
    )
)
class Organization(Node):
    is_type_of = _is(models.Organization)

    @strawberry.field(description="The organization's global id.")
    @staticmethod
    def id(parent: Parent[models.Organization]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.ORGANIZATION, parent.id))

    name: str = strawberry.field(description="The organization's name.")
    provides_case_management: bool = strawberry.field(
        description="Provides case-management services with client tracking (Nova Scotia Works)."
    )

    @strawberry.field(
        description=(
            "The primary contact, listed first on the contacts page; null when none has been "
            "chosen."
        )
    )
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
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            ContactFilter | None,
            strawberry.argument(
                description="Which contacts (the contact search); without it, the active ones."
            ),
        ] = None,
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
            selected=selected_names(info, ("edges", "node"), ("nodes",)),
        )

    @strawberry.field(
        description=(
            "Administrators only. Empty for anyone else; newest first; every invitation of the "
            "organization, each contact's earlier ones included."
        )
    )
    @staticmethod
    async def invitations(
        parent: Parent[models.Organization],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            list[InvitationStatus] | None,
            strawberry.argument(
                description=(
                    "Only invitations in one of these statuses (at most 100 values, repeats "
                    "count once); every status when left out."
                )
            ),
        ] = None,
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

    @strawberry.field(
        description=(
            "The viewer holds an administrator profile in this organization, or is staff: it "
            "may add contacts and see invitations and the audit trail."
        )
    )
    @staticmethod
    def viewer_is_administrator(parent: Parent[models.Organization], info: Info) -> bool:
        return organization_fields.viewer_is_administrator(info.context, parent)

    @strawberry.field(
        description=(
            "Administrators only; newest first. Empty for anyone else. The audit trail of "
            "the organization and all its contacts."
        )
    )
    @staticmethod
    async def audit_events(
        parent: Parent[models.Organization],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AuditEventConnection:
        return await organization_fields.audit_events(  # type: ignore[return-value]
            info.context, parent, PageRequest(first, after, last, before)
        )


@strawberry.type(
    description=(
        "A person authorized to act on behalf of an organization (personne-ressource): one row "
        "of the Organization Contacts page. A contact may sign contracts without LaMPSS access. "
        "Visible to the organization's members and to staff."
    )
)
class Contact(Node):
    is_type_of = _is(models.Contact)

    @strawberry.field(description="The contact's global id.")
    @staticmethod
    def id(parent: Parent[models.Contact]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.CONTACT, parent.id))

    @strawberry.field(description="The organization it acts for.")
    @staticmethod
    def organization(parent: Parent[models.Contact], info: Info) -> Organization:
        return contact_fields.organization(info.context, parent)  # type: ignore[return-value]

    first_name: str = strawberry.field(description="First name, 1 to 100 characters.")
    last_name: str = strawberry.field(description="Last name, 1 to 100 characters.")
    title: str | None = strawberry.field(
        description="Job title, at most 150 characters; null when none was entered."
    )
    email: str = strawberry.field(description="The email entered for this contact.")
    account_email: str | None = strawberry.field(
        description="The email of the linked My NS Account; null while none is linked."
    )
    emails: list[str] = strawberry.field(
        description=(
            "email, then accountEmail when it differs ignoring case. The one or two emails "
            "the contacts page shows."
        )
    )
    phone_numbers: list[PhoneNumber] = strawberry.field(
        description="At most 5, in the order entered; empty when none was entered."
    )
    preferred_language: Language = strawberry.field(
        description="The language the contact's emails, such as the invitation, are written in."
    )
    is_primary: bool = strawberry.field(
        description=(
            "The organization's primary contact, listed first; at most one per organization, "
            "always active."
        )
    )

    @strawberry.field(description="Holds at least one administrator profile.")
    @staticmethod
    def is_administrator(parent: Parent[models.Contact], info: Info) -> bool:
        return contact_fields.is_administrator(info.context, parent)  # type: ignore[return-value]

    is_active: bool = strawberry.field(
        description=(
            "Active. An inactive contact stays in the organization's list (shown with "
            "activeOnly: false) but has no access until it is reactivated."
        )
    )
    has_access: bool = strawberry.field(
        description=(
            'A My NS Account is linked and the contact is active. Shown as "LaMPSS access" '
            '(false: "No LaMPSS access").'
        )
    )

    @strawberry.field(
        description=(
            "The security profiles (permissions) the contact holds, in catalogue order; "
            'empty shows as "None".'
        )
    )
    @staticmethod
    def security_profiles(parent: Parent[models.Contact], info: Info) -> list[SecurityProfile]:
        return contact_fields.security_profiles(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(
        description="The most recent invitation, whatever its status; null if never invited."
    )
    @staticmethod
    def invitation(parent: Parent[models.Contact], info: Info) -> Invitation | None:
        return contact_fields.latest_invitation(info.context, parent)  # type: ignore[return-value]

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
    created_at: datetime = strawberry.field(description="When the contact was added.")
    updated_at: datetime = strawberry.field(description="When the contact last changed.")

    @strawberry.field(
        description="Whether the viewer may edit, invite, deactivate or reactivate this contact."
    )
    @staticmethod
    def viewer_can_manage(parent: Parent[models.Contact], info: Info) -> bool:
        return contact_fields.viewer_can_manage(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Administrators only; newest first. Empty for anyone else. The audit events of "
            "this contact."
        )
    )
    @staticmethod
    async def audit_events(
        parent: Parent[models.Contact],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> AuditEventConnection:
        return await organization_fields.contact_audit_events(  # type: ignore[return-value]
            info.context, parent, PageRequest(first, after, last, before)
        )


@strawberry.type(
    description=(
        "An emailed invitation to link a My NS Account to a contact, which gives the contact "
        "LaMPSS access with the invitation's profiles. Visible to the organization's members "
        "and to staff; its message only to administrators."
    )
)
class Invitation(Node):
    is_type_of = _is(models.Invitation)

    @strawberry.field(description="The invitation's global id.")
    @staticmethod
    def id(parent: Parent[models.Invitation]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.INVITATION, parent.id))

    @strawberry.field(description="The contact invited.")
    @staticmethod
    async def contact(parent: Parent[models.Invitation], info: Info) -> Contact:
        return await invitation_fields.contact(info.context, parent)  # type: ignore[return-value]

    email: str = strawberry.field(description="Where it was sent. The contact's email at the time.")

    @strawberry.field(
        description=(
            "The additional invitation message, if any. Administrators only: null for anyone else."
        )
    )
    @staticmethod
    def message(parent: Parent[models.Invitation], info: Info) -> str | None:
        return invitation_fields.message(info.context, parent)

    @strawberry.field(description="Where it stands at the time of the request.")
    @staticmethod
    def status(parent: Parent[models.Invitation], info: Info) -> InvitationStatus:
        return invitation_fields.status(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(
        description="Granted on acceptance. Added to the profiles the contact already holds."
    )
    @staticmethod
    def security_profiles(parent: Parent[models.Invitation], info: Info) -> list[SecurityProfile]:
        return invitation_fields.security_profiles(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(description="The account that sent it; null when not recorded.")
    @staticmethod
    async def invited_by(parent: Parent[models.Invitation], info: Info) -> Account | None:
        return await invitation_fields.account(info.context, parent.invited_by_id)  # type: ignore[return-value]

    sent_at: datetime = strawberry.field(
        description="When it was last emailed: first sent, or last resent."
    )
    expires_at: datetime = strawberry.field(
        description="When its link stops working: 30 days (INVITATION_TTL_DAYS) after sentAt."
    )
    accepted_at: datetime | None = strawberry.field(
        description="When the invitee accepted it; null until then."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was withdrawn; null unless revoked."
    )

    @strawberry.field(description="The account that withdrew it; null unless revoked.")
    @staticmethod
    async def revoked_by(parent: Parent[models.Invitation], info: Info) -> Account | None:
        return await invitation_fields.account(info.context, parent.revoked_by_id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "How far its latest email has got: a resent invitation shows the new email's status."
        )
    )
    @staticmethod
    async def delivery_status(parent: Parent[models.Invitation], info: Info) -> EmailDeliveryStatus:
        return await invitation_fields.delivery_status(info.context, parent)  # type: ignore[return-value]


@strawberry.type(
    description=(
        "What the acceptance page shows before sign-in, to anyone holding the link's token: "
        "enough to recognize the invitation, nothing more."
    )
)
class InvitationPreview:
    organization_name: str = strawberry.field(
        description="The name of the organization the invitee is to act for."
    )
    contact_first_name: str = strawberry.field(
        description="The invited contact's first name, to greet the invitee."
    )
    invited_by_name: str | None = strawberry.field(
        description="The name of the person who sent it; null when their account has none."
    )
    status: InvitationStatus = strawberry.field(
        description="Where it stands; only a PENDING invitation can be accepted."
    )
    expires_at: datetime = strawberry.field(description="When its link stops working.")


@strawberry.type(
    description=(
        "A successful change, as the audit trail keeps it (never a token). Administrators "
        "of the organization and staff only."
    )
)
class AuditEvent(Node):
    is_type_of = _is(models.AuditEvent)

    @strawberry.field(description="The event's global id.")
    @staticmethod
    def id(parent: Parent[models.AuditEvent]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.AUDIT_EVENT, parent.id))

    occurred_at: datetime = strawberry.field(description="When the change was made.")
    action: AuditAction = strawberry.field(description="What was done.")

    @strawberry.field(description="The account that made the change. Null for the system itself.")
    @staticmethod
    async def actor(parent: Parent[models.AuditEvent], info: Info) -> Account | None:
        return await invitation_fields.account(info.context, parent.actor_id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The contact the change concerns; null for a change to the organization itself "
            "(ORGANIZATION_CREATED)."
        )
    )
    @staticmethod
    async def contact(parent: Parent[models.AuditEvent], info: Info) -> Contact | None:
        if parent.contact_id is None:
            return None
        return await info.context.loaders.contact.load(parent.contact_id)  # type: ignore[return-value]

    @strawberry.field(
        description="Each field changed, with its old and new value; empty when none is listed."
    )
    @staticmethod
    def changes(parent: Parent[models.AuditEvent]) -> list[FieldChange]:
        return parent.field_changes  # type: ignore[return-value]


@strawberry.type(description="The signed-in caller, and what it may reach.")
class Viewer:
    @strawberry.field(description="The caller's sign-in identity (My NS Account).")
    @staticmethod
    def account(parent: Parent[ViewerModel]) -> Account:
        return parent.account  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The viewer's own contact records, one per organization. They are the active contacts its "
            "account is linked to."
        )
    )
    @staticmethod
    async def contacts(parent: Parent[ViewerModel], info: Info) -> list[Contact]:
        return await viewer_fields.contacts(info.context, parent)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Organizations where the viewer is an active contact with access (every one, for "
            "staff). By name."
        )
    )
    @staticmethod
    async def organizations(
        parent: Parent[ViewerModel],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> OrganizationConnection:
        return await viewer_fields.organizations(  # type: ignore[return-value]
            info.context, parent, PageRequest(first, after, last, before)
        )


async def _total_count(parent: Parent[Page[Any]]) -> int:
    return await parent.total_count()


@strawberry.type(description="One organization of a page, with its cursor.")
class OrganizationEdge:
    cursor: str = strawberry.field(
        description="Where the organization is in the list: give it as `after` or `before`."
    )
    node: Organization = strawberry.field(description="The organization.")


@strawberry.type(description="A page of organizations, by name.")
class OrganizationConnection:
    edges: list[OrganizationEdge] = strawberry.field(
        description="The organizations of this page, each with its cursor."
    )
    nodes: list[Organization] = strawberry.field(
        description="The organizations of this page, without cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page starts and ends.")
    total_count: int = strawberry.field(
        resolver=_total_count, description="All organizations of the list, on every page."
    )


@strawberry.type(description="One contact of a page, with its cursor.")
class ContactEdge:
    cursor: str = strawberry.field(
        description="Where the contact is in the list: give it as `after` or `before`."
    )
    node: Contact = strawberry.field(description="The contact.")


@strawberry.type(
    description="A page of contacts: the primary contact first, then by last name and first name."
)
class ContactConnection:
    edges: list[ContactEdge] = strawberry.field(
        description="The contacts of this page, each with its cursor."
    )
    nodes: list[Contact] = strawberry.field(
        description="The contacts of this page, without cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page starts and ends.")
    total_count: int = strawberry.field(
        resolver=_total_count, description="All contacts that match the filter, on every page."
    )


@strawberry.type(description="One invitation of a page, with its cursor.")
class InvitationEdge:
    cursor: str = strawberry.field(
        description="Where the invitation is in the list: give it as `after` or `before`."
    )
    node: Invitation = strawberry.field(description="The invitation.")


@strawberry.type(description="A page of invitations, newest first.")
class InvitationConnection:
    edges: list[InvitationEdge] = strawberry.field(
        description="The invitations of this page, each with its cursor."
    )
    nodes: list[Invitation] = strawberry.field(
        description="The invitations of this page, without cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page starts and ends.")
    total_count: int = strawberry.field(
        resolver=_total_count,
        description="All invitations that match the status filter, on every page.",
    )


@strawberry.type(description="One audit event of a page, with its cursor.")
class AuditEventEdge:
    cursor: str = strawberry.field(
        description="Where the audit event is in the list: give it as `after` or `before`."
    )
    node: AuditEvent = strawberry.field(description="The audit event.")


@strawberry.type(description="A page of audit events, newest first.")
class AuditEventConnection:
    edges: list[AuditEventEdge] = strawberry.field(
        description="The audit events of this page, each with its cursor."
    )
    nodes: list[AuditEvent] = strawberry.field(
        description="The audit events of this page, without cursors."
    )
    page_info: PageInfo = strawberry.field(description="Where this page starts and ends.")
    total_count: int = strawberry.field(
        resolver=_total_count, description="All events of the list, on every page."
    )
