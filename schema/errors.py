"""The user errors every mutation answers with: field, message and code."""

from __future__ import annotations

from typing import Any

import strawberry

from contacts_api.schema.enums import UserErrorCode


@strawberry.type(
    description="A problem with the input or with the state it meets; nothing was changed."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description=(
            'Path to the input field at fault, e.g. ["input", "email"]; null when no single '
            "field is."
        )
    )
    message: str = strawberry.field(
        description="In the request's language (Accept-Language: French or English)."
    )
    code: UserErrorCode = strawberry.field(
        description="What kind of problem it is, for programs; stable across releases."
    )


def user_errors() -> Any:
    """The `userErrors` field of a payload."""
    return strawberry.field(
        graphql_type=list[UserError],
        description=(
            "Every problem that stopped the change, all at once; empty when it succeeded. "
            "When there is any, nothing was changed and the other fields are null."
        ),
    )
