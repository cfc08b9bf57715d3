"""The served schema is documented: every type, field, argument, input field and enum value
has a description, and the contract's own descriptions are kept (they may be extended)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    is_introspection_type,
    is_specified_scalar_type,
)

from contacts_api.schema import schema

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "schema.graphql"


def descriptions(served: GraphQLSchema) -> Iterator[tuple[str, str | None]]:
    """(coordinate, description) of every part a client developer reads.

    Coordinates: `Type`, `Type.field`, `Type.field(argument:)`, `Input.field`, `Enum.VALUE`.
    Introspection types and GraphQL's own scalars are not the service's to describe.
    """
    for name, named in sorted(served.type_map.items()):
        if is_introspection_type(named) or is_specified_scalar_type(named):
            continue
        yield name, named.description
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in named.fields.items():
                yield f"{name}.{field_name}", field.description
                for argument_name, argument in field.args.items():
                    yield f"{name}.{field_name}({argument_name}:)", argument.description
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                yield f"{name}.{field_name}", input_field.description
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                yield f"{name}.{value_name}", value.description


def undescribed(served: GraphQLSchema) -> list[str]:
    return [
        coordinate
        for coordinate, description in descriptions(served)
        if not (description and description.strip())
    ]


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def test_every_part_of_the_schema_is_described() -> None:
    missing = undescribed(schema._schema)

    assert missing == [], f"{len(missing)} without a description:\n" + "\n".join(missing)


def test_the_contracts_descriptions_are_kept() -> None:
    served = dict(descriptions(schema._schema))
    contract = build_schema(CONTRACT.read_text())

    lost = [
        f"{coordinate}: the contract says {_words(wording)!r}, the schema {_words(served.get(coordinate))!r}"
        for coordinate, wording in descriptions(contract)
        if wording and _words(wording) not in _words(served.get(coordinate))
    ]

    assert lost == [], "\n".join(lost)


def test_the_walk_reports_each_kind_of_part() -> None:
    bare = build_schema(
        'type Query { "f" f(a: Int, "b" b: In): E }'
        ' input In { x: Int } "E" enum E { "A" A B } "S" scalar S'
    )

    assert undescribed(bare) == ["E.B", "In", "In.x", "Query", "Query.f(a:)"]
