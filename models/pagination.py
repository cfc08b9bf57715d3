"""Keyset pagination for every connection of the API.

A cursor holds the sort values of its row, so the next page starts with an index seek
wherever it is: page 5,000 costs what page 1 costs, and rows inserted before a cursor do not
shift the pages after it. `totalCount` is a separate statement, run only when asked for,
unless the caller knows the number without counting.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Executable,
    Select,
    UnaryExpression,
    and_,
    false,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)

from contacts_api.models.database import RequestSession
from contacts_api.models.text import storable

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 1000
# Integer sort keys are INTEGER columns; PostgreSQL's driver refuses anything wider.
INTEGER = range(-(2**31), 2**31)


class PageSizeOutOfRange(ValueError):
    def __init__(self, argument: str) -> None:
        super().__init__(argument)
        self.argument = argument


class FirstAndLast(ValueError):
    """Both `first` and `last` were given."""


class MalformedCursor(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SortKey:
    """One column of a connection's order; `attribute` reads its value from a row."""

    column: Any
    attribute: str
    kind: type
    descending: bool = False


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def validated(self) -> PageRequest:
        if self.first is not None and self.last is not None:
            raise FirstAndLast
        for argument, value in (("first", self.first), ("last", self.last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise PageSizeOutOfRange(argument)
        if self.first is None and self.last is None:
            return PageRequest(DEFAULT_PAGE_SIZE, self.after, None, self.before)
        return self


@dataclass(frozen=True, slots=True)
class PageBounds:
    size: int
    after: list[Any] | None
    before: list[Any] | None
    backward: bool


@dataclass(frozen=True, slots=True)
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@dataclass(frozen=True, slots=True)
class Edge(Generic[T]):
    cursor: str
    node: T


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    count: Callable[[], Awaitable[int]]

    @property
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]

    async def total_count(self) -> int:
        return await self.count()

    @classmethod
    def empty(cls) -> Page[Any]:
        async def zero() -> int:
            return 0

        return cls([], PageInfo(False, False, None, None), zero)


class Ordering:
    """The order of one connection, and the cursors that point into it."""

    def __init__(self, name: str, keys: Sequence[SortKey]) -> None:
        self.name = name
        self.keys = tuple(keys)
        self._order_by = {reverse: self._ordered(reverse=reverse) for reverse in (False, True)}

    def cursor(self, row: Any) -> str:
        values = [self.name, *(getattr(row, key.attribute) for key in self.keys)]
        # Compact JSON in UTF-8, as json.dumps(separators=(",", ":"), ensure_ascii=False).
        return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")

    def values(self, cursor: str) -> list[Any]:
        """The sort values in `cursor`, checked against this ordering's keys."""
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise MalformedCursor(cursor)
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        except (binascii.Error, UnicodeError, ValueError):
            raise MalformedCursor(cursor) from None
        if not isinstance(decoded, list) or len(decoded) != len(self.keys) + 1:
            raise MalformedCursor(cursor)
        name, *values = decoded
        if name != self.name:
            raise MalformedCursor(cursor)
        for key, value in zip(self.keys, values, strict=True):
            # bool is an int in Python: check it exactly. A value no column can hold would
            # fail in the driver instead.
            if type(value) is not key.kind:
                raise MalformedCursor(cursor)
            if (isinstance(value, int) and value not in INTEGER) or (
                isinstance(value, str) and not storable(value)
            ):
                raise MalformedCursor(cursor)
        return values

    def order_by(self, *, reverse: bool = False) -> list[ColumnElement[Any]]:
        return self._order_by[reverse]

    def _ordered(self, *, reverse: bool) -> list[ColumnElement[Any]]:
        return [
            key.column.desc() if key.descending != reverse else key.column.asc()
            for key in self.keys
        ]

    def beyond(self, values: Sequence[Any], *, reverse: bool = False) -> ColumnElement[bool]:
        """Rows strictly after `values` in this order (strictly before, with `reverse`).

        Runs of keys sorted the same way compare as one row value, which an index serves;
        a boolean key whose value leaves nothing beyond it is dropped from the condition.
        """
        groups: list[tuple[bool, list[SortKey], list[Any]]] = []
        for key, value in zip(self.keys, values, strict=True):
            if groups and groups[-1][0] == key.descending:
                groups[-1][1].append(key)
                groups[-1][2].append(value)
            else:
                groups.append((key.descending, [key], [value]))

        alternatives: list[ColumnElement[bool]] = []
        equal_so_far: list[ColumnElement[bool]] = []
        for descending, keys, group_values in groups:
            strictly = _strictly_beyond(keys, group_values, upward=descending == reverse)
            if strictly is not None:
                alternatives.append(and_(*equal_so_far, strictly))
            equal_so_far.extend(
                key.column == value for key, value in zip(keys, group_values, strict=True)
            )
        if not alternatives:
            return false()
        # A lone alternative stays a plain row comparison, which the planners seek on.
        return or_(*alternatives) if len(alternatives) > 1 else alternatives[0]

    def page_statement(
        self,
        statement: Select[Any],
        limit: int | ColumnElement[int],
        *,
        after: Sequence[Any] | None = None,
        before: Sequence[Any] | None = None,
        backward: bool = False,
        split: bool = False,
    ) -> Select[Any] | CompoundSelect[Any]:
        """At most `limit` rows of `statement` in this order, after `after` and before
        `before`.

        `split` reads the rows of each value of the leading boolean key apart and merges them:
        with a range on a later key (a name prefix), each part is then one range of an index
        that starts with the same keys, instead of a walk through every row that precedes the
        range in it.
        """
        if after is not None:
            statement = statement.where(self.beyond(after))
        if before is not None:
            statement = statement.where(self.beyond(before, reverse=True))
        order = self.order_by(reverse=backward)
        if not split:
            return statement.order_by(*order).limit(limit)
        leading = self.keys[0]
        assert leading.kind is bool, "only a boolean leading key splits"
        # Each part in a subquery: SQLite takes no ORDER BY or LIMIT in a compound's members.
        parts = [
            select(
                statement.where(leading.column == value).order_by(*order).limit(limit).subquery()
            )
            for value in (True, False)
        ]
        return union_all(*parts).order_by(*self.named_order(backward=backward)).limit(limit)

    def named_order(
        self, *, backward: bool = False, columns: Any = None
    ) -> list[UnaryExpression[Any]]:
        """The order by column names, for a select over a compound of rows, or over the
        `columns` of a subquery."""
        order = []
        for key in self.keys:
            name = key.column.name
            column = literal_column(name) if columns is None else columns[name]
            order.append(column.desc() if key.descending != backward else column.asc())
        return order

    def bounds(self, request: PageRequest) -> PageBounds:
        """Where the requested page lies: its size, its cursors' sort values, its direction.
        Raises the pager's complaints (a size out of range, a malformed cursor)."""
        request = request.validated()
        backward = request.last is not None
        size = request.last if backward else request.first
        assert size is not None
        return PageBounds(
            size,
            self.values(request.after) if request.after else None,
            self.values(request.before) if request.before else None,
            backward,
        )

    def edges(self, rows: list[Any], bounds: PageBounds) -> tuple[list[Edge[Any]], PageInfo]:
        """The page's edges and page info, from the at most `size + 1` rows read for it."""
        has_more = len(rows) > bounds.size
        rows = rows[: bounds.size]
        if bounds.backward:
            rows.reverse()
        edges = [Edge(self.cursor(row), row) for row in rows]
        page_info = PageInfo(
            has_next_page=has_more if not bounds.backward else bounds.before is not None,
            has_previous_page=has_more if bounds.backward else bounds.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        )
        return edges, page_info

    async def paginate(
        self,
        db: RequestSession,
        statement: Select[Any],
        request: PageRequest,
        count: Callable[[], Awaitable[int]] | None = None,
        *,
        split: bool = False,
    ) -> Page[Any]:
        """One page of `statement` (a filtered select of one entity) in this order.

        `count` tells how many rows `statement` selects, when that is known without counting;
        `split`: see `page_statement`.
        """
        bounds = self.bounds(request)
        rows = self.page_statement(
            statement,
            bounds.size + 1,
            after=bounds.after,
            before=bounds.before,
            backward=bounds.backward,
            split=split,
        )
        page_statement: Executable = rows
        if split:
            entity = statement.column_descriptions[0]["entity"]
            page_statement = select(entity).from_statement(rows)
        edges, page_info = self.edges(await db.scalars(page_statement), bounds)

        async def count_rows() -> int:
            counted = statement.with_only_columns(func.count(), maintain_column_froms=True)
            return int(await db.scalar(counted.order_by(None)) or 0)

        return Page(edges, page_info, count or count_rows)


def _strictly_beyond(
    keys: Sequence[SortKey], values: Sequence[Any], *, upward: bool
) -> ColumnElement[bool] | None:
    """Rows beyond `values` on these keys; None when no row can be (a boolean at its end)."""
    if len(keys) == 1:
        (key,), (value,) = keys, values
        column: ColumnElement[Any] = key.column
        if key.kind is bool:
            # Nothing sorts above true or below false.
            return None if value is upward else column == upward
        beyond: ColumnElement[bool] = column > value if upward else column < value
        return beyond
    row = tuple_(*(key.column for key in keys))
    compared: ColumnElement[bool] = row > tuple_(*values) if upward else row < tuple_(*values)
    return compared
