"""The errors graphql-core and Strawberry raise before an operation runs (a document that does
not parse or validate, variables that do not fit), with a code and in the caller's language.

Their English messages are matched rule by rule and rewritten from the service's catalogue,
with the names they quote (fields, types, variables) kept; a message no rule knows keeps its
wording inside a translated frame. Codes are Apollo's where Apollo has one:
GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT (variables),
OPERATION_RESOLUTION_FAILURE; and QUERY_TOO_DEEP, TOO_MANY_ALIASES and TOO_MANY_TOKENS for
the service's limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from graphql import GraphQLError

from contacts_api.models import Language
from contacts_api.rules.messages import Choices, Message, Quoted, translate

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
OPERATION_FAILED = "OPERATION_RESOLUTION_FAILURE"
# Parts of a match that are names, shown quoted in the reader's language.
NAMES = frozenset({"field", "type", "argument", "fragment", "variable", "operation", "name"})


@dataclass(frozen=True, slots=True)
class Rule:
    pattern: re.Pattern[str]
    code: str
    message: Message


def _rule(pattern: str, code: str, message: Message) -> Rule:
    return Rule(re.compile(pattern, re.DOTALL), code, message)


SUGGESTIONS = r"(?: Did you mean (?P<choices>.+)\?)?"
RULES = [
    _rule(
        r"^Syntax Error: Document contains more than (?P<maximum>\d+) tokens\. Parsing aborted\.$",
        "TOO_MANY_TOKENS",
        Message.TOO_MANY_TOKENS,
    ),
    _rule(r"^Syntax Error: (?P<detail>.*)$", PARSE_FAILED, Message.SYNTAX_ERROR),
    _rule(
        r"^(?P<count>\d+) aliases found\. Allowed: (?P<maximum>\d+)$",
        "TOO_MANY_ALIASES",
        Message.TOO_MANY_ALIASES,
    ),
    _rule(
        r"^'(?P<operation>.*)' exceeds maximum operation depth of (?P<maximum>\d+)$",
        "QUERY_TOO_DEEP",
        Message.TOO_DEEP,
    ),
    _rule(
        rf"^Cannot query field '(?P<field>[^']+)' on type '(?P<type>[^']+)'\.{SUGGESTIONS}$",
        VALIDATION_FAILED,
        Message.UNKNOWN_FIELD,
    ),
    _rule(
        rf"^Unknown argument '(?P<argument>[^']+)' on field '(?P<field>[^']+)'\.{SUGGESTIONS}$",
        VALIDATION_FAILED,
        Message.UNKNOWN_ARGUMENT,
    ),
    _rule(
        r"^Field '(?P<field>[^']+)' argument '(?P<argument>[^']+)' of type '(?P<type>[^']+)' "
        r"is required, but it was not provided\.$",
        VALIDATION_FAILED,
        Message.MISSING_ARGUMENT,
    ),
    _rule(
        r"^Field '(?P<field>[^']+)' of type '(?P<type>[^']+)' must have a selection of "
        r"subfields\..*$",
        VALIDATION_FAILED,
        Message.SUBFIELDS_REQUIRED,
    ),
    _rule(
        r"^Field '(?P<field>[^']+)' must not have a selection since type '(?P<type>[^']+)' "
        r"has no subfields\.$",
        VALIDATION_FAILED,
        Message.NO_SUBFIELDS,
    ),
    _rule(
        rf"^Unknown type '(?P<type>[^']+)'\.{SUGGESTIONS}$", VALIDATION_FAILED, Message.UNKNOWN_TYPE
    ),
    _rule(
        r"^Unknown fragment '(?P<fragment>[^']+)'\.$", VALIDATION_FAILED, Message.UNKNOWN_FRAGMENT
    ),
    _rule(
        r"^Fragment '(?P<fragment>[^']+)' is never used\.$",
        VALIDATION_FAILED,
        Message.UNUSED_FRAGMENT,
    ),
    _rule(
        r"^Variable '(?P<variable>\$[^']+)' is never used(?: in operation '[^']*')?\.$",
        VALIDATION_FAILED,
        Message.UNUSED_VARIABLE,
    ),
    _rule(
        r"^Variable '(?P<variable>\$[^']+)' is not defined(?: by operation '[^']*')?\.$",
        VALIDATION_FAILED,
        Message.UNDEFINED_VARIABLE,
    ),
    _rule(
        r"^Variable '(?P<variable>\$[^']+)' of required type '(?P<type>[^']+)' was not "
        r"provided\.$",
        "BAD_USER_INPUT",
        Message.VARIABLE_REQUIRED,
    ),
    _rule(
        r"^Variable '(?P<variable>\$[^']+)' (?:got|has) invalid value:? (?P<detail>.*)$",
        "BAD_USER_INPUT",
        Message.VARIABLE_INVALID,
    ),
    _rule(
        r"^Unknown operation named '(?P<name>[^']+)'\.$",
        OPERATION_FAILED,
        Message.UNKNOWN_OPERATION,
    ),
    _rule(
        r"^Must provide operation name if query contains multiple operations\.$",
        OPERATION_FAILED,
        Message.OPERATION_NAME_REQUIRED,
    ),
    _rule(
        r"^(?P<detail>(?:Expected value of type|Expected type|Int cannot|Float cannot|"
        r"String cannot|Boolean cannot|ID cannot|Enum '|Value ').*)$",
        VALIDATION_FAILED,
        Message.VALUE_INVALID,
    ),
]


def localized(errors: Sequence[GraphQLError], language: Language) -> list[GraphQLError]:
    """`errors` of a document that did not run, each with a code, in `language`; errors that
    carry a code already (the service's own) are left as they are."""
    return [
        error if (error.extensions or {}).get("code") else _localized(error, language)
        for error in errors
    ]


def _localized(error: GraphQLError, language: Language) -> GraphQLError:
    for rule in RULES:
        match = rule.pattern.match(error.message)
        if match is None:
            continue
        found = {name: value for name, value in match.groupdict().items() if value is not None}
        choices = found.pop("choices", None)
        fields: dict[str, object] = {
            name: Quoted(value) if name in NAMES else _number_or_text(value)
            for name, value in found.items()
        }
        message = translate(rule.message, language, **fields)
        if choices:
            names = tuple(re.findall(r"'([^']+)'", choices))
            message += " " + translate(
                Message.DID_YOU_MEAN, language, suggestions=Choices(names, quoted=True)
            )
        return _with(error, message, rule.code)
    detail = error.message
    return _with(
        error, translate(Message.INVALID_DOCUMENT, language, detail=detail), VALIDATION_FAILED
    )


def _number_or_text(value: str) -> object:
    return int(value) if value.isdigit() else value


def _with(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={**(error.extensions or {}), "code": code},
    )
