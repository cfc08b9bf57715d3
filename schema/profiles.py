"""The security profile catalogue: what a contact may do in one area of LaMPSS."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import Parent

from contacts_api.resolvers import ids
from contacts_api.resolvers import queries as query_fields
from contacts_api.resolvers.context import Info
from contacts_api.rules.catalogue import Profile
from contacts_api.schema.enums import Language, SecurityArea
from contacts_api.schema.node import Node, rows_of


@strawberry.type(
    description=(
        "A security profile of the catalogue (the same everywhere): what a contact may do in "
        "one area of LaMPSS."
    )
)
class SecurityProfile(Node):
    is_type_of = rows_of(Profile)

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


@strawberry.type
class ProfileQueries:
    @strawberry.field(
        graphql_type=list[SecurityProfile],
        description=(
            "The whole catalogue of security profiles. The same everywhere, in catalogue order; "
            "open to anyone."
        ),
    )
    def security_profiles(self, info: Info) -> list[Profile]:
        return query_fields.security_profiles(info.context)
