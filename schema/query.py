"""The root query type: objects by id here, the rest from each domain's queries."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry

from contacts_api.resolvers import queries
from contacts_api.resolvers.context import Info
from contacts_api.schema.invitations import InvitationQueries
from contacts_api.schema.limits import RateLimitQueries
from contacts_api.schema.node import Node
from contacts_api.schema.organizations import OrganizationQueries
from contacts_api.schema.profiles import ProfileQueries
from contacts_api.schema.viewer import ViewerQueries


@strawberry.type(
    description=(
        "What can be read. Anonymous callers get viewer (null), securityProfiles, "
        "invitationPreview and introspection; anything else needs a signed-in caller "
        "(UNAUTHENTICATED error)."
    )
)
class Query(
    ViewerQueries, OrganizationQueries, ProfileQueries, InvitationQueries, RateLimitQueries
):
    @strawberry.field(
        graphql_type=Node | None,
        description=(
            "Any object by its global id; null when it does not exist or the viewer may not see it."
        ),
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> queries.Node | None:
        return await queries.node(info.context, id)

    @strawberry.field(
        graphql_type=list[Node | None],
        description=(
            "Several objects by global id, in the order asked; null for each one not found "
            "or not visible. At most 100 ids."
        ),
    )
    def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids, at most 100.")
        ],
    ) -> list[Awaitable[queries.Node | None]]:
        # Awaitables, so that graphql-core reports a malformed id at its own position.
        return queries.nodes(info.context, ids)
