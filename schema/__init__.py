"""The GraphQL schema: Strawberry types, inputs, and the schema object."""

from __future__ import annotations

from strawberry import Schema
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig

from schema.extensions import MaskUnexpectedErrors, RecordOperationName
from schema.mutation import Mutation
from schema.query import Query
from schema.types import Account, AuditEvent, Contact, Invitation, Organization, SecurityProfile

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 5000


class ContactsSchema(Schema):
    def process_errors(self, errors: object, execution_context: object = None) -> None:
        """Expected errors need no log line; MaskUnexpectedErrors logs the others."""


schema = ContactsSchema(
    query=Query,
    mutation=Mutation,
    types=[Account, AuditEvent, Contact, Invitation, Organization, SecurityProfile],
    config=StrawberryConfig(auto_camel_case=True),
    extensions=[
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ParserCache,
        ValidationCache,
        MaskUnexpectedErrors,
        RecordOperationName,
    ],
)
