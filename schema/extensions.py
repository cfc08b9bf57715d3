"""Schema extensions of the service."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import ExecutionResult, GraphQLError, get_operation_ast
from strawberry.extensions import SchemaExtension

from contacts_api.models import Language
from contacts_api.resolvers.context import Context
from contacts_api.rules.messages import Message, translate
from contacts_api.schema.cost import MAX_LIST_LENGTH, operation_cost

logger = logging.getLogger("contacts.errors")


class QueryCostLimiter(SchemaExtension):
    """Refuses an operation whose calculated cost is above the limit, or with a list argument
    longer than the longest accepted, before it executes; reports the cost in the
    response's `extensions` (see schema.cost)."""

    def __init__(self, *, maximum: int) -> None:
        self.maximum = maximum
        self.cost: int | None = None

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        language = getattr(context.context, "language", Language.ENGLISH)
        document = context.graphql_document
        # The name the client gave (Strawberry's `operation_name` falls back to the first).
        asked = context._provided_operation_name
        if document is not None and get_operation_ast(document, asked) is None:
            # Several operations and no name: the specification asks for a refusal, not for
            # the first of them to run.
            context.result = ExecutionResult(
                data=None,
                errors=[
                    GraphQLError(
                        translate(Message.OPERATION_NAME_REQUIRED, language),
                        extensions={"code": "OPERATION_RESOLUTION_FAILURE"},
                    )
                ],
            )
        elif document is not None:
            cost = operation_cost(context.schema._schema, document, asked, context.variables)
            self.cost = cost.total
            if isinstance(context.context, Context):
                context.context.cost = cost.total
            refusal = None
            if cost.unstorable_text:
                refusal = GraphQLError(
                    translate(Message.UNSTORABLE_TEXT, language),
                    extensions={"code": "BAD_USER_INPUT"},
                )
            elif cost.longest_list > MAX_LIST_LENGTH:
                refusal = GraphQLError(
                    translate(
                        Message.LIST_TOO_LONG,
                        language,
                        length=cost.longest_list,
                        maximum=MAX_LIST_LENGTH,
                    ),
                    extensions={"code": "BAD_USER_INPUT"},
                )
            elif cost.total > self.maximum:
                refusal = GraphQLError(
                    translate(
                        Message.QUERY_TOO_COSTLY, language, cost=cost.total, maximum=self.maximum
                    ),
                    extensions={"code": "QUERY_TOO_COSTLY"},
                )
            if refusal is not None:
                context.result = ExecutionResult(data=None, errors=[refusal])
        yield

    def get_results(self) -> dict[str, object]:
        if self.cost is None:
            return {}
        return {"cost": {"requestedQueryCost": self.cost, "maximumAvailable": self.maximum}}


class RecordOperationName(SchemaExtension):
    """Keeps the operation's name in the context, for the request log and the metrics."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context.context
        if isinstance(context, Context):
            context.operation_name = self.execution_context.operation_name
        yield


class MaskUnexpectedErrors(SchemaExtension):
    """Unexpected exceptions reach the client as a generic error with a request id.

    The traceback goes to the log under the same id; the response never carries a stack
    trace, SQL or a secret. Errors the code raised on purpose (GraphQLError) pass unchanged.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        result.errors = [self._masked(error, context) for error in result.errors]

    @staticmethod
    def _masked(error: GraphQLError, context: object) -> GraphQLError:
        original = error.original_error
        if original is None or isinstance(original, GraphQLError):
            return error
        request_id = context.request_id if isinstance(context, Context) else "unknown"
        logger.error(
            "unexpected error in %s (request %s)",
            ".".join(str(part) for part in error.path or ()),
            request_id,
            exc_info=original,
        )
        language = context.language if isinstance(context, Context) else Language.ENGLISH
        message = translate(Message.INTERNAL_ERROR, language, request_id=request_id)
        return GraphQLError(
            message,
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )
