"""Lists of the API: one generic connection (Relay's shape, with `nodes` and `totalCount`),
its edges, its page info, and the paging arguments every list takes.

`Connection[Contact]` is the GraphQL type `ContactConnection`, `Edge[Contact]` is
`ContactEdge`, and so on: the names the contract gives.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

import strawberry
from strawberry import Parent

from contacts_api.models.pagination import Page

T = TypeVar("T")

First = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "How many items to return from the start of the list, or after `after`: 0 to 100. "
            "10 when neither `first` nor `last` is given; not together with `last`."
        )
    ),
]
After = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A cursor of this list (an edge's `cursor`, or `pageInfo.endCursor` for the next "
            "page): return the items after it."
        )
    ),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description=(
            "How many items to return from the end of the list, or before `before`: 0 to 100. "
            "Not together with `first`."
        )
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description=(
            "A cursor of this list (an edge's `cursor`, or `pageInfo.startCursor` for the "
            "previous page): return the items before it."
        )
    ),
]


@strawberry.type(
    description="Where a page of a connection starts and ends, and whether there is more."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description=(
            "Paging forward (`first`): more items follow this page. Paging backward (`last`): "
            "true when `before` was given."
        )
    )
    has_previous_page: bool = strawberry.field(
        description=(
            "Paging backward (`last`): more items precede this page. Paging forward (`first`): "
            "true when `after` was given."
        )
    )
    start_cursor: str | None = strawberry.field(
        description=(
            "The cursor of the page's first item, to give as `before` for the previous page; "
            "null when the page is empty."
        )
    )
    end_cursor: str | None = strawberry.field(
        description=(
            "The cursor of the page's last item, to give as `after` for the next page; null "
            "when the page is empty."
        )
    )


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(
        description="Where the item is in the list: give it as `after` or `before`."
    )
    node: T = strawberry.field(description="The item.")


async def total_count(parent: Parent[Page[Any]]) -> int:
    return await parent.total_count()


@strawberry.type(
    description=(
        "A page of a list, in the list's own order (each list's field says which), and how "
        "many items the whole list holds."
    )
)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(
        description="The items of this page, each with its cursor."
    )
    nodes: list[T] = strawberry.field(description="The items of this page, without cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page starts and ends.")
    total_count: int = strawberry.field(
        resolver=total_count,
        description="All items of the list (that match its filter, if any), on every page.",
    )
