"""The root query type."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry

from contacts_api.resolvers import queries
from contacts_api.resolvers.context import Info
from contacts_api.schema.types import InvitationPreview, Node, Organization, SecurityProfile, Viewer


@strawberry.type(
    description=(
        "What can be read. Anonymous callers get viewer (null), securityProfiles, "
        "invitationPreview and introspection; anything else needs a signed-in caller "
        "(UNAUTHENTICATED error)."
    )
)
class Query:
    @strawberry.field(
        description="Any object by its global id; null when it does not exist or the viewer may not see it."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        return await queries.node(info.context, id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "Several objects by global id, in the order asked; null for each one not found "
            "or not visible. At most 100 ids."
        )
    )
    def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids, at most 100.")
        ],
    ) -> list[Node | None]:
        # Awaitables, so that graphql-core reports a malformed id at its own position.
        awaitables: list[Awaitable[object]] = queries.nodes(info.context, ids)
        return awaitables  # type: ignore[return-value]

    @strawberry.field(
        description="The signed-in caller; null when the request carries no valid credentials."
    )
    def viewer(self, info: Info) -> Viewer | None:
        return info.context.viewer  # type: ignore[return-value]

    @strawberry.field(description="Null when it does not exist or the viewer may not see it.")
    async def organization(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The organization's global id.")
        ],
    ) -> Organization | None:
        return await queries.organization(info.context, id)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The whole catalogue of security profiles. The same everywhere, in catalogue order; "
            "open to anyone."
        )
    )
    def security_profiles(self, info: Info) -> list[SecurityProfile]:
        return queries.security_profiles(info.context)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "What the acceptance page shows before sign-in; null for an unknown token. Open to "
            "anyone holding the link."
        )
    )
    async def invitation_preview(
        self,
        info: Info,
        token: Annotated[
            str,
            strawberry.argument(
                description=(
                    "The secret from the invitation link. It is the last part of "
                    "{PUBLIC_URL}/invitations/{token}."
                )
            ),
        ],
    ) -> InvitationPreview | None:
        return await queries.invitation_preview(info.context, token)  # type: ignore[return-value]
