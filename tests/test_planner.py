"""The compiled read path answers exactly what graphql-core's executor answers.

Two applications over one database holding the demo data, one with the planner and one
without (QUERY_PLANNER=off), get the same requests: every example query, the benchmark's
page, hand-written variations (fragments, aliases, `@skip`/`@include`, variables, nulls,
errors, other organizations, every kind of viewer) and documents Hypothesis writes from the
covered fields. Their statuses, media types, languages and bodies must be identical, byte for
byte once parsed (keys in the same order). The planner must also really answer what it
covers: the differential would pass vacuously if it handed everything back.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import queries as bench_queries
from contacts_api.edge.authentication import issue_development_token
from contacts_api.resolvers.ids import NodeType
from contacts_api.runtime import demo
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.conftest import POSTGRESQL_ADMIN_URL
from tests.factories import gid

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@dataclasses.dataclass
class Pair:
    planned: httpx.AsyncClient
    standard: httpx.AsyncClient
    planner: Any
    settings: Settings
    organization_id: str
    other_organization_id: str
    tokens: dict[str, str | None]

    async def compare(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        viewer: str = "administrator",
        operation: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Send the request to both; they must answer the same. The planned answer."""
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if operation is not None:
            body["operationName"] = operation
        sent = {"Content-Type": "application/json", **(headers or {})}
        token = self.tokens[viewer]
        if token:
            sent["Authorization"] = f"Bearer {token}"
        answers = [
            await client.post("/graphql", content=json.dumps(body), headers=sent)
            for client in (self.planned, self.standard)
        ]
        planned, standard = answers
        assert planned.status_code == standard.status_code, (planned.text, standard.text)
        for header in ("content-type", "content-language", "vary"):
            assert planned.headers.get(header) == standard.headers.get(header), header
        assert json.dumps(planned.json()) == json.dumps(standard.json()), (
            planned.text,
            standard.text,
        )
        result: dict[str, Any] = planned.json()
        return result

    async def answered_by_planner(
        self, query: str, variables: dict[str, Any], **options: Any
    ) -> None:
        before = self.planner.answered
        await self.compare(query, variables, **options)
        assert self.planner.answered == before + 1, "the planner handed it back"


@pytest.fixture
async def pair(settings: Settings, clock: Clock) -> AsyncIterator[Pair]:
    accounts = await demo.seed(settings, now=clock.now())
    apps = [
        create_app(dataclasses.replace(settings, query_planner=on), clock=clock.now)
        for on in (True, False)
    ]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://contacts.test")
        for app in apps
    ]
    planned = clients[0]
    home = await planned.post(
        "/graphql",
        json={"query": "{ viewer { organizations { nodes { id name } } } }"},
        headers={"Authorization": f"Bearer {_token(settings, demo.STAFF)}"},
    )
    organizations = {
        n["name"]: n["id"] for n in home.json()["data"]["viewer"]["organizations"]["nodes"]
    }
    halifax = organizations[demo.HALIFAX]
    other = next(key for name, key in organizations.items() if name != demo.HALIFAX)
    tokens: dict[str, str | None] = {
        "administrator": _token(settings, demo.ORGANIZATION_ADMINISTRATOR),
        "staff": _token(settings, demo.STAFF),
        "stranger": issue_development_token(settings, email="stranger@elsewhere.example"),
        "anonymous": None,
    }
    for account in accounts:
        tokens.setdefault(account.role, _token(settings, account))
    # An account's first request creates or refreshes it from the claims: the standard path
    # answers that one (it writes), the planner those that follow.
    for token in tokens.values():
        if token:
            await planned.post(
                "/graphql",
                json={"query": "{ viewer { account { id } } }"},
                headers={"Authorization": f"Bearer {token}"},
            )
    try:
        yield Pair(
            planned,
            clients[1],
            apps[0].state.graphql.planner,
            settings,
            halifax,
            other,
            tokens,
        )
    finally:
        for client in clients:
            await client.aclose()
        for app in apps:
            await app.state.services.engine.dispose()


def _token(settings: Settings, account: demo.DemoAccount) -> str:
    return issue_development_token(settings, email=account.email, name=account.name)


PAGE = bench_queries.document(bench_queries.PAGE)


async def test_the_benchmark_page_is_planned_for_every_viewer(pair: Pair) -> None:
    for viewer in pair.tokens:
        await pair.compare(PAGE, {"id": pair.organization_id, "first": 10}, viewer=viewer)
    await pair.answered_by_planner(PAGE, {"id": pair.organization_id, "first": 10})
    for viewer in [v for v in pair.tokens if v != "anonymous"]:
        await pair.answered_by_planner(
            PAGE, {"id": pair.organization_id, "first": 3}, viewer=viewer
        )


async def test_pages_searches_and_cursors_answer_the_same(pair: Pair) -> None:
    first = await pair.compare(PAGE, {"id": pair.organization_id, "first": 4})
    cursor = first["data"]["organization"]["contacts"]["pageInfo"]["endCursor"]
    await pair.answered_by_planner(PAGE, {"id": pair.organization_id, "first": 4, "after": cursor})
    for search in (
        {"lastName": "th"},
        {"firstName": "MA"},
        {"email": "example"},
        {"activeOnly": False},
        {"activeOnly": None},
        {"hasAccess": True},
        {"hasAccess": False},
        {"accessReviewDue": True},
        {"securityProfileIds": [gid(NodeType.SECURITY_PROFILE, "ORG_ADMIN")]},
        {"lastName": "zzz"},
    ):
        await pair.compare(PAGE, {"id": pair.organization_id, "first": 100, "filter": search})
    # What the standard path refuses, it still refuses, the same way.
    for variables in (
        {"id": pair.organization_id, "first": 101},
        {"id": pair.organization_id, "first": -1},
        {"id": pair.organization_id, "after": "not-a-cursor"},
        {"id": "not-an-id"},
        {"id": pair.other_organization_id},
        {"id": gid(NodeType.CONTACT, 1)},
        {"id": pair.organization_id, "filter": {"lastName": "x" * 300}},
        {"id": pair.organization_id, "filter": {"securityProfileIds": ["nope"]}},
        {"id": pair.organization_id, "first": "ten"},
        {},
    ):
        await pair.compare(PAGE, variables)


VARIATIONS = [
    # aliases, fragments, __typename, skip and include
    """query V($id: ID!, $yes: Boolean!, $no: Boolean!) {
      org: organization(id: $id) {
        __typename id n: name viewerIsAdministrator providesCaseManagement
        accessLapseDays notifyAllAdministrators
        page: contacts(first: 5) {
          __typename totalCount
          info: pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
          nodes { ...Person kind: __typename }
          edges { __typename cursor node { id ... on Contact { email @include(if: $yes) } } }
        }
        other: contacts(first: 2, filter: {activeOnly: false}) @skip(if: $no) { nodes { id } }
        gone: contacts(first: 2) @skip(if: $yes) { nodes { id } }
      }
      again: organization(id: $id) { name }
    }
    fragment Person on Contact {
      firstName lastName title emails fte version isActive isPrimary hasAccess createdAt
      updatedAt preferredLanguage accessReviewedAt accountEmail officeLocation positionType
      isAdministrator viewerCanManage
      securityProfiles { __typename id code name area isAdministrator }
      invitation { __typename id status email sentAt expiresAt acceptedAt revokedAt remindedAt }
    }""",
    # nothing but the count, and an empty page
    "query V($id: ID!) { organization(id: $id) { contacts { totalCount } } }",
    "query V($id: ID!) { organization(id: $id) { contacts(first: 0) { nodes { id } pageInfo { hasNextPage endCursor } } } }",
    # backwards
    "query V($id: ID!) { organization(id: $id) { contacts(last: 3) { nodes { lastName } pageInfo { hasPreviousPage startCursor } } } }",
]
NOT_COVERED = [
    # fields the planner does not answer: the standard path does
    "query V($id: ID!) { organization(id: $id) { primaryContact { id } } }",
    "query V($id: ID!) { organization(id: $id) { contacts(first: 2) { nodes { phoneNumbers { display } } } } }",
    "query V($id: ID!) { organization(id: $id) { contacts(first: 2) { nodes { securityProfiles { name(language: FRENCH) } } } } }",
    "query V($id: ID!) { organization(id: $id) { contacts(first: 2) { nodes { invitation { deliveryStatus } } } } }",
    "query V($id: ID!) { organization(id: $id) { name } viewer { account { email } } }",
    "query V($id: ID!) { node(id: $id) { id } }",
    "mutation V($id: ID!) { updateOrganization(input: {organizationId: $id}) { userErrors { code } } }",
    "query V($id: ID!) { organization(id: $id) { nope } }",
    "query V($id: ID!) { organization(id: $id) { name ",
    "query A($id: ID!) { organization(id: $id) { name } } query B($id: ID!) { organization(id: $id) { id } }",
]


@pytest.mark.parametrize("index", range(len(VARIATIONS)))
async def test_variations_answer_the_same(pair: Pair, index: int) -> None:
    variables = {"id": pair.organization_id, "yes": True, "no": False}
    if "$yes" not in VARIATIONS[index]:
        variables = {"id": pair.organization_id}
    for viewer in ("administrator", "staff", "stranger"):
        await pair.answered_by_planner(VARIATIONS[index], variables, viewer=viewer)
    await pair.compare(VARIATIONS[index], variables, headers={"Accept-Language": "fr-CA"})
    await pair.compare(
        VARIATIONS[index],
        variables,
        headers={"Accept": "application/graphql-response+json"},
    )


@pytest.mark.parametrize("index", range(len(NOT_COVERED)))
async def test_what_is_not_covered_is_answered_by_the_standard_path(pair: Pair, index: int) -> None:
    before = pair.planner.answered
    await pair.compare(NOT_COVERED[index], {"id": pair.organization_id}, operation=None)
    assert pair.planner.answered == before


async def test_every_example_query_answers_the_same(pair: Pair) -> None:
    for path in sorted(EXAMPLES.glob("*.graphql")):
        text = path.read_text()
        if "\nmutation " in text:
            continue
        await pair.compare(
            text,
            {"organizationId": pair.organization_id, "first": 10, "id": pair.organization_id},
        )


# Documents written by Hypothesis from the covered fields.
CONTACT_FIELDS = [
    "id", "firstName", "lastName", "title", "email", "accountEmail", "emails",
    "preferredLanguage", "isPrimary", "isAdministrator", "isActive", "hasAccess",
    "officeLocation", "positionType", "fte", "version", "createdAt", "updatedAt",
    "viewerCanManage", "accessReviewedAt", "__typename",
    "securityProfiles { code name id }", "invitation { status expiresAt id }",
]  # fmt: skip
CONNECTION_PARTS = [
    "totalCount", "pageInfo { hasNextPage endCursor startCursor hasPreviousPage }",
    "edges { cursor node { %s } }", "nodes { %s }",
]  # fmt: skip


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    fields = draw(st.lists(st.sampled_from(CONTACT_FIELDS), min_size=1, max_size=8, unique=True))
    chosen = []
    for index, name in enumerate(fields):
        alias = draw(st.sampled_from(["", f"a{index}: "]))
        directive = draw(st.sampled_from(["", " @include(if: $flag)", " @skip(if: $flag)"]))
        if " " in name:
            head, rest = name.split(" ", 1)
            chosen.append(f"{alias}{head}{directive} {rest}")
        else:
            chosen.append(f"{alias}{name}{directive}")
    inner = " ".join(chosen)
    use_fragment = draw(st.booleans())
    node = "...F" if use_fragment else inner
    parts = draw(st.lists(st.sampled_from(CONNECTION_PARTS), min_size=1, max_size=4, unique=True))
    connection = " ".join(part.replace("%s", node) for part in parts)
    arguments = draw(
        st.sampled_from(
            [
                "",
                "(first: $first)",
                "(first: $first, filter: $filter)",
                "(last: $last)",
                "(last: $last, filter: $filter)",
            ]
        )
    )
    body = f"organization(id: $id) {{ name contacts{arguments} {{ {connection} }} }}"
    if "...F" in body:
        body += f" }} fragment F on Contact {{ {inner}"
    values = {
        "flag": draw(st.booleans()),
        "first": draw(st.sampled_from([None, 0, 1, 7, 100])),
        "last": draw(st.sampled_from([None, 1, 3, 100])),
        "filter": draw(
            st.sampled_from(
                [
                    None,
                    {},
                    {"activeOnly": False},
                    {"lastName": "m"},
                    {"lastName": "T", "activeOnly": False},
                    {"lastName": " "},
                    {"firstName": "ma"},
                    {"email": "EXAMPLE"},
                    {"hasAccess": True},
                    {"hasAccess": False, "activeOnly": False},
                    {"accessReviewDue": True},
                    {"securityProfileIds": [gid(NodeType.SECURITY_PROFILE, "ORG_ADMIN")]},
                ]
            )
        ),
    }
    types = {"flag": "Boolean!", "first": "Int", "last": "Int", "filter": "ContactFilter"}
    used = [name for name in types if f"${name}" in body]
    declared = "".join(f", ${name}: {types[name]}" for name in used)
    document = f"query G($id: ID!{declared}) {{ {body} }}"
    return document, {name: values[name] for name in used}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(written=documents(), viewer=st.sampled_from(["administrator", "staff", "stranger"]))
async def test_written_documents_answer_the_same(
    pair: Pair, written: tuple[str, dict[str, Any]], viewer: str
) -> None:
    document, variables = written
    await pair.answered_by_planner(
        document, {**variables, "id": pair.organization_id}, viewer=viewer
    )


async def test_connections_the_database_dropped_cost_one_request_at_most(pair: Pair) -> None:
    """The planner sends its statements on the driver's connection, past SQLAlchemy: when
    the database drops them (a restart), the request that meets a dead one goes to the
    standard path, SQLAlchemy renews the pool there, and the planner answers again."""
    if not pair.settings.database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections")
    variables = {"id": pair.organization_id, "first": 5}
    await pair.answered_by_planner(PAGE, variables)
    database = pair.settings.database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(POSTGRESQL_ADMIN_URL)
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
            database,
        )
    finally:
        await admin.close()
    token = pair.tokens["administrator"]
    statuses = []
    for _ in range(4):
        answer = await pair.planned.post(
            "/graphql",
            json={"query": PAGE, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
        statuses.append(answer.status_code)
        if answer.status_code == 500:
            assert answer.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert statuses.count(500) <= 1, statuses
    assert statuses[-2:] == [200, 200], statuses
    # The application without the planner lost its connections too: SQLAlchemy renews them
    # when its first request meets one; then both answer the same again.
    await pair.standard.post(
        "/graphql",
        json={"query": PAGE, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    await pair.answered_by_planner(PAGE, variables)


async def test_what_the_planner_does_not_keep_it_answers_as_the_standard_path_does(
    pair: Pair,
) -> None:
    """Texts no database stores anywhere in the request (refused by the standard path),
    variables too deep or too large for its caches, a document too long for them: the same
    answers, and nothing kept of them."""
    variables = {"id": pair.organization_id, "first": 2}
    nested: Any = "leaf"
    for _ in range(900):
        nested = [nested]
    before = pair.planner.answered
    await pair.compare(PAGE, {**variables, "unused": "nul \u0000 inside"})
    await pair.compare(PAGE + "# \u0000 in a comment", variables)
    await pair.compare(PAGE + "#" + " padding" * 2000 + "\n", variables)
    assert pair.planner.answered == before, "the planner answered what it must hand back"
    for extra in ({"unused": nested}, {"unused": list(range(5000))}):
        await pair.compare(PAGE, {**variables, **extra})
    assert len(pair.planner._costs) <= 2, "variables too large were remembered"
