"""graphql-core's executor, with a short way for the fields that most responses are made of.

Most fields of a page are plain attributes of a row holding a scalar or an enum (a contact's
name, its email, its flags). The executor builds a resolve-info object, an argument map and a
completion chain for each of them; here such a field reads the attribute through the same
Strawberry resolver and coerces it with the same scalar, which is what the long way ends in.
Anything unusual (null in a non-null field, a value the scalar refuses, an exception, a
middleware) takes the long way, which then reports it exactly as graphql-core does.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLNonNull, GraphQLObjectType, Undefined, is_leaf_type
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import AwaitableOrValue, Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class ExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> AwaitableOrValue[Any]:
        value = self._plain_leaf(parent_type, source, field_details_list)
        if value is not Undefined:
            return value
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _plain_leaf(
        self, parent_type: GraphQLObjectType, source: Any, field_details_list: FieldDetailsList
    ) -> Any:
        """The field's coerced value if it is a plain scalar attribute; Undefined otherwise."""
        node = field_details_list[0].node
        if node.arguments:
            return Undefined
        field_def = parent_type.fields.get(node.name.value)
        # Strawberry marks the resolver of a field that only reads its attribute.
        if field_def is None or not getattr(field_def.resolve, "_is_default", False):
            return Undefined
        resolve = field_def.resolve
        middleware = self.middleware_manager
        if middleware is not None and middleware.get_field_resolver(resolve) is not resolve:
            return Undefined
        leaf_type = field_def.type
        nullable = not isinstance(leaf_type, GraphQLNonNull)
        if not nullable:
            leaf_type = leaf_type.of_type
        if not is_leaf_type(leaf_type):
            return Undefined
        try:
            value = resolve(source, None)
            if value is None:
                return None if nullable else Undefined
            coerced = leaf_type.coerce_output_value(value)  # type: ignore[union-attr]
        except Exception:  # the long way reports it
            return Undefined
        return Undefined if coerced is None else coerced
