"""The `Node` interface: every object that has a global id, which `node` and `nodes` fetch."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import Parent


@strawberry.interface(
    description="An object with a global id, which `node` and `nodes` fetch again."
)
class Node:
    @strawberry.field(
        description="The global id: opaque and stable across releases; never build or parse one."
    )
    @staticmethod
    def id(parent: Parent[Any]) -> strawberry.ID:
        """Each type says how its objects' ids are made."""
        raise NotImplementedError


def rows_of(model: type) -> Any:
    """`is_type_of` for a GraphQL type whose objects are rows (or values) of `model`."""

    def is_type_of(obj: object, _info: object) -> bool:
        return isinstance(obj, model)

    return staticmethod(is_type_of)
