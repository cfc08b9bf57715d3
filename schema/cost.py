"""The calculated cost of an operation, in the spirit of Shopify's: known before any SQL runs.

A scalar costs nothing and an object 1; a connection costs 2 plus its page size times the
cost of one item (`first` or `last`, 10 when neither is given); `nodes(ids:)` costs one item
per id, and so does `confirmAccess(contactIds:)`; a mutation field costs 10 more than a query
field. A deep or wide operation is
refused at once instead of being discovered by the database.

The cost is computed on the operation that will execute, with the argument values
graphql-core will hand to the resolvers: variables coerced against their definitions
(defaults included, `100.0` read as 100), lists counted by their length, and fields that
`@skip` or `@include` leave out not counted. The same pass looks at every value given as an
argument, at any depth of an input, literal or variable: the longest list (at most
`MAX_LIST_LENGTH` are accepted) and any text no database can store (a NUL, which a GraphQL
string may spell `\\u0000`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_named_type,
    get_operation_ast,
)
from graphql.execution.values import get_argument_values, get_directive_values, get_variable_values

from contacts_api.models.text import storable

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_LIST_LENGTH = 100
MUTATION_COST = 10

Composite = GraphQLObjectType | GraphQLInterfaceType


@dataclass(frozen=True, slots=True)
class Cost:
    """What an operation costs, the longest list among its arguments, and whether one of
    them holds text that cannot be stored."""

    total: int
    longest_list: int = 0
    unstorable_text: bool = False


def operation_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    raw_variables: Mapping[str, Any] | None,
) -> Cost:
    """The cost of the operation that `document` and `operation_name` select; nothing for a
    request that cannot execute (no such operation, variables that do not coerce), which
    execution refuses with its own error."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return Cost(0)
    variables = get_variable_values(
        schema, operation.variable_definitions or (), dict(raw_variables or {})
    )
    if isinstance(variables, list):
        return Cost(0)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return Cost(0)
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    calculator = _Calculator(schema, fragments, variables)
    total = calculator.selection_cost(root, operation.selection_set)
    if operation.operation is OperationType.MUTATION:
        total += MUTATION_COST * calculator.root_fields(root, operation)
    return Cost(total, calculator.longest_list, calculator.unstorable_text)


class _Calculator:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Any,
    ) -> None:
        self._schema = schema
        self._fragments = fragments
        self._variables = variables
        self.longest_list = 0
        self.unstorable_text = False

    def root_fields(self, root: GraphQLObjectType, operation: OperationDefinitionNode) -> int:
        return sum(
            1
            for selection in operation.selection_set.selections
            if isinstance(selection, FieldNode) and self._included(selection)
        )

    def selection_cost(
        self,
        parent: Composite,
        selection_set: SelectionSetNode | None,
        seen: frozenset[str] = frozenset(),
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                total += self._field_cost(parent, selection, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_cost(
                    self._condition(selection, parent), selection.selection_set, seen
                )
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                # A fragment that spreads itself is invalid anyway; never loop on it.
                if fragment is not None and name not in seen:
                    total += self.selection_cost(
                        self._condition(fragment, parent), fragment.selection_set, seen | {name}
                    )
        return total

    def _field_cost(self, parent: Composite, node: FieldNode, seen: frozenset[str]) -> int:
        definition = self._definition(parent, node.name.value)
        if definition is None:
            return 0
        arguments = get_argument_values(definition, node, self._variables)
        self._inspect(arguments)
        if node.selection_set is None:
            return 0
        child = get_named_type(definition.type)
        if not isinstance(child, GraphQLObjectType | GraphQLInterfaceType):
            # A union: each fragment below names its own type.
            child = parent
        children = self.selection_cost(child, node.selection_set, seen)
        name = node.name.value
        if child.name.endswith("Connection"):
            return 2 + _page_size(arguments) * children
        if name == "nodes" and isinstance(arguments.get("ids"), list):
            return len(arguments["ids"]) * (1 + children)
        if name == "confirmAccess" and isinstance(arguments.get("input"), dict):
            # A change per contact: each id costs what a mutation of one contact costs.
            ids = arguments["input"].get("contactIds")
            return max(1, len(ids) if isinstance(ids, list) else 1) * (1 + children)
        if name in {"edges", "nodes"}:
            return children
        return 1 + children

    def _definition(self, parent: Composite, name: str) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        return parent.fields.get(name)

    def _condition(
        self, fragment: InlineFragmentNode | FragmentDefinitionNode, parent: Composite
    ) -> Composite:
        if fragment.type_condition is None:
            return parent
        named = self._schema.get_type(fragment.type_condition.name.value)
        return named if isinstance(named, GraphQLObjectType | GraphQLInterfaceType) else parent

    def _included(self, node: Any) -> bool:
        skip = get_directive_values(GraphQLSkipDirective, node, self._variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self._variables)
        return include is None or include.get("if") is not False

    def _inspect(self, value: Any) -> None:
        if isinstance(value, str):
            self.unstorable_text = self.unstorable_text or not storable(value)
            return
        if isinstance(value, list):
            self.longest_list = max(self.longest_list, len(value))
            items = value
        elif isinstance(value, dict):
            items = list(value.values())
        else:
            return
        for item in items:
            self._inspect(item)


def _page_size(arguments: Mapping[str, Any]) -> int:
    for name in ("first", "last"):
        value = arguments.get(name)
        if isinstance(value, int):
            return max(0, min(value, MAX_PAGE_SIZE))
    return DEFAULT_PAGE_SIZE
