"""Phone numbers: a value object stored as JSON on the contact, always in E.164."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from contacts_api.models.enums import PhoneKind

DEFAULT_REGION = "CA"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    kind: PhoneKind
    number: str
    extension: str | None = None

    @property
    def display(self) -> str:
        """For display in English: (902) 555-0123 ext. 12 (see `display_in`)."""
        return self.display_in(french=False)

    def display_in(self, *, french: bool) -> str:
        """As each language writes it: "(902) 555-0123 ext. 12" in English, "902 555-0123,
        poste 12" in Canadian French; numbers outside North America in the international
        form, "+33 1 23 45 67 89", in both."""
        parsed = phonenumbers.parse(self.number)
        if parsed.country_code != 1:
            text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        elif french:
            national = str(parsed.national_number)
            text = f"{national[:3]} {national[3:6]}-{national[6:]}"
        else:
            text = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        if not self.extension:
            return text
        return f"{text}, poste {self.extension}" if french else f"{text} ext. {self.extension}"


class InvalidPhoneNumber(ValueError):
    pass


def parse_phone_number(text: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of `text`, read as a Canadian number unless it has a country code."""
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhoneNumber(str(error)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(text)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class PhoneNumberList(TypeDecorator[tuple[PhoneNumber, ...]]):
    impl = JSON().with_variant(JSONB(), "postgresql")
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return []
        return [
            {"kind": phone.kind.value, "number": phone.number, "extension": phone.extension}
            for phone in value
        ]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[PhoneNumber, ...]:
        return tuple(
            PhoneNumber(PhoneKind(item["kind"]), item["number"], item.get("extension"))
            for item in value or ()
        )
