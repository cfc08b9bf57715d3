"""The executor's short way for plain scalar fields answers exactly what the long way answers."""

from __future__ import annotations

import enum
from typing import Any

import pytest
import strawberry
from graphql import GraphQLResolveInfo
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from contacts_api.schema.execution import ExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Row:
    """A source object, like a model row: attributes, some of them wrong for their field."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


@strawberry.type
class Item:
    name: str
    nickname: str | None
    count: int
    ratio: float
    colour: Colour
    flags: list[str]

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [
            Row(name="Ana", nickname=None, count=3, ratio=1, colour=Colour.RED, flags=["a"]),
            Row(name="Bob", nickname="b", count=2**40, ratio=0.5, colour=Colour.BLUE, flags=[]),
            Row(name=None, nickname="c", count="many", ratio="x", colour="green", flags=[]),
            Row(nickname="d", count=1, ratio=1.5, colour=Colour.RED, flags=[]),
        ]


class CountingInfos(ExecutionContext):
    built = 0

    def build_resolve_info(self, *args: Any, **kwargs: Any) -> GraphQLResolveInfo:
        type(self).built += 1
        return super().build_resolve_info(*args, **kwargs)


class Shouting(SchemaExtension):
    """A resolve hook: with one, every field must take the long way through it."""

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        result = _next(root, info, *args, **kwargs)
        return result.upper() if isinstance(result, str) else result


QUERIES = [
    "{ items { name nickname count ratio colour flags shout } }",
    "{ items { n: name name @include(if: false) ...F } } fragment F on Item { colour nickname }",
    "query($skip: Boolean!) { items { count @skip(if: $skip) ratio } }",
    "{ items { nickname colour } }",
]


def answer(context: type, query: str, extensions: list[Any] | None = None) -> dict[str, Any]:
    schema = strawberry.Schema(
        query=Query, execution_context_class=context, extensions=extensions or []
    )
    result = schema.execute_sync(query, variable_values={"skip": False})
    return {
        "data": result.data,
        "errors": sorted(
            (str(error.path), error.message, str(error.locations)) for error in result.errors or []
        ),
    }


@pytest.mark.parametrize("query", QUERIES)
def test_the_short_way_answers_what_the_long_way_answers(query: str) -> None:
    assert answer(ExecutionContext, query) == answer(StrawberryGraphQLCoreExecutionContext, query)


@pytest.mark.parametrize("query", QUERIES)
def test_a_resolve_hook_still_sees_every_field(query: str) -> None:
    ours = answer(ExecutionContext, query, [Shouting])
    assert ours == answer(StrawberryGraphQLCoreExecutionContext, query, [Shouting])


def test_a_resolve_hook_changes_plain_fields_too() -> None:
    shouted = answer(ExecutionContext, "{ items { nickname } }", [Shouting])
    assert [item["nickname"] for item in shouted["data"]["items"]] == [None, "B", "C", "D"]


def test_plain_fields_build_no_resolve_info() -> None:
    CountingInfos.built = 0
    answer(CountingInfos, "{ items { nickname count colour } }")
    # The root field, and the one field per item whose value the short way cannot use: the
    # third item's count ("many"), which the long way reports.
    assert CountingInfos.built == 1 + 1
