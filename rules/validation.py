"""Validation of contact input: every problem at once, each with its field path and code.

Plain functions of the input: no database, no viewer. Checks that need the database (an
email already taken) belong to the use cases.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email

from contacts_api.models import Language, PhoneKind, PhoneNumber
from contacts_api.models.emails import email_key
from contacts_api.models.phone_numbers import InvalidPhoneNumber, parse_phone_number
from contacts_api.rules.messages import Message
from contacts_api.rules.user_errors import ErrorCode, UserError

NAME_MAX = 100
TEXT_MAX = 150
EMAIL_MAX = 254
ORGANIZATION_NAME_MAX = 200
MESSAGE_MAX = 2000
PHONE_NUMBERS_MAX = 5
EXTENSION_MAX = 10
PHONE_TEXT_MAX = 40


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()
"""A field left out of the input (as opposed to one given as null)."""


@dataclass(frozen=True, slots=True)
class PhoneInput:
    kind: PhoneKind
    number: str
    extension: str | None = None


@dataclass(frozen=True, slots=True)
class ContactInput:
    """Contact fields as the client sent them; UNSET where left out."""

    first_name: str | None = UNSET
    last_name: str | None = UNSET
    email: str | None = UNSET
    title: str | None = UNSET
    phone_numbers: Sequence[PhoneInput] | None = UNSET
    preferred_language: Language | None = UNSET
    office_location: str | None = UNSET
    position_type: str | None = UNSET
    fte: float | None = UNSET


class Problems:
    """Collects user errors; field paths are given without the leading "input"."""

    def __init__(self) -> None:
        self.errors: list[UserError] = []

    def about(self, *path: str) -> bool:
        """Whether a problem was found with the field at `path` (or below it)."""
        wanted = ("input", *path)
        return any(
            error.field is not None and tuple(error.field[: len(wanted)]) == wanted
            for error in self.errors
        )

    def add(self, code: ErrorCode, message: Message, /, *path: str, **params: object) -> None:
        # Positional-only: a message's own parameter may be called `code` (NOT_ASSIGNABLE).
        self.errors.append(UserError(code, message, ("input", *path), params))


def clean_contact(
    raw: ContactInput, *, case_management: bool, adding: bool, problems: Problems
) -> dict[str, Any]:
    """The model attributes to write, from the fields given (all of them when adding)."""
    values: dict[str, Any] = {}

    def given(name: str) -> bool:
        return adding or getattr(raw, name) is not UNSET

    def raw_value(name: str) -> Any:
        value = getattr(raw, name)
        return None if value is UNSET else value

    for name, label, maximum in (
        ("first_name", "firstName", NAME_MAX),
        ("last_name", "lastName", NAME_MAX),
    ):
        if given(name):
            values[name] = required_text(raw_value(name), label, maximum, problems)
    if given("email"):
        values["email"] = email_address(raw_value("email"), problems)
    if given("title"):
        values["title"] = optional_text(raw_value("title"), "title", TEXT_MAX, problems)
    for name, label in (("office_location", "officeLocation"), ("position_type", "positionType")):
        if given(name):
            if case_management:
                values[name] = required_text(raw_value(name), label, TEXT_MAX, problems)
            else:
                values[name] = optional_text(raw_value(name), label, TEXT_MAX, problems)
    if given("fte"):
        values["fte"] = fte(raw_value("fte"), required=case_management, problems=problems)
    if given("phone_numbers"):
        values["phone_numbers"] = phone_numbers(raw_value("phone_numbers") or (), problems)
    if given("preferred_language"):
        language = raw_value("preferred_language")
        if language is None and not adding:
            problems.add(
                ErrorCode.REQUIRED, Message.REQUIRED, "preferredLanguage", label="preferredLanguage"
            )
        values["preferred_language"] = language or Language.ENGLISH
    return values


def required_text(value: str | None, label: str, maximum: int, problems: Problems) -> str:
    text = optional_text(value, label, maximum, problems)
    if text is None:
        problems.add(ErrorCode.REQUIRED, Message.REQUIRED, label, label=label)
        return ""
    return text


def optional_text(
    value: str | None,
    label: str,
    maximum: int,
    problems: Problems,
    *,
    path: tuple[str, ...] = (),
    multiline: bool = False,
) -> str | None:
    """Trimmed text, None when blank; control characters are refused (but line breaks in
    `multiline` text)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    allowed = "\n\r\t" if multiline else ""
    if len(text) > maximum:
        problems.add(
            ErrorCode.TOO_LONG, Message.TOO_LONG, *path, label, label=label, maximum=maximum
        )
    elif _has_control_characters(text, allowed):
        problems.add(ErrorCode.INVALID, Message.INVALID_TEXT, *path, label, label=label)
    return text


def email_address(value: str | None, problems: Problems) -> str:
    text = required_text(value, "email", EMAIL_MAX, problems)
    if not text or len(text) > EMAIL_MAX or _has_control_characters(text):
        return text
    try:
        normalized = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        problems.add(ErrorCode.INVALID, Message.INVALID_EMAIL, "email")
        return text
    if len(normalized) > EMAIL_MAX or len(email_key(normalized)) > EMAIL_MAX:
        # The key that makes emails unique ignoring case is stored in as many characters, and
        # normalizing a domain can lengthen it.
        problems.add(
            ErrorCode.TOO_LONG, Message.TOO_LONG, "email", label="email", maximum=EMAIL_MAX
        )
    return normalized


def fte(value: float | None, *, required: bool, problems: Problems) -> float | None:
    if value is None:
        if required:
            problems.add(ErrorCode.REQUIRED, Message.REQUIRED, "fte", label="fte")
        return None
    if not math.isfinite(value) or not 0 < value <= 1:
        problems.add(ErrorCode.OUT_OF_RANGE, Message.FTE_RANGE, "fte")
        return value
    hundredths = round(value * 100)
    if abs(value * 100 - hundredths) > 1e-9:
        problems.add(ErrorCode.INVALID, Message.FTE_DECIMALS, "fte")
    elif hundredths == 0:  # above 0, yet 0.00 once stored (5e-324, say)
        problems.add(ErrorCode.OUT_OF_RANGE, Message.FTE_RANGE, "fte")
    # Exactly what NUMERIC(3, 2) keeps, on both databases.
    return hundredths / 100


def phone_numbers(entries: Sequence[PhoneInput], problems: Problems) -> tuple[PhoneNumber, ...]:
    if len(entries) > PHONE_NUMBERS_MAX:
        problems.add(
            ErrorCode.TOO_LONG, Message.TOO_MANY_PHONES, "phoneNumbers", maximum=PHONE_NUMBERS_MAX
        )
        return ()
    cleaned: list[PhoneNumber] = []
    for index, entry in enumerate(entries):
        path = ("phoneNumbers", str(index))
        number = entry.number.strip()
        if not number:
            problems.add(ErrorCode.REQUIRED, Message.REQUIRED, *path, "number", label="number")
            continue
        try:
            if len(number) > PHONE_TEXT_MAX:
                raise InvalidPhoneNumber(number)
            e164 = parse_phone_number(number)
        except InvalidPhoneNumber:
            problems.add(
                ErrorCode.INVALID, Message.INVALID_PHONE, *path, "number", value=number[:40]
            )
            continue
        extension = (entry.extension or "").strip() or None
        if extension is not None:
            if len(extension) > EXTENSION_MAX:
                problems.add(
                    ErrorCode.TOO_LONG,
                    Message.TOO_LONG,
                    *path,
                    "extension",
                    label="extension",
                    maximum=EXTENSION_MAX,
                )
            elif not (extension.isascii() and extension.isdigit()):
                problems.add(ErrorCode.INVALID, Message.INVALID_EXTENSION, *path, "extension")
        cleaned.append(PhoneNumber(entry.kind, e164, extension))
    return tuple(cleaned)


def _has_control_characters(text: str, allowed: str = "") -> bool:
    return any(
        unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"} and char not in allowed
        for char in text
    )
