"""graphql-core's executor, with a short way for the fields that most responses are made of.

Most fields of a page are plain attributes of a row holding a scalar or an enum (a contact's
name, its email, its flags). The executor builds a resolve-info object, an argument map and a
completion chain for each of them, and Strawberry's resolver three calls more; here such a
field reads the attribute as Strawberry's default resolver does and coerces it with the same
scalar, which is what the long way ends in. Anything else (null in a non-null field, a value
the scalar refuses, an exception, a middleware, arguments) takes the long way, which then
reports it exactly as graphql-core does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField


@dataclass(frozen=True, slots=True)
class PlainLeaf:
    """A field whose value is `getattr(source, attribute)` coerced by `leaf_type`."""

    attribute: str
    leaf_type: GraphQLLeafType
    nullable: bool


def plain_leaf(field_def: GraphQLField) -> PlainLeaf | None:
    """How to read `field_def` the short way, or None when only the long way will do."""
    definition = field_def.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    # Strawberry marks the resolver of a field that only reads its attribute.
    if (
        not isinstance(definition, StrawberryField)
        or not getattr(field_def.resolve, "_is_default", False)
        or definition.default_resolver is not getattr
        or field_def.args
    ):
        return None
    field_type = field_def.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    leaf_type = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):
        return None
    return PlainLeaf(definition.python_name, leaf_type, nullable)


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    # Keyed by the field definition's id (definitions are not hashable), each entry holding
    # its definition so that an id reused by a later schema cannot match.
    _plans: dict[int, tuple[GraphQLField, PlainLeaf | None]] = {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        value = self._short_way(parent_type, source, field_details_list)
        if value is not Undefined:
            return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _short_way(
        self, parent_type: GraphQLObjectType, source: Any, field_details_list: FieldDetailsList
    ) -> Any:
        """The field's coerced value if it is a plain leaf attribute; Undefined otherwise."""
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)
        if field_def is None:
            return Undefined
        known = self._plans.get(id(field_def))
        if known is None or known[0] is not field_def:
            known = self._plans[id(field_def)] = (field_def, plain_leaf(field_def))
        plan = known[1]
        if plan is None or node.arguments:
            return Undefined
        middleware = self.middleware_manager
        if middleware is not None:
            resolve = field_def.resolve
            if middleware.get_field_resolver(resolve) is not resolve:
                return Undefined
        try:
            value = getattr(source, plan.attribute)
            if value is None:
                return None if plan.nullable else Undefined
            coerced = plan.leaf_type.coerce_output_value(value)
        except Exception:  # the long way reports it
            return Undefined
        return Undefined if coerced is None else coerced
