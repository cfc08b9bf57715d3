"""User errors: what a mutation answers when its input or the state it meets is wrong.

A use case collects every problem it finds and raises them together; the mutation's
transaction is rolled back and the payload lists them, each with its field path and code.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class ErrorCode(enum.StrEnum):
    REQUIRED = "REQUIRED"
    INVALID = "INVALID"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    TAKEN = "TAKEN"
    NOT_FOUND = "NOT_FOUND"
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
    code: ErrorCode
    message: str
    field: tuple[str, ...] | None = None


class UserErrors(Exception):
    """Raised by a use case with every problem found; nothing it wrote is kept."""

    def __init__(self, errors: Sequence[UserError]) -> None:
        super().__init__(", ".join(error.code.name for error in errors))
        self.errors = list(errors)
