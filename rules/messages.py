"""Every message a client can read, in English and in French.

English is the source language: each message is written here, in the code, marked with
`N_`; the French translations live in a gettext catalogue,
`rules/locale/fr/LC_MESSAGES/messages.po`, which translators edit with the usual tools
(`make messages` extracts the English and updates it with Babel). A test checks that every
message has its French, different from the English, with the same placeholders.

Values are formatted for the language (`babel`, for en_CA and fr_CA): numbers ("2,000" and
"2 000"), lists ("a, b or c" and "a, b ou c"), and quotes (“ ” and « », in the messages
themselves). A value that has a name in each language (a security profile) is passed as a
`Localized` and shown in the reader's language.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files

from babel.lists import format_list
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from contacts_api.models.enums import Language
from contacts_api.models.locales import LOCALES


def N_(text: str) -> str:
    """Marks `text` as a message to translate; it is the English message itself."""
    return text


class Message(enum.StrEnum):
    UNAUTHENTICATED = N_("Sign in first: this request carries no valid credentials.")
    FORBIDDEN = N_("You do not have permission to do this.")
    INTERNAL_ERROR = N_(
        "Something went wrong on our side (request {request_id}). Please try again."
    )
    MALFORMED_ID = N_("“{value}” is not a valid id.")
    MALFORMED_CURSOR = N_("“{value}” is not a valid cursor for this list.")
    PAGE_SIZE = N_("{argument} must be between 0 and {maximum}.")
    MALFORMED_FILTER = N_(
        "The filter {argument} is too long or holds characters that cannot be searched."
    )
    QUERY_TOO_COSTLY = N_(
        "This operation would cost {cost}, above the limit of {maximum}: ask for smaller pages or fewer nested lists."
    )
    RATE_LIMITED = N_("Too many requests: try again in {seconds} seconds.")
    FIRST_AND_LAST = N_("Give first or last, not both.")
    TOO_MANY_IDS = N_("Ask for at most {maximum} ids at once.")
    LIST_TOO_LONG = N_(
        "A list in the arguments holds {length} items; at most {maximum} are accepted."
    )
    UNSTORABLE_TEXT = N_(
        "The request holds text that is not valid: a NUL character or a lone surrogate."
    )
    TOKEN_TOO_LONG = N_("The invitation token is too long.")
    REQUIRED = N_("{label} is required.")
    TOO_LONG = N_("{label} must be at most {maximum} characters.")
    INVALID_TEXT = N_("{label} contains characters that are not allowed.")
    INVALID_EMAIL = N_("Enter a valid email address.")
    INVALID_PHONE = N_("“{value}” is not a valid phone number.")
    INVALID_EXTENSION = N_("An extension holds digits only.")
    TOO_MANY_PHONES = N_("Give at most {maximum} phone numbers.")
    FTE_RANGE = N_("The full-time equivalent must be above 0 and at most 1.")
    FTE_DECIMALS = N_("The full-time equivalent has at most two decimals.")
    EMAIL_TAKEN = N_("Another contact of this organization already has this email.")
    INVALID_ID = N_("This id is not valid.")
    NOT_FOUND = N_("Not found: it does not exist, or you cannot see it.")
    STALE = N_("Someone else changed this contact first; reload it and try again.")
    NOT_ASSIGNABLE = N_("You may not assign the security profile “{profile}”.")
    PROFILE_REQUIRED = N_("Choose at least one security profile.")
    LAST_ADMINISTRATOR = N_(
        "This would leave the organization without an active administrator with access."
    )
    PRIMARY_CONTACT = N_(
        "The primary contact cannot be deactivated; choose another primary contact first."
    )
    CONTACT_INACTIVE = N_("This contact is inactive.")
    ALREADY_HAS_ACCESS = N_("This contact already has access.")
    ALREADY_INVITED = N_("This contact already has a pending invitation.")
    INVITATION_NOT_PENDING = N_("This invitation is no longer pending.")
    INVITATION_EXPIRED = N_("This invitation has expired; ask for a new one.")
    INVALID_TOKEN = N_("This invitation link is not valid.")
    ALREADY_LINKED = N_("Your account is already linked to another contact of this organization.")
    NO_ACCESS_TO_REVIEW = N_("This contact has no access to review.")
    LAPSE_DAYS_RANGE = N_("The grace period must be between {minimum} and {maximum} days.")
    PAYLOAD_TOO_LARGE = N_("The request body is too large: at most {maximum} bytes.")
    UNSUPPORTED_MEDIA_TYPE = N_(
        "Send the operation as JSON (Content-Type: application/json), or as a GET query string."
    )
    MALFORMED_JSON = N_("The request body is not valid JSON.")
    NOT_A_JSON_OBJECT = N_("The request body must be a JSON object.")
    NO_QUERY = N_("The request holds no GraphQL document (the query).")
    BAD_REQUEST_PART = N_("The request's {part} has the wrong type.")
    MUTATION_OVER_GET = N_("A mutation must be sent with POST, not GET.")
    METHOD_NOT_ALLOWED = N_("Use GET or POST.")
    UNKNOWN_OPERATION = N_("The document has no operation named {name}.")
    OPERATION_NAME_REQUIRED = N_(
        "The document holds several operations: give the one to run (operationName)."
    )
    BAD_REQUEST = N_("The request is not valid.")
    SYNTAX_ERROR = N_("The document has a syntax error: {detail}")
    TOO_MANY_TOKENS = N_("The document holds more than {maximum} tokens.")
    TOO_MANY_ALIASES = N_("The document uses {count} aliases; at most {maximum} are allowed.")
    TOO_DEEP = N_("The operation {operation} nests deeper than {maximum} levels.")
    UNKNOWN_FIELD = N_("The type {type} has no field {field}.")
    UNKNOWN_ARGUMENT = N_("The field {field} takes no argument {argument}.")
    MISSING_ARGUMENT = N_("The field {field} needs its argument {argument} ({type}).")
    SUBFIELDS_REQUIRED = N_("The field {field} ({type}) needs a selection of its fields.")
    NO_SUBFIELDS = N_("The field {field} ({type}) has no fields to select.")
    UNKNOWN_TYPE = N_("There is no type {type}.")
    UNKNOWN_FRAGMENT = N_("There is no fragment {fragment}.")
    UNUSED_FRAGMENT = N_("The fragment {fragment} is never used.")
    UNUSED_VARIABLE = N_("The variable {variable} is never used.")
    UNDEFINED_VARIABLE = N_("The variable {variable} is not declared.")
    VARIABLE_REQUIRED = N_("The variable {variable} ({type}) is required, but it was not given.")
    VARIABLE_INVALID = N_("The variable {variable} has a value that does not fit: {detail}")
    VALUE_INVALID = N_("A value does not fit its type: {detail}")
    DID_YOU_MEAN = N_("Did you mean {suggestions}?")
    INVALID_DOCUMENT = N_("The document is not valid: {detail}")


# Names of input fields, as the messages show them.
FIELD_LABELS: dict[str, str] = {
    "name": N_("Name"),
    "firstName": N_("First name"),
    "lastName": N_("Last name"),
    "email": N_("Email"),
    "title": N_("Title"),
    "officeLocation": N_("Office location"),
    "positionType": N_("Position type"),
    "fte": N_("Full-time equivalent"),
    "preferredLanguage": N_("Preferred language"),
    "message": N_("Invitation message"),
    "number": N_("Phone number"),
    "extension": N_("Extension"),
}


@dataclass(frozen=True, slots=True)
class Localized:
    """A value with a name in each language, shown in the reader's."""

    english: str
    french: str

    def in_(self, language: Language) -> str:
        return self.french if language is Language.FRENCH else self.english


@dataclass(frozen=True, slots=True)
class Quoted:
    """A name shown between the reader's quotes: “name”, « name »."""

    value: str

    def in_(self, language: Language) -> str:
        if language is Language.FRENCH:
            return f"«\u00a0{self.value}\u00a0»"
        return f"“{self.value}”"


@dataclass(frozen=True, slots=True)
class Choices:
    """Values shown as a list: "a, b or c", "a, b ou c"; `quoted`, each between quotes."""

    values: tuple[str, ...]
    quoted: bool = False

    def in_(self, language: Language) -> str:
        values = [Quoted(value).in_(language) if self.quoted else value for value in self.values]
        return format_list(values, style="or", locale=LOCALES[language])


def _french() -> dict[str, str]:
    source = files(__name__.rpartition(".")[0]) / "locale" / "fr" / "LC_MESSAGES" / "messages.po"
    with source.open("rb") as catalogue:
        return {
            str(message.id): str(message.string)
            for message in read_po(catalogue)
            if message.id and message.string
        }


FRENCH = _french()


def text_in(english: str, language: Language) -> str:
    """`english` (a message, a label) in `language`."""
    return FRENCH.get(english, english) if language is Language.FRENCH else english


def translate(message: str, language: Language, **fields: object) -> str:
    """`message` in `language`, its placeholders filled with `fields` formatted for it."""
    locale = LOCALES[language]
    values: dict[str, object] = {}
    for name, value in fields.items():
        if name == "label":
            value = text_in(FIELD_LABELS[str(value)], language)
        if isinstance(value, Localized | Quoted | Choices):
            value = value.in_(language)
        elif isinstance(value, int) and not isinstance(value, bool):
            value = format_decimal(value, locale=locale)
        values[name] = value
    return text_in(message, language).format(**values)


def placeholders(template: str) -> frozenset[str]:
    """The names a message's template fills in."""
    return frozenset(re.findall(r"{(\w+)}", template))


def every_message() -> Iterable[str]:
    """Every English text the service may show: messages and field labels."""
    yield from (member.value for member in Message)
    yield from FIELD_LABELS.values()


_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


def language_from_header(accept_language: str | None) -> Language:
    """French when the client prefers it to English, English otherwise (RFC 9110 weights;
    "fr", "fr-CA", "fr_CA" and "FR" are all French). The one place the language of a
    request is decided: errors, emails, profile names and phone numbers follow it."""
    best: tuple[float, Language] = (0.0, Language.ENGLISH)
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, parameters = item.partition(";")
        primary = re.split(r"[-_]", tag.strip().lower())[0]
        if primary not in {"en", "fr"}:
            continue
        quality = 1.0
        if match := _QUALITY.match(parameters):
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        # Earlier entries win ties, so "fr, en" is French.
        score = quality - position * 1e-6
        if score > best[0]:
            best = (score, Language.FRENCH if primary == "fr" else Language.ENGLISH)
    return best[1]
