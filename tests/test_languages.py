"""Both languages everywhere: every error path the service has, walked in English and in
French, with a code, and never the same text in both.

Each scenario provokes one refusal through the endpoint: each user error code of the
mutations, each GraphQL error code (including the documents that do not parse or validate
and the service's limits), and each HTTP-level refusal. Each runs once with
`Accept-Language: en` and once with `fr-CA`; the answer must carry its code both times, say
which language it is in (`Content-Language`), and its French must differ from its English.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from contacts_api.models import Organization
from contacts_api.resolvers.ids import NodeType
from contacts_api.rules.user_errors import ErrorCode
from contacts_api.runtime.metrics import KNOWN_CODES
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.factories import Factory, Person, gid
from tests.operations import (
    ACCEPT_INVITATION,
    ADD_CONTACT,
    CREATE_ORGANIZATION,
    DEACTIVATE_CONTACT,
    INVITE_CONTACT,
    REVOKE_INVITATION,
    UPDATE_CONTACT,
)

LANGUAGES = {"en": "en-CA", "fr-CA": "fr-CA"}


@dataclass
class World:
    """What the scenarios refer to; a variable "@name" is replaced by `world.name`."""

    organization: Organization
    administrator: Person
    area_administrator: Person
    member: Person
    newcomer: Person
    solo_administrator: Person
    outsider_contact: str
    contact: str
    inactive: str
    invited: str
    revoked_invitation: str
    expired_token: str
    pending_token: str
    taken_email: str = "TAKEN@example.org"
    org_admin_profile: str = gid(NodeType.SECURITY_PROFILE, "ORG_ADMIN")
    viewer_profile: str = gid(NodeType.SECURITY_PROFILE, "FA_VIEWER")

    @property
    def organization_gid(self) -> str:
        return gid(NodeType.ORGANIZATION, self.organization.id)

    @property
    def administrator_contact(self) -> str:
        return self.administrator.contact_gid

    @property
    def member_contact(self) -> str:
        return self.member.contact_gid

    @property
    def solo_contact(self) -> str:
        return self.solo_administrator.contact_gid


@pytest.fixture
async def world(factory: Factory, clock: Clock) -> World:
    organization = await factory.organization(case_management=False)
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    area_administrator = await factory.member(organization, "FA_ADMIN")
    member = await factory.member(organization)
    other = await factory.organization()
    outsider = await factory.contact(other)
    contact = await factory.contact(organization, email="taken@example.org")
    inactive = await factory.contact(organization, active=False)
    invited = await factory.contact(organization)
    await factory.invitation(invited, "FA_VIEWER", inviter=administrator)
    revoked_contact = await factory.contact(organization)
    revoked, _ = await factory.invitation(revoked_contact, "FA_VIEWER", inviter=administrator)
    async with factory.sessions.begin() as session:
        revoked = await session.get_one(type(revoked), revoked.id)
        revoked.revoked_at = clock.now()
    expired_contact = await factory.contact(organization)
    _, expired_token = await factory.invitation(
        expired_contact, "FA_VIEWER", sent_at=clock.now() - timedelta(days=40)
    )
    pending_contact = await factory.contact(organization)
    _, pending_token = await factory.invitation(pending_contact, "FA_VIEWER")
    solo = await factory.organization()
    await factory.contact(solo, primary=True)
    return World(
        organization=organization,
        administrator=administrator,
        area_administrator=area_administrator,
        member=member,
        newcomer=await factory.account(),
        solo_administrator=await factory.member(solo, "ORG_ADMIN"),
        outsider_contact=gid(NodeType.CONTACT, outsider.id),
        contact=gid(NodeType.CONTACT, contact.id),
        inactive=gid(NodeType.CONTACT, inactive.id),
        invited=gid(NodeType.CONTACT, invited.id),
        revoked_invitation=gid(NodeType.INVITATION, revoked.id),
        expired_token=expired_token,
        pending_token=pending_token,
    )


@dataclass(frozen=True)
class Answer:
    status: int
    codes: list[str]
    messages: list[str]
    content_language: str | None


Send = Callable[[httpx.AsyncClient, World, str], Awaitable[httpx.Response]]


def graphql(
    query: str, variables: dict[str, Any] | None = None, *, who: str | None = "administrator"
) -> Send:
    async def send(http: httpx.AsyncClient, world: World, language: str) -> httpx.Response:
        headers = {"Accept-Language": language, "Content-Type": "application/json"}
        if who is not None:
            headers["Authorization"] = f"Bearer {getattr(world, who).token}"
        body = json.dumps({"query": query, "variables": fill(variables or {}, world)})
        return await http.post("/graphql", content=body, headers=headers)

    return send


def fill(value: Any, world: World) -> Any:
    """Variables naming the world's objects: "@contact" is `world.contact`, and so on."""
    if isinstance(value, dict):
        return {key: fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, world) for item in value]
    if isinstance(value, str) and value.startswith("@"):
        return getattr(world, value[1:])
    return value


def raw(
    method: str,
    content: bytes | str = b"",
    content_type: str = "application/json",
    path: str = "/graphql",
) -> Send:
    async def send(http: httpx.AsyncClient, world: World, language: str) -> httpx.Response:
        headers = {"Accept-Language": language, "Content-Type": content_type}
        return await http.request(method, path, content=content, headers=headers)

    return send


def add(**fields: Any) -> dict[str, Any]:
    return {
        "input": {
            "organizationId": "@organization_gid",
            "firstName": "Robin",
            "lastName": "Léger",
            "email": "robin@example.org",
            **fields,
        }
    }


COSTLY = (
    "query($id: ID!) { organization(id: $id) { contacts(first: 100) { nodes { "
    "auditEvents(first: 100) { nodes { actor { name } } } } } } }"
)
DEEP = (
    "{ viewer { contacts { " + "organization { primaryContact { " * 7 + "id" + " } }" * 7 + " } } }"
)

SCENARIOS: dict[str, tuple[str, Send]] = {
    # Each user error code of the mutations.
    "REQUIRED": ("REQUIRED", graphql(ADD_CONTACT, add(firstName=" "))),
    "INVALID": ("INVALID", graphql(ADD_CONTACT, add(email="not an address"))),
    "TOO_LONG": ("TOO_LONG", graphql(ADD_CONTACT, add(lastName="x" * 101))),
    "OUT_OF_RANGE": ("OUT_OF_RANGE", graphql(ADD_CONTACT, add(fte=3))),
    "TAKEN": ("TAKEN", graphql(ADD_CONTACT, add(email="@taken_email"))),
    "NOT_FOUND": (
        "NOT_FOUND",
        graphql(UPDATE_CONTACT, {"input": {"contactId": "@outsider_contact", "title": "x"}}),
    ),
    "STALE": (
        "STALE",
        graphql(UPDATE_CONTACT, {"input": {"contactId": "@contact", "expectedVersion": 99}}),
    ),
    "NOT_ASSIGNABLE": (
        "NOT_ASSIGNABLE",
        graphql(
            INVITE_CONTACT,
            {"input": {"contactId": "@contact", "securityProfileIds": ["@org_admin_profile"]}},
            who="area_administrator",
        ),
    ),
    "ALREADY_HAS_ACCESS": (
        "ALREADY_HAS_ACCESS",
        graphql(
            INVITE_CONTACT,
            {"input": {"contactId": "@member_contact", "securityProfileIds": ["@viewer_profile"]}},
        ),
    ),
    "ALREADY_INVITED": (
        "ALREADY_INVITED",
        graphql(
            INVITE_CONTACT,
            {"input": {"contactId": "@invited", "securityProfileIds": ["@viewer_profile"]}},
        ),
    ),
    "INVITATION_NOT_PENDING": (
        "INVITATION_NOT_PENDING",
        graphql(REVOKE_INVITATION, {"input": {"invitationId": "@revoked_invitation"}}),
    ),
    "INVITATION_EXPIRED": (
        "INVITATION_EXPIRED",
        graphql(ACCEPT_INVITATION, {"input": {"token": "@expired_token"}}, who="newcomer"),
    ),
    "INVALID token": (
        "INVALID",
        graphql(ACCEPT_INVITATION, {"input": {"token": "not-a-token"}}, who="newcomer"),
    ),
    "CONTACT_INACTIVE": (
        "CONTACT_INACTIVE",
        graphql(
            INVITE_CONTACT,
            {"input": {"contactId": "@inactive", "securityProfileIds": ["@viewer_profile"]}},
        ),
    ),
    "LAST_ADMINISTRATOR": (
        "LAST_ADMINISTRATOR",
        graphql(
            UPDATE_CONTACT,
            {"input": {"contactId": "@solo_contact", "securityProfileIds": []}},
            who="solo_administrator",
        ),
    ),
    "PRIMARY_CONTACT": (
        "PRIMARY_CONTACT",
        graphql(DEACTIVATE_CONTACT, {"input": {"contactId": "@administrator_contact"}}),
    ),
    "ALREADY_LINKED": (
        "ALREADY_LINKED",
        graphql(ACCEPT_INVITATION, {"input": {"token": "@pending_token"}}, who="member"),
    ),
    # Each GraphQL error code.
    "UNAUTHENTICATED": (
        "UNAUTHENTICATED",
        graphql(
            "query($id: ID!) { organization(id: $id) { name } }",
            {"id": "@organization_gid"},
            who=None,
        ),
    ),
    "FORBIDDEN": (
        "FORBIDDEN",
        graphql(
            CREATE_ORGANIZATION,
            {"input": {"name": "X", "providesCaseManagement": False}},
            who="member",
        ),
    ),
    "BAD_USER_INPUT": ("BAD_USER_INPUT", graphql('{ node(id: "nope") { id } }')),
    "BAD_USER_INPUT, page size": (
        "BAD_USER_INPUT",
        graphql(
            "query($id: ID!) { organization(id: $id) { contacts(first: 101) { totalCount } } }",
            {"id": "@organization_gid"},
        ),
    ),
    "BAD_USER_INPUT, a variable": (
        "BAD_USER_INPUT",
        graphql("query($id: ID!) { organization(id: $id) { name } }", {}),
    ),
    "QUERY_TOO_COSTLY": ("QUERY_TOO_COSTLY", graphql(COSTLY, {"id": "@organization_gid"})),
    "GRAPHQL_PARSE_FAILED": ("GRAPHQL_PARSE_FAILED", graphql("{ viewer { account ")),
    "GRAPHQL_VALIDATION_FAILED, unknown field": (
        "GRAPHQL_VALIDATION_FAILED",
        graphql("{ viewer { acount { email } } }"),
    ),
    "GRAPHQL_VALIDATION_FAILED, unused variable": (
        "GRAPHQL_VALIDATION_FAILED",
        graphql("query($x: Int) { securityProfiles { code } }"),
    ),
    "GRAPHQL_VALIDATION_FAILED, missing selection": (
        "GRAPHQL_VALIDATION_FAILED",
        graphql("{ viewer }"),
    ),
    "QUERY_TOO_DEEP": ("QUERY_TOO_DEEP", graphql(DEEP)),
    "TOO_MANY_ALIASES": (
        "TOO_MANY_ALIASES",
        graphql("{ " + " ".join(f"a{i}: securityProfiles {{ code }}" for i in range(40)) + " }"),
    ),
    "TOO_MANY_TOKENS": (
        "TOO_MANY_TOKENS",
        graphql("{ " + "securityProfiles { code } " * 2000 + "}"),
    ),
    "OPERATION_RESOLUTION_FAILURE": (
        "OPERATION_RESOLUTION_FAILURE",
        graphql("query A { securityProfiles { code } } query B { viewer { account { id } } }"),
    ),
    # Each HTTP-level refusal.
    "PAYLOAD_TOO_LARGE": (
        "PAYLOAD_TOO_LARGE",
        raw("POST", b'{"query": "' + b"x" * 1_100_000 + b'"}'),
    ),
    "UNSUPPORTED_MEDIA_TYPE": (
        "UNSUPPORTED_MEDIA_TYPE",
        raw("POST", b"query={securityProfiles{code}}", "application/x-www-form-urlencoded"),
    ),
    "METHOD_NOT_ALLOWED": (
        "METHOD_NOT_ALLOWED",
        raw(
            "GET",
            path="/graphql?query=mutation%7BcreateOrganization(input%3A%7Bname%3A%22x%22%2CprovidesCaseManagement%3Afalse%7D)%7BuserErrors%7Bcode%7D%7D%7D",
        ),
    ),
    "BAD_REQUEST, unparsable": ("BAD_REQUEST", raw("POST", b"{")),
    "BAD_REQUEST, not an object": ("BAD_REQUEST", raw("POST", b"[1]")),
    "BAD_REQUEST, no query": ("BAD_REQUEST", raw("POST", b"{}")),
    "BAD_USER_INPUT, a NUL": (
        "BAD_USER_INPUT",
        raw("POST", b'{"query": "{ x }", "variables": {"a": "\\u0000"}}'),
    ),
}


@pytest.fixture
async def http(settings: Settings, clock: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, clock=clock.now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        yield client
    await app.state.services.close()


def answer_of(response: httpx.Response) -> Answer:
    body = response.json()
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    messages = [error["message"] for error in body.get("errors", [])]
    for payload in (body.get("data") or {}).values():
        if isinstance(payload, dict):
            for error in payload.get("userErrors") or []:
                codes.append(error["code"])
                messages.append(error["message"])
    return Answer(response.status_code, codes, messages, response.headers.get("content-language"))


@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=list(SCENARIOS))
async def test_every_error_is_coded_and_said_in_both_languages(
    http: httpx.AsyncClient, world: World, scenario: str
) -> None:
    code, send = SCENARIOS[scenario]
    answers = {language: answer_of(await send(http, world, language)) for language in LANGUAGES}
    english, french = answers["en"], answers["fr-CA"]

    for language, answer in answers.items():
        assert code in answer.codes, (language, answer)
        assert None not in answer.codes, (language, answer)
        assert answer.messages, (language, answer)
        assert answer.content_language == LANGUAGES[language], (language, answer)
    assert english.codes == french.codes
    for english_message, french_message in zip(english.messages, french.messages, strict=True):
        assert english_message != french_message, (scenario, english_message)


def test_every_code_of_the_api_has_a_scenario() -> None:
    walked = {code for code, _send in SCENARIOS.values()}

    assert {code.value for code in ErrorCode} <= walked
    assert (
        KNOWN_CODES - {"PERSISTED_QUERY_NOT_FOUND", "INTERNAL_SERVER_ERROR", "RATE_LIMITED"}
        <= walked
    )
