"""Accounts: a person's sign-in identity (My NS Account)."""

from __future__ import annotations

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.resolvers import ids
from contacts_api.schema.node import Node, rows_of


@strawberry.type(
    description=(
        "A person's sign-in identity (My NS Account). Visible to the person, to staff and to "
        "the members of an organization the person is a contact of."
    )
)
class Account(Node):
    is_type_of = rows_of(models.Account)

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
