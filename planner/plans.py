"""Plans: what answers each field of a covered operation, built from graphql-core's own field
collection (fragments, aliases, `@skip`/`@include` with the request's variables).

A plan is a tree of `Selection`s, one per object of the response: for each response key, a
`Field` saying how to get its value from the object the parent gave (a row, a page, a
profile). `compile_operation` raises `NotCovered` for anything outside what the planner knows;
the request then takes the standard path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationType,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.collect_fields import FieldDetailsList, collect_fields, collect_subfields
from graphql.execution.executor import Executor
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from contacts_api.models.pagination import Edge, PageInfo
from contacts_api.planner.reads import ContactRow, InvitationRow, OrganizationRow
from contacts_api.rules.catalogue import Profile


@dataclass(frozen=True, slots=True)
class PlainLeaf:
    """A field whose value is `getattr(source, attribute)` serialized by `leaf_type`."""

    attribute: str
    leaf_type: GraphQLScalarType | GraphQLEnumType
    nullable: bool


def plain_leaf(definition: GraphQLField) -> PlainLeaf | None:
    """How to read a field that only reads its attribute (Strawberry's default resolver, no
    arguments, no permission class or field extension, a scalar or an enum), or None."""
    strawberry_field = definition.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        not isinstance(strawberry_field, StrawberryField)
        or not getattr(definition.resolve, "_is_default", False)
        or strawberry_field.default_resolver is not getattr
        or strawberry_field.permission_classes
        or strawberry_field.extensions
        or definition.args
    ):
        return None
    field_type = definition.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    leaf_type = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if not isinstance(leaf_type, GraphQLScalarType | GraphQLEnumType):
        return None
    return PlainLeaf(strawberry_field.python_name, leaf_type, nullable)


class NotCovered(Exception):
    """The planner does not answer this; the standard path does."""


class HandBack(Exception):
    """At run time: the standard path answers this request (it reports what happened)."""


# How a field's value is found: a kind the engine knows, and what it needs.
@dataclass(frozen=True, slots=True)
class Field:
    kind: str
    name: str = ""
    # The field's definition and node, when the engine reads its arguments (with each
    # request's variables: a plan is shared by requests that differ in them).
    arguments: tuple[GraphQLField, FieldNode] | None = None
    selection: Selection | None = None
    # A plain leaf: the attribute read, and the scalar or enum that serializes it.
    attribute: str = ""
    serialize: Callable[[Any], Any] | None = None
    # The Python type the serializer hands back as it is (None: every value goes through it).
    same_as: type | None = None
    # An enum's serialized values, by value.
    table: dict[Any, Any] | None = None
    nullable: bool = True
    # A list of values (each an object of `selection`, or a leaf).
    is_list: bool = False


@dataclass(frozen=True, slots=True)
class Selection:
    type_name: str
    fields: tuple[tuple[str, Field], ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """The response's tree, and the fields whose arguments say what to read: the
    organization asked for (under one alias or more), and its contacts pages."""

    selection: Selection
    organizations: tuple[Field, ...]
    pages: tuple[Field, ...]


# The fields with a resolver that each object type answers, by kind; plain leaves (default
# resolver, no arguments, a scalar or an enum) are answered on every covered type.
RESOLVED: dict[str, frozenset[str]] = {
    "Query": frozenset({"organization"}),
    "Organization": frozenset({"id", "viewerIsAdministrator", "contacts"}),
    "ContactConnection": frozenset({"totalCount", "edges", "nodes", "pageInfo"}),
    "ContactEdge": frozenset({"cursor", "node"}),
    "PageInfo": frozenset(),
    "Contact": frozenset(
        {"id", "isAdministrator", "viewerCanManage", "securityProfiles", "invitation", "emails"}
    ),
    "SecurityProfile": frozenset({"id", "name"}),
    "Invitation": frozenset({"id", "status"}),
}
# What the engine reads plain leaves from, by type.
SOURCES: dict[str, type] = {
    "Query": object,
    "Organization": OrganizationRow,
    "ContactConnection": object,
    "ContactEdge": Edge,
    "PageInfo": PageInfo,
    "Contact": ContactRow,
    "SecurityProfile": Profile,
    "Invitation": InvitationRow,
}
# Fields whose arguments the engine reads; any other field with arguments is not covered.
WITH_ARGUMENTS = frozenset({("Query", "organization"), ("Organization", "contacts")})


def conditions(document: DocumentNode) -> frozenset[str]:
    """The variables that `@skip` and `@include` read in `document`: a plan depends on their
    values, and on no other variable's."""
    names: set[str] = set()

    class Directives(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            if node.name.value in {"skip", "include"}:
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.add(argument.value.name.value)

    visit(document, Directives())
    return frozenset(names)


def compile_operation(executor: Executor) -> Plan:
    """The plan of the executor's operation (a query), for its variables' values (only
    those of `conditions` matter): one organization, with at most one contacts page."""
    operation = executor.operation
    if operation.operation is not OperationType.QUERY:
        raise NotCovered("not a query")
    schema = executor.schema
    root = schema.query_type
    assert root is not None
    collected = collect_fields(
        schema, executor.fragments, executor.variable_values, root, operation
    )
    selection = _selection(executor, root, collected.grouped_field_set)
    organizations = tuple(_of_kind(selection, "Query.organization"))
    if not organizations or len(organizations) + len(_of_kind(selection, "typename")) != len(
        selection.fields
    ):
        raise NotCovered("another root field")
    pages = tuple(
        page
        for organization in organizations
        if organization.selection is not None
        for page in _of_kind(organization.selection, "Organization.contacts")
    )
    return Plan(selection, organizations, pages)


def _of_kind(selection: Selection, kind: str) -> list[Field]:
    return [field for _key, field in selection.fields if field.kind == kind]


def _selection(executor: Executor, parent: GraphQLObjectType, grouped: Any) -> Selection:
    fields = []
    for key, details in grouped.items():
        fields.append((key, _field(executor, parent, details)))
    return Selection(parent.name, tuple(fields))


def _field(executor: Executor, parent: GraphQLObjectType, details: FieldDetailsList) -> Field:
    if any(d.defer_usage is not None or d.fragment_variable_values for d in details):
        raise NotCovered("@defer or fragment variables")
    node: FieldNode = details[0].node
    name = node.name.value
    if name == "__typename":
        return Field("typename", name)
    if parent.name not in RESOLVED:
        raise NotCovered(parent.name)
    definition: GraphQLField | None = parent.fields.get(name)
    if definition is None:
        raise NotCovered(name)
    arguments = None
    if (parent.name, name) in WITH_ARGUMENTS:
        arguments = (definition, node)
    elif node.arguments:
        raise NotCovered(f"{parent.name}.{name} with arguments")
    if name in RESOLVED[parent.name]:
        named = _named(definition)
        leaf = isinstance(named, GraphQLScalarType | GraphQLEnumType)
        return Field(
            f"{parent.name}.{name}",
            name,
            arguments=arguments,
            selection=None if leaf else _subselection(executor, named, details),
            serialize=named.serialize if leaf else None,
            same_as=_unchanged(named),
            table=_table(named),
            nullable=not isinstance(definition.type, GraphQLNonNull),
            is_list=isinstance(
                definition.type.of_type
                if isinstance(definition.type, GraphQLNonNull)
                else definition.type,
                GraphQLList,
            ),
        )
    plain = plain_leaf(definition)
    if plain is not None:
        if not hasattr(SOURCES[parent.name], plain.attribute):
            raise NotCovered(f"{parent.name}.{name} is not read")
        return Field(
            "leaf",
            name,
            attribute=plain.attribute,
            serialize=plain.leaf_type.serialize,
            same_as=_unchanged(plain.leaf_type),
            table=_table(plain.leaf_type),
            nullable=plain.nullable,
        )
    raise NotCovered(f"{parent.name}.{name}")


def _unchanged(leaf_type: Any) -> type | None:
    """The type of the values graphql-core's own scalar serializes to themselves (an int
    only within Int's 32 bits; Float is left out: it checks that a float is finite)."""
    if leaf_type in (GraphQLString, GraphQLID):
        return str
    if leaf_type is GraphQLBoolean:
        return bool
    if leaf_type is GraphQLInt:
        return int
    return None


def _table(leaf_type: Any) -> dict[Any, Any] | None:
    """An enum's serialized value for each of its values, as its own serializer gives it."""
    if not isinstance(leaf_type, GraphQLEnumType):
        return None
    return {value.value: leaf_type.serialize(value.value) for value in leaf_type.values.values()}


def _named(definition: GraphQLField) -> Any:
    named = definition.type
    while isinstance(named, GraphQLNonNull | GraphQLList):
        named = named.of_type
    return named


def _subselection(executor: Executor, named: Any, details: FieldDetailsList) -> Selection:
    if not isinstance(named, GraphQLObjectType):
        raise NotCovered(f"{named} is abstract")
    schema: GraphQLSchema = executor.schema
    collected = collect_subfields(
        schema, executor.fragments, executor.variable_values, executor.operation, named, details
    )
    return _selection(executor, named, collected.grouped_field_set)
