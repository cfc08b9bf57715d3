"""Paginating for a request: the pager's complaints become errors in the caller's language."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Select

from contacts_api.models.pagination import (
    MAX_PAGE_SIZE,
    FirstAndLast,
    MalformedCursor,
    Ordering,
    Page,
    PageRequest,
    PageSizeOutOfRange,
)
from contacts_api.resolvers import errors
from contacts_api.resolvers.context import Context
from contacts_api.rules.messages import Message


async def paginate(
    ctx: Context,
    ordering: Ordering,
    statement: Select[Any],
    page: PageRequest,
    count: Callable[[], Awaitable[int]] | None = None,
    *,
    split: bool = False,
) -> Page[Any]:
    try:
        return await ordering.paginate(ctx.db, statement, page, count, split=split)
    except PageSizeOutOfRange as error:
        raise errors.bad_user_input(
            ctx.language, Message.PAGE_SIZE, argument=error.argument, maximum=MAX_PAGE_SIZE
        ) from None
    except FirstAndLast:
        raise errors.bad_user_input(ctx.language, Message.FIRST_AND_LAST) from None
    except MalformedCursor as error:
        raise errors.bad_user_input(
            ctx.language, Message.MALFORMED_CURSOR, value=str(error)[:100]
        ) from None
