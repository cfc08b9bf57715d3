"""User errors: what a mutation answers when its input or the state it meets is wrong.

A use case collects every problem it finds and raises them together; the mutation's
transaction is rolled back and the payload lists them, each with its field path and code.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contacts_api.models import Language
from contacts_api.rules.messages import Message, translate


class ErrorCode(enum.StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    TAKEN = "TAKEN"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    STALE = "STALE"
    NOT_ASSIGNABLE = "NOT_ASSIGNABLE"
    ALREADY_HAS_ACCESS = "ALREADY_HAS_ACCESS"
    ALREADY_INVITED = "ALREADY_INVITED"
    INVITATION_NOT_PENDING = "INVITATION_NOT_PENDING"
    INVITATION_EXPIRED = "INVITATION_EXPIRED"
    CONTACT_INACTIVE = "CONTACT_INACTIVE"
    LAST_ADMINISTRATOR = "LAST_ADMINISTRATOR"
    PRIMARY_CONTACT = "PRIMARY_CONTACT"
    ALREADY_LINKED = "ALREADY_LINKED"


@dataclass(frozen=True, slots=True)
class UserError:
    """A problem found by a use case; `message` is rendered in the caller's language later."""

    code: ErrorCode
    message: Message
    field: tuple[str, ...] | None = None
    params: Mapping[str, object] = dataclasses.field(default_factory=dict)

    def rendered(self, language: Language) -> RenderedUserError:
        return RenderedUserError(
            field=list(self.field) if self.field is not None else None,
            message=translate(self.message, language, **self.params),
            code=self.code,
        )


@dataclass(frozen=True, slots=True)
class RenderedUserError:
    field: list[str] | None
    message: str
    code: ErrorCode


class UserErrors(Exception):
    """Raised by a use case with every problem found; nothing it wrote is kept."""

    def __init__(self, errors: Sequence[UserError]) -> None:
        super().__init__(", ".join(error.code.name for error in errors))
        self.errors = list(errors)


def fail(code: ErrorCode, message: Message, /, *path: str, **params: object) -> UserErrors:
    """One user error, ready to raise: `raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND)`."""
    return UserErrors([UserError(code, message, path or None, params)])
