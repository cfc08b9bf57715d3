"""The signed-in caller, and what it may reach."""

from __future__ import annotations

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.models.pagination import Page, PageRequest
from contacts_api.resolvers import viewer as viewer_fields
from contacts_api.resolvers.context import Info
from contacts_api.rules import authorization
from contacts_api.schema.accounts import Account
from contacts_api.schema.connections import After, Before, Connection, First, Last
from contacts_api.schema.contacts import Contact
from contacts_api.schema.organizations import Organization


@strawberry.type(description="The signed-in caller, and what it may reach.")
class Viewer:
    @strawberry.field(
        graphql_type=Account, description="The caller's sign-in identity (My NS Account)."
    )
    @staticmethod
    def account(parent: Parent[authorization.Viewer]) -> authorization.AccountState:
        return parent.account

    @strawberry.field(
        graphql_type=list[Contact],
        description=(
            "The viewer's own contact records, one per organization. They are the active "
            "contacts its account is linked to."
        ),
    )
    @staticmethod
    async def contacts(parent: Parent[authorization.Viewer], info: Info) -> list[models.Contact]:
        return await viewer_fields.contacts(info.context, parent)

    @strawberry.field(
        graphql_type=Connection[Organization],
        description=(
            "Organizations where the viewer is an active contact with access (every one, for "
            "staff). By name."
        ),
    )
    @staticmethod
    async def organizations(
        parent: Parent[authorization.Viewer],
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Page[models.Organization]:
        return await viewer_fields.organizations(
            info.context, parent, PageRequest(first, after, last, before)
        )


@strawberry.type
class ViewerQueries:
    @strawberry.field(
        graphql_type=Viewer | None,
        description="The signed-in caller; null when the request carries no valid credentials.",
    )
    def viewer(self, info: Info) -> authorization.Viewer | None:
        return info.context.viewer
