"""The planner's entry point: a request's body and its token's claims in, the response's
JSON out, or None for the standard path.

A document is parsed and validated once (the same rules and limits as the standard path),
then each request coerces its variables with graphql-core (`Executor.build`), computes the
operation's cost as the cost extension does, and finds its plan (compiled once per document,
operation and condition values). Running it reads the viewer and the organization in one
statement and the page in another (`reads`), decides visibility and permissions with
`rules.authorization`, and writes each field from the rows; anything it does not answer hands
the request back before anything was written.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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

from contacts_api.models import Language
from contacts_api.models.contact_search import CONTACT_ORDER, ContactSearch
from contacts_api.models.pagination import (
    Edge,
    FirstAndLast,
    MalformedCursor,
    PageBounds,
    PageInfo,
    PageRequest,
    PageSizeOutOfRange,
)
from contacts_api.models.text import all_storable, storable
from contacts_api.planner.plans import (
    Field,
    HandBack,
    NotCovered,
    Plan,
    compile_operation,
    conditions,
)
from contacts_api.planner.reads import (
    ContactRow,
    OrganizationRow,
    ReadFailed,
    Reads,
    UsualFilter,
)
from contacts_api.planner.writers import Writer, compile_writer
from contacts_api.resolvers import ids
from contacts_api.resolvers import organizations as organization_fields
from contacts_api.rules import authorization
from contacts_api.rules.authorization import Claims, Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.runtime.settings import Settings
from contacts_api.schema.cost import MAX_LIST_LENGTH, Cost, operation_cost

logger = logging.getLogger("contacts.planner")

DOCUMENTS = 256
PLANS = 512
# What the caches hold at most: a document's length (the contacts page's is ~1 KB), and the
# parts of the variables a cost is remembered by.
MAX_DOCUMENT_LENGTH = 8_192
MAX_COST_KEY = 256


@dataclass(frozen=True, slots=True)
class Answer:
    """The response body, and what the request log says of it."""

    body: bytes
    operation_name: str | None
    account_id: int


@dataclass(frozen=True, slots=True)
class ContactsPage:
    edges: list[Edge[ContactRow]]
    page_info: PageInfo
    total_count: int

    @property
    def nodes(self) -> list[ContactRow]:
        return [edge.node for edge in self.edges]


@dataclass(frozen=True, slots=True)
class SearchContext:
    """What a contact search reads of its request (`organizations.contact_search`)."""

    language: Language
    now: datetime
    settings: Settings


@dataclass(slots=True)
class Run:
    """One request's run of a plan: what it read, and what the fields are decided with."""

    viewer: Viewer
    catalogue: Catalogue
    now: datetime
    language: Language
    organization: OrganizationRow | None = None
    # The profiles the viewer may assign there, when it administers it.
    manageable: frozenset[str] | None = None
    # By contacts field of the plan (its id).
    pages: dict[int, ContactsPage] = field(default_factory=dict)


class Planner:
    def __init__(
        self,
        schema: GraphQLSchema,
        reads: Reads,
        settings: Settings,
        *,
        max_cost: int,
        max_tokens: int,
        rules: Sequence[type[ASTValidationRule]],
    ) -> None:
        self._schema = schema
        self._reads = reads
        self._settings = settings
        self._max_cost = max_cost
        self._max_tokens = max_tokens
        self._rules = [*specified_rules, *rules]
        self._documents: OrderedDict[str, tuple[DocumentNode, frozenset[str]] | None] = (
            OrderedDict()
        )
        self._plans: OrderedDict[tuple[Any, ...], tuple[Plan, Writer]] = OrderedDict()
        self._costs: OrderedDict[tuple[Any, ...], Cost] = OrderedDict()
        self.answered = 0
        self.handed_back = 0

    async def answer(
        self,
        body: bytes,
        claims: Claims,
        *,
        catalogue: Catalogue,
        now: datetime,
        language: Language,
    ) -> Answer | None:
        """The answer to `body` (a POSTed GraphQL request) by a signed-in caller, or None."""
        try:
            answer = await self._answer(body, claims, catalogue, now, language)
        except (NotCovered, HandBack, GraphQLError, ReadFailed):
            answer = None
        except Exception:
            # Whatever the planner did not foresee, the standard path answers (and reports).
            logger.warning("the planner handed a request back after an error", exc_info=True)
            answer = None
        if answer is None:
            self.handed_back += 1
        else:
            self.answered += 1
        return answer

    async def _answer(
        self, body: bytes, claims: Claims, catalogue: Catalogue, now: datetime, language: Language
    ) -> Answer | None:
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
            and len(query) <= MAX_DOCUMENT_LENGTH
            and isinstance(name, str | None)
            and isinstance(variables, dict | None)
            and all_storable(request)
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
        cost = self._cost(query, document, name, variables)
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
        compiled = self._plans.get(key)
        if compiled is None:
            plan = compile_operation(executor)
            compiled = self._plans[key] = (plan, compile_writer(plan.selection, RESOLVERS))
            if len(self._plans) > PLANS:
                self._plans.popitem(last=False)
        plan, write = compiled
        run = await self._read(plan, executor.variable_values, claims, catalogue, now, language)
        data = write(None, run)
        operation = executor.operation
        body = orjson.dumps(
            {
                "data": data,
                "extensions": {
                    "cost": {"requestedQueryCost": cost.total, "maximumAvailable": self._max_cost}
                },
            }
        )
        return Answer(body, operation.name.value if operation.name else None, run.viewer.account.id)

    async def _read(
        self,
        plan: Plan,
        variables: VariableValues,
        claims: Claims,
        catalogue: Catalogue,
        now: datetime,
        language: Language,
    ) -> Run:
        """Everything the plan's fields read: the viewer with the organization in one
        statement, each page (with its count, for a last-name search) in another."""
        organization_ids = {
            _organization_id(_arguments(organization_field, variables))
            for organization_field in plan.organizations
        }
        if len(organization_ids) != 1:
            raise HandBack("several organizations")
        (organization_id,) = organization_ids
        asked = SearchContext(language, now, self._settings)
        searches = [
            (page, _PageSearch.of(_arguments(page, variables), asked)) for page in plan.pages
        ]
        built_for_the_request = any(
            UsualFilter.of(wanted.search) is None for _page, wanted in searches
        )
        async with self._reads.connection(
            built_for_the_request=built_for_the_request
        ) as connection:
            found = await self._reads.viewer(connection, claims.subject, organization_id)
            if found is None or not authorization.is_current(found.account, claims):
                raise HandBack("the account is created or refreshed first")
            memberships = {} if found.membership is None else {organization_id: found.membership}
            run = Run(Viewer(found.account, memberships), catalogue, now, language)
            organization = found.organization
            if organization is None or not authorization.is_member(run.viewer, organization.id):
                return run
            run.organization = organization
            run.manageable = authorization.manageable_profile_codes(
                run.viewer, organization, catalogue
            )
            for page, wanted in searches:
                rows, total = await self._reads.page(
                    connection, organization.id, wanted.bounds, wanted.search
                )
                if total is None:
                    total = await self._reads.count(connection, organization, wanted.search)
                edges, page_info = CONTACT_ORDER.edges(rows, wanted.bounds)
                run.pages[id(page)] = ContactsPage(edges, page_info, total)
        return run

    def _cost(self, query: str, document: DocumentNode, name: str | None, variables: Any) -> Cost:
        """The operation's cost, as the cost extension computes it. It reads of the
        variables only numbers, booleans, the lengths of lists and whether each text can be
        stored, so requests alike in those share one computation."""
        shape = _cost_key(variables)
        if shape is None:
            return operation_cost(self._schema, document, name, variables)
        key = (query, name, shape)
        cost = self._costs.get(key)
        if cost is None:
            cost = self._costs[key] = operation_cost(self._schema, document, name, variables)
            if len(self._costs) > PLANS:
                self._costs.popitem(last=False)
        return cost

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


def _cost_key(variables: Any) -> tuple[Any, ...] | None:
    """What the cost reads of the variables (see `Planner._cost`), in order; None for
    variables too large to remember (the cost is then computed for the request alone)."""
    shape: list[Any] = []
    pending = [variables]
    while pending:
        if len(shape) > MAX_COST_KEY:
            return None
        value = pending.pop()
        if isinstance(value, str):
            shape.append((str, storable(value)))
        elif isinstance(value, list):
            shape.append((list, len(value)))
            pending.extend(reversed(value))
        elif isinstance(value, dict):
            shape.append((dict, tuple(value)))
            pending.extend(reversed(value.values()))
        else:
            shape.append((type(value), value))
    return tuple(shape)


def _arguments(field: Field, variables: VariableValues) -> dict[str, Any]:
    assert field.arguments is not None
    definition, node = field.arguments
    return get_argument_values(definition, node, variables)


def _organization_id(arguments: dict[str, Any]) -> int:
    try:
        return int(ids.decode_as(arguments["id"], ids.NodeType.ORGANIZATION))
    except ids.MalformedId:
        raise HandBack("malformed id") from None


@dataclass(frozen=True, slots=True)
class _PageSearch:
    bounds: PageBounds
    search: ContactSearch

    @classmethod
    def of(cls, arguments: dict[str, Any], asked: SearchContext) -> _PageSearch:
        """The page the contacts field's arguments ask for; a page request or a filter the
        standard path refuses hands the request back (it says why)."""
        try:
            bounds = CONTACT_ORDER.bounds(
                PageRequest(
                    arguments.get("first"),
                    arguments.get("after"),
                    arguments.get("last"),
                    arguments.get("before"),
                )
            )
        except (PageSizeOutOfRange, FirstAndLast, MalformedCursor):
            raise HandBack("page request") from None
        search = arguments.get("filter") or {}
        return cls(
            bounds,
            organization_fields.contact_search(
                asked,
                last_name=search.get("lastName"),
                first_name=search.get("firstName"),
                email=search.get("email"),
                profile_ids=search.get("securityProfileIds"),
                active_only=search.get("activeOnly", True) is not False,
                has_access=search.get("hasAccess"),
                review_due=search.get("accessReviewDue"),
            ),
        )


def _viewer_can_manage(contact: ContactRow, run: Run) -> bool:
    invitation = contact.invitation
    return authorization.may_manage_with(
        run.manageable,
        held_codes=contact.profile_codes,
        latest_invitation=invitation,
        latest_invitation_codes=invitation.profile_codes if invitation else (),
    )


RESOLVERS: dict[str, Callable[[Any, Field, Run], Any]] = {
    "Query.organization": lambda _root, _field, run: run.organization,
    "Organization.id": lambda org, _field, _run: ids.encode(ids.NodeType.ORGANIZATION, org.id),
    "Organization.viewerIsAdministrator": lambda org, _field, run: authorization.is_administrator(
        run.viewer, org.id, run.catalogue
    ),
    "Organization.contacts": lambda _org, contacts, run: run.pages[id(contacts)],
    "ContactConnection.totalCount": lambda page, _field, _run: page.total_count,
    "ContactConnection.edges": lambda page, _field, _run: page.edges,
    "ContactConnection.nodes": lambda page, _field, _run: page.nodes,
    "ContactConnection.pageInfo": lambda page, _field, _run: page.page_info,
    "ContactEdge.cursor": lambda edge, _field, _run: edge.cursor,
    "ContactEdge.node": lambda edge, _field, _run: edge.node,
    "Contact.id": lambda contact, _field, _run: ids.encode(ids.NodeType.CONTACT, contact.id),
    "Contact.emails": lambda contact, _field, _run: contact.emails,
    "Contact.isAdministrator": lambda contact, _field, run: (
        authorization.holds_administrator_profile(contact.profile_codes, run.catalogue)
    ),
    "Contact.viewerCanManage": lambda contact, _field, run: _viewer_can_manage(contact, run),
    "Contact.securityProfiles": lambda contact, _field, run: run.catalogue.ordered(
        contact.profile_codes
    ),
    "Contact.invitation": lambda contact, _field, _run: contact.invitation,
    "SecurityProfile.id": lambda profile, _field, _run: ids.encode(
        ids.NodeType.SECURITY_PROFILE, profile.code
    ),
    "SecurityProfile.name": lambda profile, _field, run: profile.name_in(run.language),
    "Invitation.id": lambda invitation, _field, _run: ids.encode(
        ids.NodeType.INVITATION, invitation.id
    ),
    "Invitation.status": lambda invitation, _field, run: invitation.status_at(run.now),
}
