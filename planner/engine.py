"""The planner's entry point: a request's body in, the response's JSON out, or None for the
standard path.

A document is parsed and validated once (the same rules and limits as the standard path),
then each request coerces its variables with graphql-core (`Executor.build`), computes the
operation's cost as the cost extension does, compiles its plan, and runs it. Running it loads
through the request's resolvers and DataLoaders, and writes each field from what they
returned; any error on the way hands the request back, before anything was written.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    parse,
    specified_rules,
    validate,
)
from graphql.execution.executor import Executor
from graphql.execution.values import VariableValues, get_argument_values

from contacts_api.models.pagination import Page, PageRequest
from contacts_api.planner.plans import Field, NotCovered, Selection, compile_operation, conditions
from contacts_api.resolvers import contacts as contact_fields
from contacts_api.resolvers import ids
from contacts_api.resolvers import invitations as invitation_fields
from contacts_api.resolvers import organizations as organization_fields
from contacts_api.resolvers import queries as query_fields
from contacts_api.resolvers.context import Context
from contacts_api.schema.cost import MAX_LIST_LENGTH, operation_cost

DOCUMENTS = 256
PLANS = 512


@dataclass(frozen=True, slots=True)
class Run:
    """One request's run of a plan: its context, and its variables to read arguments with."""

    ctx: Context
    variables: VariableValues

    def arguments(self, field: Field) -> dict[str, Any]:
        assert field.arguments is not None
        definition, node = field.arguments
        return get_argument_values(definition, node, self.variables)


class Later(Exception):
    """A value is not at hand yet: the object is written again, with awaits."""


class HandBack(Exception):
    """At run time: the standard path answers this request (it reports what happened)."""


class Planner:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        max_cost: int,
        max_tokens: int,
        rules: Sequence[type[ASTValidationRule]],
    ) -> None:
        self._schema = schema
        self._max_cost = max_cost
        self._max_tokens = max_tokens
        self._rules = [*specified_rules, *rules]
        self._documents: OrderedDict[str, tuple[DocumentNode, frozenset[str]] | None] = (
            OrderedDict()
        )
        self._plans: OrderedDict[tuple[Any, ...], Selection] = OrderedDict()
        self.answered = 0
        self.handed_back = 0

    async def answer(self, body: bytes, ctx: Context) -> bytes | None:
        """The response body for `body` (a POSTed GraphQL request), or None."""
        try:
            response = await self._answer(body, ctx)
        except (NotCovered, HandBack, GraphQLError):
            response = None
        if response is None:
            self.handed_back += 1
        else:
            self.answered += 1
        return response

    async def _answer(self, body: bytes, ctx: Context) -> bytes | None:
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(request, dict) or not request.keys() <= {
            "query",
            "operationName",
            "variables",
        }:
            return None
        query, name, variables = (
            request.get("query"),
            request.get("operationName"),
            request.get("variables"),
        )
        if not (
            isinstance(query, str)
            and isinstance(name, str | None)
            and isinstance(variables, dict | None)
        ):
            return None
        parsed = self._document(query)
        if parsed is None:
            raise HandBack("invalid document")
        document, condition_names = parsed
        executor = Executor.build(
            self._schema, document, raw_variable_values=variables, operation_name=name
        )
        if isinstance(executor, list):
            raise HandBack("variables")
        cost = operation_cost(self._schema, document, name, variables)
        if cost.unstorable_text or cost.longest_list > MAX_LIST_LENGTH:
            raise HandBack("cost refusal")
        if cost.total > self._max_cost:
            raise HandBack("too costly")
        coerced = executor.variable_values.coerced
        key = (
            query,
            name,
            tuple(sorted((n, coerced.get(n)) for n in condition_names)),
        )
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = compile_operation(executor)
            if len(self._plans) > PLANS:
                self._plans.popitem(last=False)
        run = Run(ctx, executor.variable_values)
        data = await self._object(plan, None, run)
        ctx.cost = cost.total
        operation = executor.operation
        ctx.operation_name = operation.name.value if operation.name else None
        return orjson.dumps(
            {
                "data": data,
                "extensions": {
                    "cost": {"requestedQueryCost": cost.total, "maximumAvailable": self._max_cost}
                },
            }
        )

    def _document(self, query: str) -> tuple[DocumentNode, frozenset[str]] | None:
        """The parsed document and its condition variables, if it parses and validates;
        None otherwise (the standard path then reports why)."""
        if query in self._documents:
            self._documents.move_to_end(query)
            return self._documents[query]
        parsed: tuple[DocumentNode, frozenset[str]] | None = None
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError:
            document = None
        if document is not None and not validate(self._schema, document, self._rules):
            parsed = (document, conditions(document))
        self._documents[query] = parsed
        if len(self._documents) > DOCUMENTS:
            self._documents.popitem(last=False)
        return parsed

    async def _object(self, selection: Selection, source: Any, run: Run) -> dict[str, Any]:
        """The object `selection` asks of `source`: written at once when every value is at
        hand (a page's rows, loaded ahead), field after field with awaits otherwise."""
        try:
            return self._written(selection, source, run)
        except Later:
            pass
        answer: dict[str, Any] = {}
        for key, field in selection.fields:
            answer[key] = await self._value(field, selection, source, run)
        return answer

    def _written(self, selection: Selection, source: Any, run: Run) -> dict[str, Any]:
        answer: dict[str, Any] = {}
        for key, field in selection.fields:
            kind = field.kind
            if kind == "leaf":
                answer[key] = _leaf(getattr(source, field.attribute), field)
                continue
            if kind == "typename":
                answer[key] = selection.type_name
                continue
            value = RESOLVERS[kind](source, field, run)
            if _awaitable(value):
                if inspect.iscoroutine(value):
                    value.close()
                raise Later
            answer[key] = self._completed(field, value, run)
        return answer

    def _completed(self, field: Field, value: Any, run: Run) -> Any:
        if value is None:
            if not field.nullable:
                raise HandBack(field.kind)
            return None
        if field.serialize is not None:
            if isinstance(value, list):
                return [_leaf(item, field) for item in value]
            return _leaf(value, field)
        assert field.selection is not None
        if isinstance(value, list):
            return [self._written(field.selection, item, run) for item in value]
        return self._written(field.selection, value, run)

    async def _value(self, field: Field, parent: Selection, source: Any, run: Run) -> Any:
        kind = field.kind
        if kind == "leaf":
            return _leaf(getattr(source, field.attribute), field)
        if kind == "typename":
            return parent.type_name
        value = RESOLVERS[kind](source, field, run)
        if _awaitable(value):
            value = await value
        if value is None:
            if not field.nullable:
                raise HandBack(kind)
            return None
        if field.serialize is not None:
            if isinstance(value, list):
                return [_leaf(item, field) for item in value]
            return _leaf(value, field)
        assert field.selection is not None
        if isinstance(value, list):
            return [await self._object(field.selection, item, run) for item in value]
        return await self._object(field.selection, value, run)


def _awaitable(value: Any) -> bool:
    """inspect.isawaitable without its ABC check, which costs more than the rest here."""
    return hasattr(type(value), "__await__")


def _leaf(value: Any, field: Field) -> Any:
    if value is None:
        if not field.nullable:
            raise HandBack(field.name)
        return None
    if type(value) is field.same_as:
        # What graphql-core's serializer gives back unchanged (a str for String and ID, a
        # bool for Boolean).
        return value
    assert field.serialize is not None
    serialized = field.serialize(value)
    if serialized is None:
        raise HandBack(field.name)
    return serialized


async def _contacts(organization: Any, field: Field, run: Run) -> Page[Any]:
    arguments = run.arguments(field)
    search = arguments.get("filter") or {}
    return await organization_fields.contacts(
        run.ctx,
        organization,
        PageRequest(
            arguments.get("first"),
            arguments.get("after"),
            arguments.get("last"),
            arguments.get("before"),
        ),
        last_name=search.get("lastName"),
        first_name=search.get("firstName"),
        email=search.get("email"),
        profile_ids=search.get("securityProfileIds"),
        active_only=search.get("activeOnly", True) is not False,
        has_access=search.get("hasAccess"),
        review_due=search.get("accessReviewDue"),
        selected=_node_fields(field),
    )


def _node_fields(field: Field) -> frozenset[str]:
    """The names of the fields asked of each contact of the page (edges' nodes and nodes),
    for what the page loads ahead."""
    assert field.selection is not None
    names: set[str] = set()
    for _key, part in field.selection.fields:
        if part.name == "nodes" and part.selection is not None:
            names.update(sub.name for _k, sub in part.selection.fields)
        if part.name == "edges" and part.selection is not None:
            for _k, edge_part in part.selection.fields:
                if edge_part.name == "node" and edge_part.selection is not None:
                    names.update(sub.name for _k2, sub in edge_part.selection.fields)
    return frozenset(names)


RESOLVERS: dict[str, Any] = {
    "Query.organization": lambda _root, field, run: query_fields.organization(
        run.ctx, run.arguments(field)["id"]
    ),
    "Organization.id": lambda org, _f, _run: ids.encode(ids.NodeType.ORGANIZATION, org.id),
    "Organization.viewerIsAdministrator": lambda org, _f, run: (
        organization_fields.viewer_is_administrator(run.ctx, org)
    ),
    "Organization.contacts": _contacts,
    "ContactConnection.totalCount": lambda page, _f, _run: page.total_count(),
    "ContactConnection.edges": lambda page, _f, _run: page.edges,
    "ContactConnection.nodes": lambda page, _f, _run: page.nodes,
    "ContactConnection.pageInfo": lambda page, _f, _run: page.page_info,
    "ContactEdge.cursor": lambda edge, _f, _run: edge.cursor,
    "ContactEdge.node": lambda edge, _f, _run: edge.node,
    "Contact.id": lambda contact, _f, _run: ids.encode(ids.NodeType.CONTACT, contact.id),
    "Contact.emails": lambda contact, _f, _run: contact.emails,
    "Contact.isAdministrator": lambda contact, _f, run: contact_fields.is_administrator(
        run.ctx, contact
    ),
    "Contact.viewerCanManage": lambda contact, _f, run: contact_fields.viewer_can_manage(
        run.ctx, contact
    ),
    "Contact.securityProfiles": lambda contact, _f, run: contact_fields.security_profiles(
        run.ctx, contact
    ),
    "Contact.invitation": lambda contact, _f, run: contact_fields.latest_invitation(
        run.ctx, contact
    ),
    "SecurityProfile.id": lambda profile, _f, _run: ids.encode(
        ids.NodeType.SECURITY_PROFILE, profile.code
    ),
    "SecurityProfile.name": lambda profile, _f, run: profile.name_in(run.ctx.language),
    "Invitation.id": lambda invitation, _f, _run: ids.encode(
        ids.NodeType.INVITATION, invitation.id
    ),
    "Invitation.status": lambda invitation, _f, run: invitation_fields.status(run.ctx, invitation),
}
