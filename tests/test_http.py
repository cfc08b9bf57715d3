"""GraphQL over HTTP: media types, status codes, request errors, CSRF, limits, masking."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from sqlalchemy import text

from contacts_api.models.database import create_engine
from contacts_api.resolvers.ids import NodeType
from contacts_api.runtime.logs import JsonFormatter
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.factories import Factory, gid
from tests.graphql import Api, error_codes

PROFILES = "{ securityProfiles { code } }"
CREATE = 'mutation { createOrganization(input: {name: "X", providesCaseManagement: false}) { userErrors { code } } }'
GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def client(settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, clock=clock.now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as http:
        yield http
    await app.state.services.close()


async def test_a_client_accepting_graphql_response_json_gets_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql", json={"query": PROFILES}, headers={"Accept": GRAPHQL_RESPONSE}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert len(response.json()["data"]["securityProfiles"]) == 8


async def test_an_invalid_document_is_400_in_graphql_response_json_and_200_in_json(
    client: httpx.AsyncClient,
) -> None:
    modern = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    legacy = await client.post(
        "/graphql", json={"query": "{ nope }"}, headers={"Accept": "application/json"}
    )

    assert modern.status_code == 400
    assert modern.json()["errors"]
    assert legacy.status_code == 200
    assert legacy.headers["content-type"] == "application/json"


async def test_a_field_error_with_data_is_still_200(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": '{ securityProfiles { code } organization(id: "x") { name } }'},
        headers={"Accept": GRAPHQL_RESPONSE},
    )

    assert response.status_code == 200
    assert response.json()["data"]["securityProfiles"]


async def test_queries_run_over_get_but_mutations_do_not(client: httpx.AsyncClient) -> None:
    query = await client.get("/graphql", params={"query": PROFILES})
    mutation = await client.get("/graphql", params={"query": CREATE})

    assert query.status_code == 200
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "GET, POST"
    assert error_codes(mutation.json()) == ["METHOD_NOT_ALLOWED"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        (b"{not json", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (b"{}", {"content-type": "application/json"}, 400, "BAD_REQUEST"),
        (
            b"query=%7B__typename%7D",
            {"content-type": "application/x-www-form-urlencoded"},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (b"{__typename}", {"content-type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
        (
            b"--x\r\n\r\n--x--",
            {"content-type": "multipart/form-data; boundary=x"},
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ],
    ids=["malformed-json", "no-query", "form", "text-plain", "multipart"],
)
async def test_request_errors_answer_a_graphql_error_body(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    """Form, text and multipart bodies are what a browser sends without a CORS preflight:
    refusing them means a cross-site page can never run an operation (CSRF)."""
    response = await client.post("/graphql", content=body, headers=headers)

    assert response.status_code == status
    assert error_codes(response.json()) == [code]


async def test_a_body_above_the_limit_is_refused_before_parsing(
    client: httpx.AsyncClient,
) -> None:
    huge = b'{"query": "' + b" " * 1_100_000 + b'{ __typename }"}'

    response = await client.post(
        "/graphql", content=huge, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]


async def test_depth_aliases_and_cost_have_limits(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")
    deep = (
        "{ viewer { contacts { "
        + "organization { primaryContact { " * 7
        + "id"
        + " } }" * 7
        + " } } }"
    )
    aliases = "{ " + " ".join(f"a{i}: securityProfiles {{ code }}" for i in range(40)) + " }"
    costly = (
        "query($id: ID!) { organization(id: $id) { contacts(first: 100) { nodes { "
        "auditEvents(first: 100) { nodes { actor { name } } } } } } }"
    )

    for query, variables in ((deep, None), (aliases, None)):
        body = await api.execute(query, variables, token=member.token)
        assert body.get("data") is None
        assert body["errors"]
    body = await api.execute(
        costly, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=member.token
    )
    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    assert body["extensions"]["cost"]["requestedQueryCost"] > 1000


COSTLY_PAGES = (
    "query Costly($id: ID!, $size: Int{default}) {{ organization(id: $id) {{ "
    "contacts(first: $size) {{ nodes {{ auditEvents(first: $size) {{ nodes {{ actor {{ name }} }} }} }} }} }} }}"
)


@pytest.mark.parametrize(
    ("default", "variables"),
    [
        (" = 100", {}),  # the page size a variable's default gives
        ("", {"size": 100.0}),  # a float that coerces to the Int 100
        ("", {"size": 100}),
    ],
    ids=["default", "float", "int"],
)
async def test_the_cost_is_computed_on_the_coerced_arguments(
    api: Api, factory: Factory, default: str, variables: dict[str, object]
) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")

    body = await api.execute(
        COSTLY_PAGES.format(default=default),
        {"id": gid(NodeType.ORGANIZATION, organization.id), **variables},
        token=member.token,
    )

    assert error_codes(body) == ["QUERY_TOO_COSTLY"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1 + 2 + 100 * (2 + 100 * 1)


async def test_nodes_cost_one_item_per_id_even_from_a_default_list(api: Api) -> None:
    ids = ", ".join(f'"{gid(NodeType.CONTACT, key)}"' for key in range(1, 51))
    query = (
        f"query Many($ids: [ID!]! = [{ids}]) "
        "{ nodes(ids: $ids) { ... on Contact { organization { primaryContact { id } } } } }"
    )

    body = await api.execute(query, token=None)

    assert body["extensions"]["cost"]["requestedQueryCost"] == 50 * (1 + 2)


async def test_a_list_argument_longer_than_100_is_refused_before_it_runs(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")
    query = (
        "query Statuses($id: ID!, $status: [InvitationStatus!]) "
        "{ organization(id: $id) { invitations(status: $status) { totalCount } } }"
    )
    variables = {"id": gid(NodeType.ORGANIZATION, organization.id)}

    refused = await api.execute(
        query, {**variables, "status": ["PENDING"] * 1001}, token=member.token
    )
    repeated = await api.execute(
        query, {**variables, "status": ["PENDING"] * 100}, token=member.token
    )

    assert error_codes(refused) == ["BAD_USER_INPUT"]
    assert "1,001" in refused["errors"][0]["message"]
    assert repeated["data"]["organization"]["invitations"]["totalCount"] == 0


async def test_every_response_reports_its_cost(api: Api) -> None:
    body = await api.execute(PROFILES)

    assert body["extensions"]["cost"] == {"requestedQueryCost": 1, "maximumAvailable": 1000}


async def test_page_sizes_above_100_are_refused(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    member = await factory.member(organization)
    query = "query($id: ID!) { organization(id: $id) { contacts(first: 101) { totalCount } } }"

    body = await api.execute(
        query, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=member.token
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_introspection_can_be_switched_off(settings: Settings, clock: Clock) -> None:
    closed = dataclasses.replace(settings, graphql_introspection=False)
    app = create_app(closed, clock=clock.now)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://contacts.test"
    ) as http:
        response = await http.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        allowed = await http.post("/graphql", json={"query": PROFILES})
    await app.state.services.close()

    assert response.json()["errors"]
    assert "__schema" in response.json()["errors"][0]["message"]
    assert allowed.json()["data"]["securityProfiles"]


async def test_an_unexpected_failure_is_masked_and_logged_with_a_request_id(
    api: Api, factory: Factory, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A real fault (a table gone under the server) must not reach the client as SQL."""
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE audit_events"))
    await engine.dispose()
    query = "query($id: ID!) { organization(id: $id) { auditEvents { totalCount } } }"

    with caplog.at_level(logging.ERROR, logger="contacts.errors"):
        body = await api.execute(
            query,
            {"id": gid(NodeType.ORGANIZATION, organization.id)},
            token=member.token,
            headers={"X-Request-Id": "req-123"},
        )

    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert "req-123" in error["message"]
    [record] = [r for r in caplog.records if "req-123" in r.getMessage()]
    assert record.exc_info is not None


async def test_a_failure_before_the_operation_is_masked_too(
    api: Api, factory: Factory, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Signing in reads the accounts; with that table gone the answer is still a clean 500."""
    person = await factory.account()
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "DROP TABLE accounts CASCADE"
                if "postgresql" in settings.database_url
                else "DROP TABLE accounts"
            )
        )
    await engine.dispose()

    with caplog.at_level(logging.ERROR, logger="contacts.server"):
        response = await api.post(PROFILES, token=person.token, headers={"X-Request-Id": "req-456"})

    assert response.status_code == 500
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "req-456" in error["message"]
    assert any("req-456" in record.getMessage() and record.exc_info for record in caplog.records)


ADD_CONTACT = """
mutation AddContact($input: AddContactInput!) {
  addContact(input: $input) { contact { id } userErrors { field code } }
}
"""


@pytest.mark.parametrize(
    "email",
    ['"a\\ud800@example.org"', '"a\\u0000@example.org"'],
    ids=["lone surrogate", "NUL"],
)
async def test_text_no_database_can_store_is_refused_at_the_edge(
    api: Api, factory: Factory, email: str
) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")
    body = (
        '{"query": ' + json.dumps(ADD_CONTACT) + ', "variables": {"input": {'
        f'"organizationId": "{gid(NodeType.ORGANIZATION, organization.id)}", '
        f'"firstName": "A", "lastName": "B", "email": {email}}}}}}}'
    )

    response = await api.client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {member.token}", "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert error_codes(response.json()) == ["BAD_USER_INPUT"]


async def test_a_nul_spelled_in_a_graphql_string_is_refused_before_it_runs(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")
    query = (
        "query($id: ID!) { organization(id: $id) { "
        'contacts(filter: { lastName: "a\\u0000" }) { totalCount } } }'
    )

    body = await api.execute(
        query, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=member.token
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body.get("data") is None


async def test_operation_names_do_not_grow_the_metrics(client: httpx.AsyncClient) -> None:
    before = (await client.get("/metrics")).text
    for index in range(8):
        name = f"Op{index}" + "x" * 10_000
        await client.post("/graphql", json={"query": f"query {name} {PROFILES}"})
    await client.post("/graphql", json={"query": f"query ListContacts {PROFILES}"})

    after = (await client.get("/metrics")).text

    assert len(after) < len(before) + 4_000
    assert 'operation="other"' in after
    assert 'operation="ListContacts"' in after
    assert "xxxxxxxx" not in after


async def test_a_log_line_stays_small_whatever_the_request(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    name = "Op" + "x" * 10_000
    with caplog.at_level(logging.INFO, logger="contacts.requests"):
        await api.post(f"query {name} {PROFILES}")

    lines = [JsonFormatter().format(record) for record in caplog.records]
    assert lines
    assert all(len(line) < 4_000 for line in lines)


@pytest.mark.parametrize(
    ("address", "gets_token"),
    [("127.0.0.1", True), ("::1", True), ("203.0.113.7", False), ("10.0.0.8", False)],
)
async def test_graphiql_hands_the_demo_token_to_visitors_on_this_machine_only(
    settings: Settings, clock: Clock, factory: Factory, address: str, gets_token: bool
) -> None:
    organization = await factory.organization()
    await factory.member(organization, "FA_ADMIN")
    administrator = await factory.member(organization, "ORG_ADMIN")
    development = dataclasses.replace(settings, environment="development")
    app = create_app(development, clock=clock.now)
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as http:
        page = await http.get("/graphql", headers={"Accept": "text/html"})
    await app.state.services.close()

    assert page.status_code == 200
    assert ("Bearer " in page.text) is gets_token
    if gets_token:
        token = page.text.split("Bearer ")[1].split("\\")[0].split('"')[0]
        claims = jwt.decode(token, settings.auth_jwt_secret, algorithms=["HS256"])
        assert claims["email"] == administrator.email


async def test_the_request_id_is_echoed_in_every_response(client: httpx.AsyncClient) -> None:
    given = await client.post("/graphql", json={"query": PROFILES}, headers={"X-Request-Id": "r-1"})
    odd = await client.get("/healthz", headers={"X-Request-Id": "not ok!"})
    refused = await client.post(
        "/graphql", content=b"{", headers={"Content-Type": "application/json"}
    )

    assert given.headers["x-request-id"] == "r-1"
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])


@pytest.mark.parametrize(
    ("origins", "origin", "allowed"),
    [
        ((), "http://localhost:5173", False),
        (("http://localhost:5173",), "http://localhost:5173", True),
        (("http://localhost:5173",), "https://evil.example", False),
    ],
)
async def test_cors_lets_the_configured_origins_call_the_api(
    settings: Settings, clock: Clock, origins: tuple[str, ...], origin: str, allowed: bool
) -> None:
    app = create_app(dataclasses.replace(settings, cors_allow_origins=origins), clock=clock.now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as http:
        preflight = await http.options(
            "/graphql",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        answer = await http.post("/graphql", json={"query": PROFILES}, headers={"Origin": origin})
    await app.state.services.close()

    assert (preflight.headers.get("access-control-allow-origin") == origin) is allowed
    assert (answer.headers.get("access-control-allow-origin") == origin) is allowed
    if allowed:
        assert "x-ratelimit-remaining" in answer.headers["access-control-expose-headers"]


async def test_an_answer_says_its_language_and_what_it_depends_on(
    client: httpx.AsyncClient,
) -> None:
    english = await client.get("/graphql", params={"query": "{ securityProfiles { name } }"})
    french = await client.get(
        "/graphql",
        params={"query": "{ securityProfiles { name } }"},
        headers={"Accept-Language": "fr-CA"},
    )

    assert english.headers["content-language"] == "en-CA"
    assert french.headers["content-language"] == "fr-CA"
    for answer in (english, french):
        varies = {part.strip().lower() for part in answer.headers["vary"].split(",")}
        assert {"accept", "accept-language"} <= varies


async def test_a_document_that_does_not_parse_has_no_data_in_graphql_response_json(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post(
        "/graphql",
        json={"query": "{ securityProfiles { code "},
        headers={"Accept": GRAPHQL_RESPONSE, "Accept-Language": "fr"},
    )
    legacy = await client.post("/graphql", json={"query": "{ nope }"})

    assert answer.status_code == 400
    assert "data" not in answer.json()
    assert error_codes(answer.json()) == ["GRAPHQL_PARSE_FAILED"]
    assert answer.json()["errors"][0]["message"].startswith("Le document comporte")
    assert legacy.status_code == 200
    assert error_codes(legacy.json()) == ["GRAPHQL_VALIDATION_FAILED"]
