"""Organizations: the programs' funded organizations, their contacts, invitations and trail."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.models.pagination import Page, PageRequest
from contacts_api.resolvers import ids, mutations
from contacts_api.resolvers import organizations as organization_fields
from contacts_api.resolvers import queries as query_fields
from contacts_api.resolvers.context import Info
from contacts_api.rules.catalogue import Profile
from contacts_api.rules.user_errors import RenderedUserError
from contacts_api.schema.audit import AuditEvent
from contacts_api.schema.connections import After, Before, Connection, First, Last
from contacts_api.schema.contacts import Contact, ContactConnection, ContactFilter
from contacts_api.schema.enums import InvitationStatus
from contacts_api.schema.errors import user_errors
from contacts_api.schema.invitations import Invitation
from contacts_api.schema.node import Node, rows_of
from contacts_api.schema.profiles import SecurityProfile


@strawberry.type(
    description=(
        "An organization funded by a labour-market program (LaMPSS), and the people who act "
        "for it: its contacts. Visible to its members (active contacts with access) and to "
        "staff."
    )
)
class Organization(Node):
    is_type_of = rows_of(models.Organization)

    @strawberry.field(description="The organization's global id.")
    @staticmethod
    def id(parent: Parent[models.Organization]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.ORGANIZATION, parent.id))

    name: str = strawberry.field(description="The organization's name.")
    provides_case_management: bool = strawberry.field(
        description="Provides case-management services with client tracking (Nova Scotia Works)."
    )

    @strawberry.field(
        graphql_type=Contact | None,
        description=(
            "The primary contact, listed first on the contacts page; null when none has been "
            "chosen."
        ),
    )
    @staticmethod
    async def primary_contact(
        parent: Parent[models.Organization], info: Info
    ) -> models.Contact | None:
        return await organization_fields.primary_contact(info.context, parent)

    notify_all_administrators: bool = strawberry.field(
        description=(
            "Notices about invitations (accepted, expired, undeliverable) go to every "
            "administrator; false: to the administrator who sent it (to all of them when that "
            "one no longer administers the organization). Changed by updateOrganization."
        )
    )
    access_lapse_days: int | None = strawberry.field(
        description=(
            "Access lapses by itself this many days after its review fell due (the contact "
            "stays active and keeps its profiles; its administrators are told); counted at the "
            "earliest from when the setting changed. Null: access never lapses by itself."
        )
    )

    @strawberry.field(
        description=(
            "Administrators only (0 for anyone else): how many contacts with access are due "
            "for review (list them with the filter accessReviewDue: true)."
        )
    )
    @staticmethod
    async def access_reviews_due(parent: Parent[models.Organization], info: Info) -> int:
        return await organization_fields.access_reviews_due(info.context, parent)

    @strawberry.field(
        graphql_type=ContactConnection,
        description=(
            "Contacts, primary contact first, then by last name and first name (case and "
            "accents ignored). 10 per page unless `first` or `last` says otherwise; at most 100."
        ),
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
    ) -> Page[models.Contact]:
        wanted = filter or ContactFilter()
        search = organization_fields.contact_search(
            info.context,
            last_name=wanted.last_name,
            first_name=wanted.first_name,
            email=wanted.email,
            profile_ids=wanted.security_profile_ids,
            active_only=wanted.active_only is not False,
            has_access=wanted.has_access,
            review_due=wanted.access_review_due,
        )
        return await organization_fields.contacts(
            info.context, parent, PageRequest(first, after, last, before), search
        )

    @strawberry.field(
        graphql_type=Connection[Invitation],
        description=(
            "Administrators only. Empty for anyone else; newest first; every invitation of the "
            "organization, each contact's earlier ones included."
        ),
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
    ) -> Page[models.Invitation]:
        return await organization_fields.invitations(
            info.context, parent, PageRequest(first, after, last, before), status
        )

    @strawberry.field(
        graphql_type=list[SecurityProfile],
        description=(
            "The profiles the viewer may assign in this organization (empty for "
            "non-administrators)."
        ),
    )
    @staticmethod
    def assignable_security_profiles(
        parent: Parent[models.Organization], info: Info
    ) -> list[Profile]:
        return organization_fields.assignable_security_profiles(info.context, parent)

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
        graphql_type=Connection[AuditEvent],
        description=(
            "Administrators only; newest first. Empty for anyone else. The audit trail of "
            "the organization and all its contacts."
        ),
    )
    @staticmethod
    async def audit_events(
        parent: Parent[models.Organization],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Page[models.AuditEvent]:
        return await organization_fields.audit_events(
            info.context, parent, PageRequest(first, after, last, before)
        )


@strawberry.input(description="A new organization, without contacts yet.")
class CreateOrganizationInput:
    name: str = strawberry.field(description="The organization's name, 1 to 200 characters.")
    provides_case_management: bool = strawberry.field(
        description=(
            "It provides case-management services with client tracking (Nova Scotia Works): "
            "its contacts then need an office location, a position type and an FTE, and the "
            "case-management profiles exist in it."
        )
    )


@strawberry.type(description="What createOrganization answers.")
class CreateOrganizationPayload:
    organization: models.Organization | None = strawberry.field(
        graphql_type=Organization | None,
        description="The new organization; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


@strawberry.input(description="The settings of an organization to change; those left out stay.")
class UpdateOrganizationInput:
    organization_id: strawberry.ID = strawberry.field(description="The organization to change.")
    notify_all_administrators: strawberry.Maybe[bool | None] = strawberry.field(
        description="See Organization.notifyAllAdministrators; null leaves it as it is."
    )
    access_lapse_days: strawberry.Maybe[int | None] = strawberry.field(
        description=(
            "See Organization.accessLapseDays: 1 to 3650 days, or null for never. A new value "
            "counts from now, so turning it on never removes access the same day."
        )
    )


@strawberry.type(description="What updateOrganization answers.")
class UpdateOrganizationPayload:
    organization: models.Organization | None = strawberry.field(
        graphql_type=Organization | None,
        description="The organization as changed; null when there are user errors.",
    )
    user_errors: list[RenderedUserError] = user_errors()


UpdateOrganizationArgument = Annotated[
    UpdateOrganizationInput,
    strawberry.argument(description="The organization and the settings to change."),
]
CreateOrganizationArgument = Annotated[
    CreateOrganizationInput, strawberry.argument(description="The organization to create.")
]


@strawberry.type
class OrganizationQueries:
    @strawberry.field(
        graphql_type=Organization | None,
        description="Null when it does not exist or the viewer may not see it.",
    )
    async def organization(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The organization's global id.")
        ],
    ) -> models.Organization | None:
        return await query_fields.organization(info.context, id)


@strawberry.type
class OrganizationMutations:
    @strawberry.mutation(
        graphql_type=CreateOrganizationPayload,
        description="Department staff only. Creates an organization, without contacts yet.",
    )
    async def create_organization(
        self, info: Info, input: CreateOrganizationArgument
    ) -> mutations.OrganizationChange:
        return await mutations.create_organization(info.context, input)

    @strawberry.mutation(
        graphql_type=UpdateOrganizationPayload,
        description=(
            "Change an organization's settings: whom notices go to, and whether access lapses "
            "by itself. Organization administrators (ORG_ADMIN) and staff only."
        ),
    )
    async def update_organization(
        self, info: Info, input: UpdateOrganizationArgument
    ) -> mutations.OrganizationChange:
        return await mutations.update_organization(info.context, input)
