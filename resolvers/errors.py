"""GraphQL errors with the codes of the contract, in the caller's language."""

from __future__ import annotations

from graphql import GraphQLError

from contacts_api.models.enums import Language
from contacts_api.rules.messages import Message, translate


def unauthenticated(language: Language) -> GraphQLError:
    return _error("UNAUTHENTICATED", translate(Message.UNAUTHENTICATED, language))


def forbidden(language: Language) -> GraphQLError:
    return _error("FORBIDDEN", translate(Message.FORBIDDEN, language))


def bad_user_input(language: Language, message: Message, **fields: object) -> GraphQLError:
    return _error("BAD_USER_INPUT", translate(message, language, **fields))


def _error(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})
