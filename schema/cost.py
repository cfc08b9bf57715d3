"""The calculated cost of an operation, in the spirit of Shopify's: known before any SQL runs.

A scalar costs nothing and an object 1; a connection costs 2 plus its page size times the
cost of one item (`first` or `last`, 10 when neither is given); `nodes(ids:)` costs one item
per id; a mutation field costs 10 more than a query field. A deep or wide operation is
refused at once instead of being discovered by the database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
)

CONNECTIONS = frozenset({"contacts", "invitations", "auditEvents", "organizations"})
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MUTATION_COST = 10


def operation_cost(
    document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    chosen = next(
        (
            o
            for o in operations
            if operation_name is None or (o.name and o.name.value == operation_name)
        ),
        None,
    )
    if chosen is None:
        return 0
    calculator = _Calculator(fragments, variables or {})
    cost = calculator.selection_cost(chosen.selection_set)
    if chosen.operation is OperationType.MUTATION:
        cost += MUTATION_COST * len(chosen.selection_set.selections)
    return cost


class _Calculator:
    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ) -> None:
        self._fragments = fragments
        self._variables = variables

    def selection_cost(
        self, selection_set: SelectionSetNode | None, seen: frozenset[str] = frozenset()
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field_cost(selection, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_cost(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self._fragments.get(name)
                # A fragment that spreads itself is invalid anyway; never loop on it.
                if fragment is not None and name not in seen:
                    total += self.selection_cost(fragment.selection_set, seen | {name})
        return total

    def _field_cost(self, field: FieldNode, seen: frozenset[str]) -> int:
        if field.selection_set is None:
            return 0
        children = self.selection_cost(field.selection_set, seen)
        name = field.name.value
        if name in CONNECTIONS:
            return 2 + self._page_size(field) * children
        if name == "nodes" and self._argument(field, "ids") is not None:
            ids = self._argument(field, "ids")
            return (len(ids) if isinstance(ids, list) else MAX_PAGE_SIZE) * (1 + children)
        if name in {"edges", "nodes"}:
            return children
        return 1 + children

    def _page_size(self, field: FieldNode) -> int:
        for argument in ("first", "last"):
            value = self._argument(field, argument)
            if isinstance(value, int):
                return max(0, min(value, MAX_PAGE_SIZE))
        return DEFAULT_PAGE_SIZE

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value != name:
                continue
            value = argument.value
            if isinstance(value, VariableNode):
                return self._variables.get(value.name.value)
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, ListValueNode):
                return list(value.values)
        return None
