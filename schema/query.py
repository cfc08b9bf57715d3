"""The root query type."""

from __future__ import annotations

from collections.abc import Awaitable

import strawberry

from resolvers import queries
from resolvers.context import Info
from schema.types import InvitationPreview, Node, Organization, SecurityProfile, Viewer


@strawberry.type
class Query:
    @strawberry.field(
        description="Any object by its global id; null when it does not exist or the viewer may not see it."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await queries.node(info.context, id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Several objects by global id, in the order asked; null for each one not found "
            "or not visible. At most 100 ids."
        )
    )
    def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        # Awaitables, so that graphql-core reports a malformed id at its own position.
        awaitables: list[Awaitable[object]] = queries.nodes(info.context, ids)
        return awaitables  # type: ignore[return-value]

    @strawberry.field(
        description="The signed-in caller; null when the request carries no valid credentials."
    )
    def viewer(self, info: Info) -> Viewer | None:
        return info.context.viewer  # type: ignore[return-value]

    @strawberry.field(description="Null when it does not exist or the viewer may not see it.")
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        return await queries.organization(info.context, id)  # type: ignore[return-value]

    @strawberry.field(description="The whole catalogue of security profiles.")
    def security_profiles(self, info: Info) -> list[SecurityProfile]:
        return queries.security_profiles(info.context)  # type: ignore[return-value]

    @strawberry.field(
        description="What the acceptance page shows before sign-in; null for an unknown token."
    )
    async def invitation_preview(self, info: Info, token: str) -> InvitationPreview | None:
        return await queries.invitation_preview(info.context, token)  # type: ignore[return-value]
