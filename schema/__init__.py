"""The GraphQL schema: Strawberry types, inputs, and the schema object."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from graphql import ASTValidationRule
from strawberry import Schema
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.types.base_scalars import DateTimeDefinition

from contacts_api.schema.accounts import Account
from contacts_api.schema.audit import AuditEvent
from contacts_api.schema.contacts import Contact
from contacts_api.schema.extensions import (
    MaskUnexpectedErrors,
    QueryCostLimiter,
    RecordOperationName,
)
from contacts_api.schema.invitations import Invitation
from contacts_api.schema.mutation import Mutation
from contacts_api.schema.organizations import Organization
from contacts_api.schema.profiles import SecurityProfile
from contacts_api.schema.query import Query

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


class ContactsSchema(Schema):
    def process_errors(self, errors: object, execution_context: object = None) -> None:
        """Expected errors need no log line; MaskUnexpectedErrors logs the others."""


MAX_COST = 1000
LIMIT_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, None, None),
    max_aliases.create_validator(MAX_ALIASES),
]


def create_schema(*, introspection: bool = True, max_cost: int = MAX_COST) -> ContactsSchema:
    """The schema with its limits; introspection can be switched off by configuration."""
    extensions: list[Any] = [
        # The same rule classes for every request, so that the validation cache can hit (it
        # keys on the rules as well as the document).
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ParserCache,
        ValidationCache,
        lambda: QueryCostLimiter(maximum=max_cost),
        MaskUnexpectedErrors,
        RecordOperationName,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    return ContactsSchema(
        query=Query,
        mutation=Mutation,
        types=[Account, AuditEvent, Contact, Invitation, Organization, SecurityProfile],
        config=StrawberryConfig(
            auto_camel_case=True,
            scalar_map={
                datetime: dataclasses.replace(
                    DateTimeDefinition,
                    description="An ISO-8601 date and time with its UTC offset.",
                )
            },
        ),
        extensions=extensions,
    )


schema = create_schema()
