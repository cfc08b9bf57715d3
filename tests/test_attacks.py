"""Attacks on the isolation between organizations, through HTTP, on both databases.

Two organizations are built with real mutations (contacts, invitations sent, accepted,
revoked and resent, audit events). Administrators of organization A, an area administrator,
outsiders without any contact, callers with forged or refused tokens, a deactivated and a
demoted administrator then run every query and mutation of the contract against B's real
objects, with forged ids and tampered cursors. Each attack must get nothing (null, the
NOT_FOUND user error, FORBIDDEN, UNAUTHENTICATED or BAD_USER_INPUT, as the contract says)
and must change nothing: every table is compared, row by row, before and after. Every
response is checked for what must never leak: stack traces, SQL, driver names, the signing
secret, invitation tokens and their hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select

from contacts_api.edge.authentication import issue_development_token
from contacts_api.models import Base, Invitation, OutboundEmail
from contacts_api.models.database import create_engine
from contacts_api.resolvers.ids import NodeType, encode
from contacts_api.rules.invitation_tokens import hash_token
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.factories import Factory
from tests.graphql import Api

# --- documents ---------------------------------------------------------------------------------

VIEWER = """
query Viewer {
  viewer {
    account { id email }
    contacts { id organization { id } }
    organizations(first: 100) { totalCount nodes { id } }
  }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    __typename
    id
    ... on Contact { firstName email organization { id name } }
    ... on Organization { name }
    ... on Invitation { email message status }
    ... on AuditEvent { action changes { field oldValue newValue } }
    ... on Account { email accountName: name }
  }
}
"""

NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename
    id
    ... on Contact { firstName email }
    ... on Organization { name }
    ... on Invitation { email message }
  }
}
"""

ORGANIZATION = """
query Organization($id: ID!) {
  organization(id: $id) {
    id
    name
    primaryContact { id email }
    contacts(first: 100, filter: { activeOnly: false }) { totalCount nodes { id email } }
    invitations(first: 100) { totalCount nodes { id email message } }
    auditEvents(first: 100) { totalCount nodes { id action } }
    assignableSecurityProfiles { code }
    viewerIsAdministrator
  }
}
"""

INVITATION_PREVIEW = """
query InvitationPreview($token: String!) {
  invitationPreview(token: $token) { organizationName contactFirstName invitedByName status }
}
"""

CONTACT_FIELDS = "id firstName lastName email isActive isPrimary version organization { id }"
INVITATION_FIELDS = "id email status contact { id organization { id } }"
USER_ERRORS = "userErrors { field message code }"

CREATE_ORGANIZATION = f"""
mutation CreateOrganization($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{ organization {{ id name }} {USER_ERRORS} }}
}}
"""

ADD_CONTACT = f"""
mutation AddContact($input: AddContactInput!) {{
  addContact(input: $input) {{
    contact {{ {CONTACT_FIELDS} }}
    invitation {{ {INVITATION_FIELDS} }}
    {USER_ERRORS}
  }}
}}
"""

UPDATE_CONTACT = f"""
mutation UpdateContact($input: UpdateContactInput!) {{
  updateContact(input: $input) {{ contact {{ {CONTACT_FIELDS} securityProfiles {{ code }} }} {USER_ERRORS} }}
}}
"""

DEACTIVATE_CONTACT = f"""
mutation DeactivateContact($input: DeactivateContactInput!) {{
  deactivateContact(input: $input) {{ contact {{ {CONTACT_FIELDS} }} {USER_ERRORS} }}
}}
"""

REACTIVATE_CONTACT = f"""
mutation ReactivateContact($input: ReactivateContactInput!) {{
  reactivateContact(input: $input) {{ contact {{ {CONTACT_FIELDS} }} {USER_ERRORS} }}
}}
"""

SET_PRIMARY_CONTACT = f"""
mutation SetPrimaryContact($input: SetPrimaryContactInput!) {{
  setPrimaryContact(input: $input) {{
    contact {{ {CONTACT_FIELDS} }}
    previousPrimaryContact {{ {CONTACT_FIELDS} }}
    {USER_ERRORS}
  }}
}}
"""

INVITE_CONTACT = f"""
mutation InviteContact($input: InviteContactInput!) {{
  inviteContact(input: $input) {{
    invitation {{ {INVITATION_FIELDS} }}
    contact {{ {CONTACT_FIELDS} }}
    {USER_ERRORS}
  }}
}}
"""

RESEND_INVITATION = f"""
mutation ResendInvitation($input: ResendInvitationInput!) {{
  resendInvitation(input: $input) {{ invitation {{ {INVITATION_FIELDS} }} {USER_ERRORS} }}
}}
"""

REVOKE_INVITATION = f"""
mutation RevokeInvitation($input: RevokeInvitationInput!) {{
  revokeInvitation(input: $input) {{ invitation {{ {INVITATION_FIELDS} }} {USER_ERRORS} }}
}}
"""

ACCEPT_INVITATION = f"""
mutation AcceptInvitation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{ contact {{ {CONTACT_FIELDS} }} {USER_ERRORS} }}
}}
"""

CONTACT_CURSORS = """
query ContactCursors($id: ID!) {
  organization(id: $id) {
    contacts(first: 100, filter: { activeOnly: false }) { edges { cursor node { id } } }
    invitations(first: 100) { edges { cursor node { id } } }
    auditEvents(first: 100) { edges { cursor node { id } } }
  }
  viewer { account { id } organizations(first: 100) { edges { cursor node { id } } } }
}
"""

# Each connection of an organization, its nodes with what ties them to their organization.
CONNECTIONS = {
    "contacts": "contacts({page}, filter: {{ activeOnly: false }}) "
    "{{ nodes {{ id organization {{ id }} }} }}",
    "invitations": "invitations({page}) {{ nodes {{ id contact {{ organization {{ id }} }} }} }}",
    "auditEvents": "auditEvents({page}) {{ nodes {{ id contact {{ organization {{ id }} }} }} }}",
}

PAYLOAD_OBJECTS = {
    "createOrganization": ("organization",),
    "addContact": ("contact", "invitation"),
    "updateContact": ("contact",),
    "deactivateContact": ("contact",),
    "reactivateContact": ("contact",),
    "setPrimaryContact": ("contact", "previousPrimaryContact"),
    "inviteContact": ("invitation", "contact"),
    "resendInvitation": ("invitation",),
    "revokeInvitation": ("invitation",),
    "acceptInvitation": ("contact",),
}

MISSING_KEY = 999_999
CM_FIELDS = {"officeLocation": "Sydney", "positionType": "Counsellor", "fte": 0.5}
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "SELECT ",
    "INSERT ",
    "UPDATE ",
    "asyncpg",
    "sqlite3",
    "psycopg",
    "INTERNAL_SERVER_ERROR",
)
LINK = re.compile(r"/invitations/([A-Za-z0-9_\-]{20,})")


# --- the database, table by table --------------------------------------------------------------


Snapshot = dict[str, list[tuple[Any, ...]]]


class Database:
    """A connection of the test's own to the application's database."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url)

    async def snapshot(self) -> Snapshot:
        """Every row of every table of the models, in primary-key order."""
        tables: Snapshot = {}
        async with self.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
                tables[table.name] = [tuple(map(_hashable, row)) for row in rows]
        return tables

    async def invitation_links(self) -> list[tuple[str, str]]:
        """(recipient, token) of every invitation email in the outbox, oldest first."""
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                select(OutboundEmail.recipient, OutboundEmail.text_body).order_by(OutboundEmail.id)
            )
            links = []
            for recipient, body in rows:
                match = LINK.search(body)
                if match is not None:  # not a notice to an administrator
                    links.append((recipient, match.group(1)))
        return links

    async def token_hashes(self) -> list[str]:
        async with self.engine.connect() as connection:
            return list(await connection.scalars(select(Invitation.token_hash)))


def _hashable(value: Any) -> Any:
    """JSON columns (lists, dicts) as canonical text, so that rows compare as sets."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    """Rows removed from and added to each table, for the failure message."""
    changes = []
    for table in before.keys() | after.keys():
        old, new = set(before.get(table, [])), set(after.get(table, []))
        changes.extend(f"{table}: - {row!r}" for row in sorted(old - new, key=repr))
        changes.extend(f"{table}: + {row!r}" for row in sorted(new - old, key=repr))
    return changes


def assert_unchanged(before: Snapshot, after: Snapshot) -> None:
    changed = differences(before, after)
    assert not changed, "the attacks changed the database:\n" + "\n".join(changed)


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings.database_url)
    yield database
    await database.engine.dispose()


# --- a client that checks every answer ---------------------------------------------------------


class Guarded:
    """Posts GraphQL requests; every response is checked for leaks and server errors.

    Problems are collected rather than raised, so that one test reports every attack that
    got through; `assert_no_failures` reports them with the test's own findings.
    """

    def __init__(self, api: Api) -> None:
        self.api = api
        secret = api.settings.auth_jwt_secret
        self.secrets: set[str] = {secret} if secret else set()
        self.problems: list[str] = []

    def forbid(self, *values: str) -> None:
        self.secrets.update(value for value in values if value)

    def inspect(self, response: httpx.Response, request: str) -> None:
        text = response.text
        leaked = [marker for marker in LEAK_MARKERS if marker in text]
        if any(value in text for value in self.secrets):
            leaked.append("a secret (the signing key, an invitation token or its hash)")
        if leaked or response.status_code >= 500:
            self.problems.append(
                f"{', '.join(leaked) or 'server error'} (HTTP {response.status_code})"
                f"\n  request: {request}\n  response: {text[:2000]}"
            )

    async def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        response = await self.api.post(query, variables, token=token, headers=headers)
        operation = " ".join(query.split("{")[0].split())
        request = f"{operation} {json.dumps(variables, ensure_ascii=False)[:1000]}"
        self.inspect(response, request)
        body: dict[str, Any] = response.json()
        # 400 only for text refused at the edge (a NUL, a lone surrogate), before any SQL.
        edge_refusal = response.status_code == 400 and codes(body) == ["BAD_USER_INPUT"]
        assert response.status_code == 200 or edge_refusal, (request, response.text)
        # Response extensions (the operation's cost, say) are not the answer.
        body.pop("extensions", None)
        return body

    async def data(self, query: str, variables: dict[str, Any] | None = None, **options: Any):
        body = await self.execute(query, variables, **options)
        assert "errors" not in body, body
        return body["data"]


def assert_no_failures(guard: Guarded, failures: list[str]) -> None:
    problems = [*guard.problems, *failures]
    assert not problems, f"{len(problems)} attacks got something:\n" + "\n".join(problems)


def codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


# --- the two organizations ---------------------------------------------------------------------


@dataclass
class Actor:
    name: str
    email: str
    token: str
    account_id: str = ""
    contact_id: str = ""


@dataclass
class World:
    staff: Actor
    a_id: str
    b_id: str
    ada: Actor  # ORG_ADMIN of A, its primary contact
    abe: Actor  # ORG_ADMIN of A
    fay: Actor  # FA_ADMIN of A
    ari: Actor  # FA_ADMIN of A
    outsider: Actor  # an account without any contact
    bea: Actor  # ORG_ADMIN of B, its primary contact
    eve: Actor  # CM_VIEWER of B, by an accepted invitation
    a_contacts: dict[str, str]
    a_invitations: dict[str, str]
    b_contacts: dict[str, str]
    b_invitations: dict[str, str]
    b_audit_events: list[str]
    b_accounts: list[str]
    b_cursors: dict[str, list[str]]
    links: dict[str, list[str]] = field(default_factory=dict)  # email -> tokens sent

    @property
    def b_ids(self) -> list[str]:
        return [
            self.b_id,
            *self.b_contacts.values(),
            *self.b_invitations.values(),
            *self.b_audit_events,
            *self.b_accounts,
        ]

    def token_of(self, email: str, index: int = -1) -> str:
        return self.links[email][index]


class Builder:
    """Builds the world with real mutations, as its people would."""

    def __init__(self, guard: Guarded, factory: Factory, database: Database) -> None:
        self.guard = guard
        self.factory = factory
        self.database = database

    async def sign_in(self, name: str, email: str) -> Actor:
        token = self.factory.token(email, name)
        data = await self.guard.data(VIEWER, token=token)
        return Actor(name, email, token, data["viewer"]["account"]["id"])

    async def mutate(
        self, document: str, field_name: str, bearer: str, **input_fields: Any
    ) -> dict[str, Any]:
        data = await self.guard.data(document, {"input": input_fields}, token=bearer)
        payload: dict[str, Any] = data[field_name]
        assert payload["userErrors"] == [], (field_name, input_fields, payload)
        return payload

    async def add(
        self,
        by: Actor,
        organization_id: str,
        first_name: str,
        *,
        profiles: tuple[str, ...] = (),
        case_management: bool = False,
    ) -> tuple[str, str | None]:
        input_fields: dict[str, Any] = {
            "organizationId": organization_id,
            "firstName": first_name,
            "lastName": "Tester",
            "email": f"{first_name.lower()}@example.org",
            "title": "Coordinator",
            "phoneNumbers": [{"kind": "WORK", "number": "902-555-0142", "extension": "12"}],
            **(CM_FIELDS if case_management else {}),
        }
        if profiles:
            input_fields["invitation"] = {
                "securityProfileIds": [encode(NodeType.SECURITY_PROFILE, p) for p in profiles],
                "message": f"Welcome, {first_name}",
            }
        payload = await self.mutate(ADD_CONTACT, "addContact", by.token, **input_fields)
        invitation = payload["invitation"]
        return payload["contact"]["id"], invitation["id"] if invitation else None

    async def latest_token(self, email: str) -> str:
        links = await self.database.invitation_links()
        return [token for recipient, token in links if recipient == email][-1]

    async def accept(self, name: str, email: str) -> Actor:
        """The invitee signs in and accepts the latest invitation sent to `email`."""
        actor = await self.sign_in(name, email)
        payload = await self.mutate(
            ACCEPT_INVITATION, "acceptInvitation", actor.token, token=await self.latest_token(email)
        )
        actor.contact_id = payload["contact"]["id"]
        return actor

    async def build(self) -> World:
        factory = self.factory
        person = await factory.staff()
        staff = Actor("Staff", person.email, person.token)
        await self.guard.data(VIEWER, token=staff.token)
        a_id = (
            await self.mutate(
                CREATE_ORGANIZATION,
                "createOrganization",
                staff.token,
                name="Alder Works",
                providesCaseManagement=False,
            )
        )["organization"]["id"]
        b_id = (
            await self.mutate(
                CREATE_ORGANIZATION,
                "createOrganization",
                staff.token,
                name="Birch Society",
                providesCaseManagement=True,
            )
        )["organization"]["id"]

        # Organization A: two organization administrators, two funding-agreements ones.
        await self.add(staff, a_id, "Ada", profiles=("ORG_ADMIN",))
        ada = await self.accept("Ada Tester", "ada@example.org")
        await self.mutate(
            SET_PRIMARY_CONTACT, "setPrimaryContact", ada.token, contactId=ada.contact_id
        )
        await self.add(staff, a_id, "Abe", profiles=("ORG_ADMIN",))
        abe = await self.accept("Abe Tester", "abe@example.org")
        await self.add(ada, a_id, "Fay", profiles=("FA_ADMIN",))
        fay = await self.accept("Fay Tester", "fay@example.org")
        await self.add(ada, a_id, "Ari", profiles=("FA_ADMIN",))
        ari = await self.accept("Ari Tester", "ari@example.org")
        pat, _ = await self.add(ada, a_id, "Pat")
        quinn, _ = await self.add(ada, a_id, "Quinn")
        rex, rex_invitation = await self.add(ada, a_id, "Rex", profiles=("ORG_ADMIN",))
        assert rex_invitation is not None

        # Organization B (case management): every kind of contact and invitation.
        await self.add(staff, b_id, "Bea", profiles=("ORG_ADMIN",), case_management=True)
        bea = await self.accept("Bea Tester", "bea@example.org")
        await self.mutate(
            SET_PRIMARY_CONTACT, "setPrimaryContact", bea.token, contactId=bea.contact_id
        )
        carl, _ = await self.add(bea, b_id, "Carl", case_management=True)
        await self.mutate(UPDATE_CONTACT, "updateContact", bea.token, contactId=carl, title="Lead")
        invitations: dict[str, str] = {}
        contacts = {"bea": bea.contact_id, "carl": carl}
        for name, profile in (
            ("Dora", "FA_VIEWER"),  # pending
            ("Eve", "CM_VIEWER"),  # accepted
            ("Finn", "FA_SIGNER"),  # revoked by deactivation
            ("Gus", "FA_SUBMITTER"),  # revoked
            ("Hal", "FA_VIEWER"),  # resent: the first link is dead
        ):
            contact_id, invitation_id = await self.add(
                bea, b_id, name, profiles=(profile,), case_management=True
            )
            assert invitation_id is not None
            contacts[name.lower()] = contact_id
            invitations[name.lower()] = invitation_id
        eve = await self.accept("Eve Tester", "eve@example.org")
        await self.mutate(
            DEACTIVATE_CONTACT, "deactivateContact", bea.token, contactId=contacts["finn"]
        )
        await self.mutate(
            REVOKE_INVITATION, "revokeInvitation", bea.token, invitationId=invitations["gus"]
        )
        await self.mutate(
            RESEND_INVITATION, "resendInvitation", bea.token, invitationId=invitations["hal"]
        )

        outsider = await self.sign_in("Olga Outside", "olga@outside.example")

        b = await self.guard.data(CONTACT_CURSORS, {"id": b_id}, token=bea.token)
        organization = b["organization"]
        cursors = {
            name: [edge["cursor"] for edge in organization[name]["edges"]]
            for name in ("contacts", "invitations", "auditEvents")
        }
        cursors["organizations"] = [
            edge["cursor"] for edge in b["viewer"]["organizations"]["edges"]
        ]
        assert {edge["node"]["id"] for edge in organization["contacts"]["edges"]} == set(
            contacts.values()
        )
        assert len(organization["auditEvents"]["edges"]) >= 15

        links: dict[str, list[str]] = {}
        for recipient, token in await self.database.invitation_links():
            links.setdefault(recipient, []).append(token)
        self.guard.forbid(*(token for tokens in links.values() for token in tokens))
        self.guard.forbid(*await self.database.token_hashes())

        return World(
            staff=staff,
            a_id=a_id,
            b_id=b_id,
            ada=ada,
            abe=abe,
            fay=fay,
            ari=ari,
            outsider=outsider,
            bea=bea,
            eve=eve,
            a_contacts={
                "ada": ada.contact_id,
                "abe": abe.contact_id,
                "fay": fay.contact_id,
                "ari": ari.contact_id,
                "pat": pat,
                "quinn": quinn,
                "rex": rex,
            },
            a_invitations={"rex": rex_invitation},
            b_contacts=contacts,
            b_invitations=invitations,
            b_audit_events=[edge["node"]["id"] for edge in organization["auditEvents"]["edges"]],
            b_accounts=[bea.account_id, eve.account_id],
            b_cursors=cursors,
            links=links,
        )


@pytest.fixture
async def guard(api: Api) -> Guarded:
    return Guarded(api)


@pytest.fixture
async def world(guard: Guarded, factory: Factory, database: Database) -> World:
    return await Builder(guard, factory, database).build()


def attacker(world: World, kind: str) -> Actor:
    return {
        "ORG_ADMIN of A": world.ada,
        "FA_ADMIN of A": world.fay,
        "outsider": world.outsider,
    }[kind]


ATTACKERS = ["ORG_ADMIN of A", "FA_ADMIN of A", "outsider"]


# --- every mutation of the contract, against one target ----------------------------------------


@dataclass(frozen=True)
class Operation:
    """A mutation whose target is one id; `extra` completes a valid input."""

    field: str
    document: str
    target: str  # the input field that holds the id
    node_type: NodeType
    extra: dict[str, Any] = field(default_factory=dict)

    def variables(self, target_id: str) -> dict[str, Any]:
        return {"input": {self.target: target_id, **self.extra}}


def _profile_ids(*codes: str) -> list[str]:
    return [encode(NodeType.SECURITY_PROFILE, code) for code in codes]


CONTACT_OPERATIONS = [
    Operation("updateContact", UPDATE_CONTACT, "contactId", NodeType.CONTACT, {"title": "Owned"}),
    Operation(
        "updateContact",
        UPDATE_CONTACT,
        "contactId",
        NodeType.CONTACT,
        {"securityProfileIds": _profile_ids("ORG_ADMIN"), "expectedVersion": 1},
    ),
    Operation(
        "updateContact",
        UPDATE_CONTACT,
        "contactId",
        NodeType.CONTACT,
        {"firstName": "", "email": "not an email"},
    ),
    Operation("deactivateContact", DEACTIVATE_CONTACT, "contactId", NodeType.CONTACT),
    Operation("reactivateContact", REACTIVATE_CONTACT, "contactId", NodeType.CONTACT),
    Operation("setPrimaryContact", SET_PRIMARY_CONTACT, "contactId", NodeType.CONTACT),
    Operation(
        "inviteContact",
        INVITE_CONTACT,
        "contactId",
        NodeType.CONTACT,
        {"securityProfileIds": _profile_ids("FA_VIEWER"), "message": "Join us"},
    ),
]
INVITATION_OPERATIONS = [
    Operation("resendInvitation", RESEND_INVITATION, "invitationId", NodeType.INVITATION),
    Operation("revokeInvitation", REVOKE_INVITATION, "invitationId", NodeType.INVITATION),
]
ORGANIZATION_OPERATIONS = [
    Operation(
        "addContact",
        ADD_CONTACT,
        "organizationId",
        NodeType.ORGANIZATION,
        {"firstName": "Mallory", "lastName": "Intruder", "email": "mallory@example.org"}
        | CM_FIELDS,
    ),
    Operation(
        "addContact",
        ADD_CONTACT,
        "organizationId",
        NodeType.ORGANIZATION,
        {
            "firstName": "Mallory",
            "lastName": "Intruder",
            "email": "mallory.admin@example.org",
            "invitation": {"securityProfileIds": _profile_ids("ORG_ADMIN")},
        }
        | CM_FIELDS,
    ),
]
ALL_OPERATIONS = CONTACT_OPERATIONS + INVITATION_OPERATIONS + ORGANIZATION_OPERATIONS
# One operation per mutation, for the attacks that vary the id rather than the input.
EACH_MUTATION = list(
    {operation.field: operation for operation in reversed(ALL_OPERATIONS)}.values()
)


def targets_in_b(world: World, operation: Operation) -> dict[str, str]:
    if operation.node_type is NodeType.CONTACT:
        return world.b_contacts
    if operation.node_type is NodeType.INVITATION:
        return world.b_invitations
    return {"B": world.b_id}


def missing(operation: Operation) -> str:
    return encode(operation.node_type, MISSING_KEY)


def payload_of(body: dict[str, Any], operation: Operation) -> dict[str, Any]:
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][operation.field]
    return payload


def assert_nothing_returned(payload: dict[str, Any], operation: Operation) -> None:
    for name in PAYLOAD_OBJECTS[operation.field]:
        assert payload[name] is None, payload


Failures = list[str]


def failure(what: str, variables: Any, body: Any) -> str:
    request = json.dumps(variables, ensure_ascii=False)[:1000]
    return f"{what}\n  request: {request}\n  response: {json.dumps(body)[:1500]}"


# --- 1. Another organization's objects, by their real ids ---------------------------------------


@pytest.mark.parametrize("kind", ATTACKERS)
async def test_another_organizations_objects_read_as_null(
    guard: Guarded, world: World, database: Database, kind: str
) -> None:
    intruder = attacker(world, kind)
    before = await database.snapshot()
    failures: Failures = []

    for global_id in world.b_ids:
        body = await guard.execute(NODE, {"id": global_id}, token=intruder.token)
        if body != {"data": {"node": None}}:
            failures.append(failure("node", {"id": global_id}, body))
    body = await guard.execute(NODES, {"ids": world.b_ids}, token=intruder.token)
    if body != {"data": {"nodes": [None] * len(world.b_ids)}}:
        failures.append(failure("nodes", world.b_ids, body))
    body = await guard.execute(ORGANIZATION, {"id": world.b_id}, token=intruder.token)
    if body != {"data": {"organization": None}}:
        failures.append(failure("organization", world.b_id, body))
    # The same answer as for an organization that does not exist.
    nowhere = await guard.execute(
        ORGANIZATION, {"id": encode(NodeType.ORGANIZATION, MISSING_KEY)}, token=intruder.token
    )
    assert nowhere == {"data": {"organization": None}}
    # The viewer's own lists do not reach into B.
    viewer = (await guard.data(VIEWER, token=intruder.token))["viewer"]
    seen = json.dumps(viewer)
    leaked = [global_id for global_id in world.b_ids if global_id in seen]
    if leaked:
        failures.append(failure("viewer", None, viewer))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


@pytest.mark.parametrize("kind", ATTACKERS)
async def test_every_mutation_on_another_organizations_objects_is_not_found(
    guard: Guarded, world: World, database: Database, kind: str
) -> None:
    intruder = attacker(world, kind)
    before = await database.snapshot()
    failures: Failures = []

    for operation in ALL_OPERATIONS:
        absent = await guard.execute(
            operation.document, operation.variables(missing(operation)), token=intruder.token
        )
        absent_payload = payload_of(absent, operation)
        assert [e["code"] for e in absent_payload["userErrors"]] == ["NOT_FOUND"], absent
        assert absent_payload["userErrors"][0]["field"] == ["input", operation.target]
        for name, target in targets_in_b(world, operation).items():
            variables = operation.variables(target)
            body = await guard.execute(operation.document, variables, token=intruder.token)
            # Exactly what an id that does not exist gets: the id's existence is not told.
            if body != absent:
                failures.append(failure(f"{operation.field} on B's {name}", variables, body))
    body = await guard.execute(
        CREATE_ORGANIZATION,
        {"input": {"name": "Hostile Takeover", "providesCaseManagement": True}},
        token=intruder.token,
    )
    if codes(body) != ["FORBIDDEN"] or body["data"] is not None:
        failures.append(failure("createOrganization", None, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


@pytest.mark.parametrize("kind", ATTACKERS)
async def test_ids_of_the_wrong_type_are_refused(
    guard: Guarded, world: World, database: Database, kind: str
) -> None:
    """An Invitation id where a Contact id is expected, an Organization id for a contact…"""
    intruder = attacker(world, kind)
    before = await database.snapshot()
    failures: Failures = []
    wrong = {
        NodeType.CONTACT: [
            world.b_invitations["dora"],
            world.b_id,
            world.b_audit_events[0],
            world.bea.account_id,
            encode(NodeType.SECURITY_PROFILE, "ORG_ADMIN"),
            world.a_invitations["rex"],
        ],
        NodeType.INVITATION: [world.b_contacts["dora"], world.b_id, world.a_contacts["rex"]],
        NodeType.ORGANIZATION: [world.b_contacts["carl"], world.a_contacts["pat"]],
    }

    for operation in ALL_OPERATIONS:
        for global_id in wrong[operation.node_type]:
            variables = operation.variables(global_id)
            body = await guard.execute(operation.document, variables, token=intruder.token)
            payload = body.get("data", {}) and body["data"][operation.field]
            errors = payload["userErrors"] if payload else []
            ok = (
                payload
                and [e["code"] for e in errors] in (["INVALID"], ["NOT_FOUND"])
                and errors[0]["field"] == ["input", operation.target]
                and all(payload[name] is None for name in PAYLOAD_OBJECTS[operation.field])
            )
            if not ok:
                failures.append(failure(f"{operation.field} with a wrong id", variables, body))
    for global_id in [
        world.b_contacts["carl"],
        world.a_contacts["pat"],
        world.b_invitations["dora"],
    ]:
        body = await guard.execute(ORGANIZATION, {"id": global_id}, token=intruder.token)
        if codes(body) != ["BAD_USER_INPUT"] or body["data"] != {"organization": None}:
            failures.append(failure("organization with a contact id", global_id, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


# --- 2. Forged and tampered global ids ---------------------------------------------------------


def _b64(text: str | bytes, *, padded: bool = False, standard: bool = False) -> str:
    raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    encoded = (base64.b64encode if standard else base64.urlsafe_b64encode)(raw).decode()
    return encoded if padded else encoded.rstrip("=")


ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
SUPERSCRIPT_DIGITS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def forged_ids(type_name: str, key: int) -> dict[str, str]:
    """Hand-built variants of the id of object `key`: none may reach it for an outsider."""
    text = f"{type_name}:{key}"
    canonical = _b64(text)
    digits = str(key)
    return {
        "hand-built": canonical,
        "padded": _b64(text, padded=True),
        "standard alphabet": _b64(text, standard=True),
        "junk inside": canonical[:4] + "!*." + canonical[4:],
        "line break inside": canonical[:4] + "\n" + canonical[4:],
        "spaces around": f"  {canonical}  ",
        "leading zeros": _b64(f"{type_name}:000{digits}"),
        "plus sign": _b64(f"{type_name}:+{digits}"),
        "spaces in the key": _b64(f"{type_name}: {digits} "),
        "lower-case type": _b64(f"{type_name.lower()}:{digits}"),
        "upper-case type": _b64(f"{type_name.upper()}:{digits}"),
        "another separator": _b64(f"{type_name};{digits}"),
        "trailing field": _b64(f"{text}:1"),
        "two keys": _b64(f"{text},{MISSING_KEY}"),
        "trailing NUL": _b64(f"{text}\x00"),
        "arabic-indic digits": _b64(f"{type_name}:{digits.translate(ARABIC_DIGITS)}"),
        "fullwidth digits": _b64(f"{type_name}:{digits.translate(FULLWIDTH_DIGITS)}"),
        "superscript digits": _b64(f"{type_name}:{digits.translate(SUPERSCRIPT_DIGITS)}"),
        "negative": _b64(f"{type_name}:-{digits}"),
        "hexadecimal": _b64(f"{type_name}:0x{key:x}"),
        "underscores": _b64(f"{type_name}:{digits[:1]}_{digits[1:] or '0'}"),
        "float": _b64(f"{type_name}:{digits}.0"),
        "exponent": _b64(f"{type_name}:{digits}e0"),
        "JSON": _b64(json.dumps({"type": type_name, "id": key})),
        "raw text": text,
        "combining mark": canonical + "\u0301",
        "right-to-left override": "\u202e" + canonical,
        "fullwidth base64": canonical.translate(
            str.maketrans({c: chr(ord(c) + 0xFEE0) for c in canonical if "!" <= c <= "~"})
        ),
        "lone surrogate": _b64(f"{text}\ud800"),
        "very long": canonical + "A" * 10_000,
    }


HOSTILE_KEYS = [
    "0",
    "-1",
    "-0",
    "00",
    "2147483647",
    "2147483648",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "999999999999999999",
    "1" * 19,
    "1" * 400,
    "",
    " ",
    "NaN",
    "Infinity",
    "null",
    "1' OR '1'='1",
    "1; DROP TABLE contacts; --",
    "١",
    "𝟏",
    "Ⅻ",
    "🙂",
]


def hostile_ids(type_name: str) -> dict[str, str]:
    return {f"{type_name}:{key!r}": _b64(f"{type_name}:{key}") for key in HOSTILE_KEYS}


def refused_read(body: dict[str, Any], field_name: str, size: int | None = None) -> bool:
    """null (without error), or BAD_USER_INPUT with null in its place."""
    nothing: Any = None if size is None else [None] * size
    if body.get("errors"):
        return set(codes(body)) == {"BAD_USER_INPUT"} and body.get("data") in (
            None,
            {field_name: nothing},
        )
    return body == {"data": {field_name: nothing}}


def refused_mutation(body: dict[str, Any], operation: Operation) -> bool:
    """The user error NOT_FOUND or INVALID on the id, or a BAD_USER_INPUT error."""
    if body.get("errors"):
        return set(codes(body)) == {"BAD_USER_INPUT"} and body.get("data") is None
    payload = body["data"][operation.field]
    errors = payload["userErrors"]
    return (
        [e["code"] for e in errors] in (["NOT_FOUND"], ["INVALID"])
        and errors[0]["field"] == ["input", operation.target]
        and all(payload[name] is None for name in PAYLOAD_OBJECTS[operation.field])
    )


def _key(global_id: str) -> int:
    return int(base64.urlsafe_b64decode(global_id + "==").decode().partition(":")[2])


@pytest.mark.parametrize("kind", ["ORG_ADMIN of A", "outsider"])
async def test_forged_ids_of_another_organizations_objects_give_nothing(
    guard: Guarded, world: World, database: Database, kind: str
) -> None:
    intruder = attacker(world, kind)
    carl = world.b_contacts["carl"]
    dora_invitation = world.b_invitations["dora"]
    # Built by hand, the id is the real one: the server's check is what refuses it.
    assert _b64(f"Contact:{_key(carl)}") == carl
    forged = {
        "Contact": forged_ids("Contact", _key(carl)),
        "Invitation": forged_ids("Invitation", _key(dora_invitation)),
        "Organization": forged_ids("Organization", _key(world.b_id)),
        "Account": forged_ids("Account", _key(world.bea.account_id)),
        "AuditEvent": forged_ids("AuditEvent", _key(world.b_audit_events[0])),
    }
    before = await database.snapshot()
    failures: Failures = []

    for type_name, variants in forged.items():
        for what, global_id in variants.items():
            body = await guard.execute(NODE, {"id": global_id}, token=intruder.token)
            if not refused_read(body, "node"):
                failures.append(failure(f"node: {type_name} {what}", global_id, body))
    all_forged = [global_id for variants in forged.values() for global_id in variants.values()]
    for start in range(0, len(all_forged), 100):
        chunk = all_forged[start : start + 100]
        body = await guard.execute(NODES, {"ids": chunk}, token=intruder.token)
        nodes = (body.get("data") or {}).get("nodes") or []
        if any(node is not None for node in nodes) or set(codes(body)) - {"BAD_USER_INPUT"}:
            failures.append(failure("nodes: forged", chunk, body))
    for what, global_id in forged["Organization"].items():
        body = await guard.execute(ORGANIZATION, {"id": global_id}, token=intruder.token)
        if not refused_read(body, "organization"):
            failures.append(failure(f"organization: {what}", global_id, body))
    for operation in EACH_MUTATION:
        type_name = operation.node_type.value
        for what, global_id in forged[type_name].items():
            variables = operation.variables(global_id)
            body = await guard.execute(operation.document, variables, token=intruder.token)
            if not refused_mutation(body, operation):
                failures.append(failure(f"{operation.field}: {what}", variables, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


@pytest.mark.parametrize("kind", ["ORG_ADMIN of A", "outsider"])
async def test_huge_negative_and_unicode_ids_are_refused_cleanly(
    guard: Guarded, world: World, database: Database, kind: str
) -> None:
    intruder = attacker(world, kind)
    before = await database.snapshot()
    failures: Failures = []
    reads = {
        **hostile_ids("Contact"),
        **hostile_ids("Organization"),
        **hostile_ids("Invitation"),
        **hostile_ids("AuditEvent"),
        **hostile_ids("Account"),
    }

    for what, global_id in reads.items():
        body = await guard.execute(NODE, {"id": global_id}, token=intruder.token)
        if not refused_read(body, "node"):
            failures.append(failure(f"node {what}", global_id, body))
    for what, global_id in hostile_ids("Organization").items():
        body = await guard.execute(ORGANIZATION, {"id": global_id}, token=intruder.token)
        if not refused_read(body, "organization"):
            failures.append(failure(f"organization {what}", global_id, body))
    for operation in EACH_MUTATION:
        for what, global_id in hostile_ids(operation.node_type.value).items():
            variables = operation.variables(global_id)
            body = await guard.execute(operation.document, variables, token=intruder.token)
            if not refused_mutation(body, operation):
                failures.append(failure(f"{operation.field} {what}", variables, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


# --- 3. Tampered cursors -----------------------------------------------------------------------


def _cursor(values: list[Any]) -> str:
    return _b64(json.dumps(values, ensure_ascii=False))


def _decoded_cursor(cursor: str) -> list[Any]:
    values: list[Any] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return values


def tampered_cursors(world: World) -> dict[str, str]:
    cursors: dict[str, str] = {}
    for connection, values in world.b_cursors.items():
        for index, cursor in enumerate(values):
            cursors[f"B's {connection} cursor {index}"] = cursor
    first_contact = _decoded_cursor(world.b_cursors["contacts"][0])
    last_contact = _decoded_cursor(world.b_cursors["contacts"][-1])
    cursors.update(
        {
            "B's contact cursor, made primary": _cursor(["contacts", True, *last_contact[2:]]),
            "B's contact cursor, emptied": _cursor(["contacts", False, "", "", 0]),
            "B's contact cursor, maximal": _cursor(
                ["contacts", True, "\U0010ffff" * 50, "\U0010ffff", 2**31 - 1]
            ),
            "B's contact cursor, id 0": _cursor([*first_contact[:-1], 0]),
            "B's contact cursor, negative id": _cursor([*first_contact[:-1], -1]),
            "B's contact cursor, id 2**31": _cursor([*first_contact[:-1], 2**31]),
            "B's contact cursor, id 2**62": _cursor([*first_contact[:-1], 2**62]),
            "B's contact cursor, injected": _cursor(
                ["contacts", False, "' OR 1=1 --", "%", first_contact[-1]]
            ),
            "B's contact cursor, LIKE wildcards": _cursor(["contacts", False, "%", "_", 1]),
            "invitation cursor, id 2**31": _cursor(["invitations", 2**31]),
            "invitation cursor, id -1": _cursor(["invitations", -1]),
            "audit cursor, id 2**31": _cursor(["audit", 2**31]),
            "audit cursor, id 2**62": _cursor(["audit", 2**62]),
            "organization cursor, id 2**31": _cursor(["organizations", "Birch Society", 2**31]),
            "B's contact cursor, padded": world.b_cursors["contacts"][0] + "==",
            "B's contact cursor, standard base64": base64.b64encode(
                json.dumps(first_contact, ensure_ascii=False).encode()
            ).decode(),
        }
    )
    return cursors


@pytest.mark.parametrize("kind", ["ORG_ADMIN of A", "FA_ADMIN of A"])
async def test_cursors_from_another_organization_never_leak_its_data(
    guard: Guarded, world: World, database: Database, kind: str
) -> None:
    intruder = attacker(world, kind)
    # What the intruder may see of A, without cursors.
    own: dict[str, set[str]] = {}
    for connection, selection in CONNECTIONS.items():
        query = f"query Own($id: ID!) {{ organization(id: $id) {{ {selection.format(page='first: 100')} }} }}"
        data = await guard.data(query, {"id": world.a_id}, token=intruder.token)
        own[connection] = {node["id"] for node in data["organization"][connection]["nodes"]}
    assert world.a_contacts["pat"] in own["contacts"]
    b_ids = set(world.b_ids)
    before = await database.snapshot()
    failures: Failures = []

    for what, cursor in tampered_cursors(world).items():
        for connection, selection in CONNECTIONS.items():
            for page in ("first: 100, after: $cursor", "last: 100, before: $cursor"):
                query = (
                    "query Page($id: ID!, $cursor: String!) { organization(id: $id) { "
                    + selection.format(page=page)
                    + " } }"
                )
                variables = {"id": world.a_id, "cursor": cursor}
                body = await guard.execute(query, variables, token=intruder.token)
                if body.get("errors"):
                    if codes(body) != ["BAD_USER_INPUT"] or body["data"] != {"organization": None}:
                        failures.append(failure(f"{connection} {page}: {what}", variables, body))
                    continue
                nodes = body["data"]["organization"][connection]["nodes"]
                ids = {node["id"] for node in nodes}
                organizations = {
                    (
                        node.get("organization")
                        or node.get("contact", {}).get("organization")
                        or {}
                    ).get("id")
                    for node in nodes
                    if node.get("organization") or node.get("contact")
                }
                if not ids <= own[connection] or ids & b_ids or organizations - {world.a_id}:
                    failures.append(failure(f"{connection} {page}: {what}", variables, body))
        for page in ("first: 100, after: $cursor", "last: 100, before: $cursor"):
            query = (
                "query Mine($cursor: String!) { viewer { organizations("
                + page
                + ") { nodes { id } } } }"
            )
            body = await guard.execute(query, {"cursor": cursor}, token=intruder.token)
            if body.get("errors"):
                if codes(body) != ["BAD_USER_INPUT"]:
                    failures.append(failure(f"organizations {page}: {what}", cursor, body))
                continue
            ids = {node["id"] for node in body["data"]["viewer"]["organizations"]["nodes"]}
            if not ids <= {world.a_id}:
                failures.append(failure(f"organizations {page}: {what}", cursor, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


# --- 4. Tokens ---------------------------------------------------------------------------------


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")))


def _claims_of(actor: Actor, **overrides: Any) -> dict[str, Any]:
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": f"dev|{actor.email}",
        "email": actor.email,
        "name": actor.name,
        "iat": now,
        "exp": now + 3600,
    }
    claims.update(overrides)
    return {key: value for key, value in claims.items() if value is not None}


OTHER_SECRET = "an-attackers-secret-that-is-long-enough-for-hs256-000"


def refused_tokens(settings: Settings, actor: Actor, victim: Actor) -> dict[str, str]:
    """Tokens naming `actor` (an administrator) that must leave the caller anonymous."""
    secret = settings.auth_jwt_secret
    assert secret is not None
    valid = jwt.encode(_claims_of(actor), secret, algorithm="HS256")
    header, payload, signature = valid.split(".")
    hour_ago = int((datetime.now(UTC) - timedelta(hours=1)).timestamp())
    return {
        "expired": jwt.encode(
            _claims_of(actor, iat=hour_ago - 3600, exp=hour_ago), secret, algorithm="HS256"
        ),
        # The leeway for clocks that drift is 30 s (AUTH_LEEWAY_SECONDS): just past it.
        "expired 31 seconds ago": jwt.encode(
            _claims_of(actor, exp=int(datetime.now(UTC).timestamp()) - 31),
            secret,
            algorithm="HS256",
        ),
        "not yet valid": jwt.encode(
            _claims_of(actor, nbf=int(datetime.now(UTC).timestamp()) + 3600),
            secret,
            algorithm="HS256",
        ),
        "signed with another secret": jwt.encode(
            _claims_of(actor), OTHER_SECRET, algorithm="HS256"
        ),
        "unsigned": f"{header}.{payload}.",
        "no signature segment": f"{header}.{payload}",
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        "alg NONE with the real signature": (
            f"{_segment({'alg': 'NONE', 'typ': 'JWT'})}.{payload}.{signature}"
        ),
        "alg none, empty header": f"{_segment({})}.{payload}.",
        "payload of another person under a real signature": (
            f"{header}.{_segment(_claims_of(victim))}.{signature}"
        ),
        "payload made staff": f"{header}.{_segment(_claims_of(actor, is_staff=True))}.{signature}",
        "signature of another token": (
            f"{header}.{payload}.{jwt.encode(_claims_of(victim), secret).split('.')[2]}"
        ),
        "HS512 with the secret": jwt.encode(_claims_of(actor), secret, algorithm="HS512"),
        "RS256 header, HMAC signature": _hs256_with_header(
            _claims_of(actor), secret.encode(), {"alg": "RS256"}
        ),
        "embedded jwk": _hs256_with_header(
            _claims_of(actor),
            OTHER_SECRET.encode(),
            {"jwk": {"kty": "oct", "k": _b64(OTHER_SECRET)}},
        ),
        "jku to elsewhere": _hs256_with_header(
            _claims_of(actor), OTHER_SECRET.encode(), {"jku": "http://127.0.0.1:9/jwks.json"}
        ),
        "kid path traversal": _hs256_with_header(
            _claims_of(actor), b"", {"kid": "../../../../dev/null"}
        ),
        "empty secret": _hs256_with_header(_claims_of(actor), b"", {}),
        "sub missing": jwt.encode(_claims_of(actor, sub=None), secret, algorithm="HS256"),
        "email missing": jwt.encode(_claims_of(actor, email=None), secret, algorithm="HS256"),
        "truncated": valid[:-1],
        "one character changed": valid[:-2] + ("A" if valid[-2] != "A" else "B") + valid[-1],
        "double bearer": f"Bearer {valid}",
    }


def _hs256_with_header(payload: dict[str, Any], key: bytes, extra: dict[str, Any]) -> str:
    header = {"alg": "HS256", "typ": "JWT", **extra}
    signing_input = f"{_segment(header)}.{_segment(payload)}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


async def run_as_anonymous_battery(
    guard: Guarded, world: World, token: str, what: str, failures: Failures
) -> None:
    """Every operation that needs a viewer, with `token`: each must be UNAUTHENTICATED."""
    body = await guard.execute(VIEWER, token=token)
    if body != {"data": {"viewer": None}}:
        failures.append(failure(f"{what}: viewer", None, body))
    reads: list[tuple[str, dict[str, Any], str]] = [
        (NODE, {"id": world.a_contacts["pat"]}, "node"),
        (NODES, {"ids": [world.a_contacts["pat"]]}, "nodes"),
        (ORGANIZATION, {"id": world.a_id}, "organization"),
    ]
    for document, variables, name in reads:
        body = await guard.execute(document, variables, token=token)
        if codes(body) != ["UNAUTHENTICATED"] or (body.get("data") or {}).get(name):
            failures.append(failure(f"{what}: {name}", variables, body))
    a_targets = {
        NodeType.CONTACT: world.a_contacts["quinn"],
        NodeType.INVITATION: world.a_invitations["rex"],
        NodeType.ORGANIZATION: world.a_id,
    }
    operations = [*ALL_OPERATIONS]
    for operation in operations:
        variables = operation.variables(a_targets[operation.node_type])
        if operation.field == "addContact":
            variables["input"] = {
                key: value for key, value in variables["input"].items() if key not in CM_FIELDS
            }
        body = await guard.execute(operation.document, variables, token=token)
        if codes(body) != ["UNAUTHENTICATED"] or body.get("data") is not None:
            failures.append(failure(f"{what}: {operation.field}", variables, body))
    body = await guard.execute(
        CREATE_ORGANIZATION,
        {"input": {"name": "Anonymous Org", "providesCaseManagement": False}},
        token=token,
    )
    if codes(body) != ["UNAUTHENTICATED"]:
        failures.append(failure(f"{what}: createOrganization", None, body))
    body = await guard.execute(
        ACCEPT_INVITATION,
        {"input": {"token": world.token_of("dora@example.org")}},
        token=token,
    )
    if codes(body) != ["UNAUTHENTICATED"]:
        failures.append(failure(f"{what}: acceptInvitation", None, body))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_refused_tokens_leave_the_caller_anonymous_and_change_nothing(
    guard: Guarded, world: World, database: Database, api: Api
) -> None:
    tokens = refused_tokens(api.settings, world.ada, world.bea)
    staff_tokens = refused_tokens(api.settings, world.staff, world.bea)
    before = await database.snapshot()
    failures: Failures = []

    for what, token in tokens.items():
        await run_as_anonymous_battery(guard, world, token, f"Ada, {what}", failures)
    for what in ("expired", "alg none", "signed with another secret", "unsigned"):
        await run_as_anonymous_battery(guard, world, staff_tokens[what], f"staff, {what}", failures)

    assert_no_failures(guard, failures)
    # Not even an account is created or refreshed.
    assert_unchanged(before, await database.snapshot())


ISSUER = "https://id.novascotia.example/"
AUDIENCE = "organization-contacts"


async def test_tokens_of_another_issuer_or_audience_are_refused_when_configured(
    world: World, database: Database, settings: Settings, clock: Clock
) -> None:
    configured = Settings.from_mapping(
        {
            "APP_ENV": "test",
            "DATABASE_URL": settings.database_url,
            "AUTH_JWT_SECRET": settings.auth_jwt_secret or "",
            "AUTH_ISSUER": ISSUER,
            "AUTH_AUDIENCE": AUDIENCE,
            "PUBLIC_URL": settings.public_url,
            "MAIL_DIR": str(settings.mail_dir),
        }
    )
    secret = configured.auth_jwt_secret
    assert secret is not None
    app = create_app(configured, clock=clock.now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        guard = Guarded(Api(client, configured))
        guard.forbid(*(token for tokens in world.links.values() for token in tokens))
        ada = world.ada
        accepted = issue_development_token(
            configured, email=ada.email, name=ada.name, subject=f"dev|{ada.email}"
        )
        body = await guard.execute(VIEWER, token=accepted)
        assert body["data"]["viewer"]["account"]["id"] == ada.account_id, body
        refused = {
            "no issuer nor audience (the ordinary development token)": ada.token,
            "another issuer": jwt.encode(
                _claims_of(ada, iss="https://evil.example/", aud=AUDIENCE), secret
            ),
            "issuer without its trailing slash": jwt.encode(
                _claims_of(ada, iss=ISSUER.rstrip("/"), aud=AUDIENCE), secret
            ),
            "another audience": jwt.encode(_claims_of(ada, iss=ISSUER, aud="another-api"), secret),
            "audiences without ours": jwt.encode(
                _claims_of(ada, iss=ISSUER, aud=["another-api", "a-third"]), secret
            ),
            "no audience": jwt.encode(_claims_of(ada, iss=ISSUER), secret),
            "no issuer": jwt.encode(_claims_of(ada, aud=AUDIENCE), secret),
            "issuer as a list": _hs256_with_header(
                _claims_of(ada, iss=[ISSUER], aud=AUDIENCE), secret.encode(), {}
            ),
        }
        before = await database.snapshot()
        failures: Failures = []

        for what, token in refused.items():
            await run_as_anonymous_battery(guard, world, token, what, failures)

        assert_no_failures(guard, failures)
        assert_unchanged(before, await database.snapshot())
    await app.state.services.engine.dispose()


async def run_every_operation_on_a(
    guard: Guarded, world: World, actor: Actor
) -> dict[str, dict[str, Any]]:
    """Every mutation with each of A's targets; the bodies by description."""
    bodies: dict[str, dict[str, Any]] = {}
    targets = {
        NodeType.CONTACT: world.a_contacts,
        NodeType.INVITATION: world.a_invitations,
        NodeType.ORGANIZATION: {"A": world.a_id},
    }
    for operation in ALL_OPERATIONS:
        for name, target in targets[operation.node_type].items():
            variables = operation.variables(target)
            if operation.field == "addContact":
                variables["input"] = {
                    key: value for key, value in variables["input"].items() if key not in CM_FIELDS
                }
            body = await guard.execute(operation.document, variables, token=actor.token)
            extras = ",".join(sorted(operation.extra))
            bodies[f"{operation.field}({extras}) on A's {name}"] = body
    return bodies


async def test_a_deactivated_administrator_with_a_valid_token_can_do_nothing(
    guard: Guarded, world: World, database: Database
) -> None:
    await guard.data(
        DEACTIVATE_CONTACT, {"input": {"contactId": world.abe.contact_id}}, token=world.ada.token
    )
    before = await database.snapshot()
    failures: Failures = []
    abe = world.abe

    viewer = (await guard.data(VIEWER, token=abe.token))["viewer"]
    if viewer["contacts"] or viewer["organizations"]["totalCount"] != 0:
        failures.append(failure("viewer", None, viewer))
    body = await guard.execute(ORGANIZATION, {"id": world.a_id}, token=abe.token)
    if body != {"data": {"organization": None}}:
        failures.append(failure("organization A", world.a_id, body))
    a_ids = [world.a_id, *world.a_contacts.values(), *world.a_invitations.values()]
    body = await guard.execute(NODES, {"ids": a_ids}, token=abe.token)
    if body != {"data": {"nodes": [None] * len(a_ids)}}:
        failures.append(failure("nodes of A", a_ids, body))
    for what, body in (await run_every_operation_on_a(guard, world, abe)).items():
        field_name = what.split("(")[0]
        payload = (body.get("data") or {}).get(field_name) or {}
        if [e["code"] for e in payload.get("userErrors", [])] != ["NOT_FOUND"]:
            failures.append(failure(what, None, body))
    body = await guard.execute(
        CREATE_ORGANIZATION,
        {"input": {"name": "Abe's Own", "providesCaseManagement": False}},
        token=abe.token,
    )
    if codes(body) != ["FORBIDDEN"]:
        failures.append(failure("createOrganization", None, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


async def test_a_demoted_administrator_with_a_valid_token_is_forbidden(
    guard: Guarded, world: World, database: Database
) -> None:
    """Ari was FA_ADMIN; an organization administrator leaves Ari FA_VIEWER only."""
    await guard.data(
        UPDATE_CONTACT,
        {
            "input": {
                "contactId": world.ari.contact_id,
                "securityProfileIds": _profile_ids("FA_VIEWER"),
            }
        },
        token=world.ada.token,
    )
    before = await database.snapshot()
    failures: Failures = []
    ari = world.ari

    data = await guard.data(ORGANIZATION, {"id": world.a_id}, token=ari.token)
    organization = data["organization"]
    if (
        organization["viewerIsAdministrator"]
        or organization["assignableSecurityProfiles"]
        or organization["invitations"]["totalCount"]
        or organization["auditEvents"]["totalCount"]
    ):
        failures.append(failure("organization A", world.a_id, data))
    for what, body in (await run_every_operation_on_a(guard, world, ari)).items():
        if codes(body) != ["FORBIDDEN"] or body.get("data") is not None:
            failures.append(failure(what, None, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


# --- 5. Invitation tokens ----------------------------------------------------------------------


async def _accept(guard: Guarded, token: str, actor: Actor) -> dict[str, Any]:
    return await guard.execute(ACCEPT_INVITATION, {"input": {"token": token}}, token=actor.token)


def _accept_errors(body: dict[str, Any]) -> list[str]:
    assert "errors" not in body, body
    payload = body["data"]["acceptInvitation"]
    assert payload["contact"] is None, payload
    assert all(error["field"] == ["input", "token"] for error in payload["userErrors"]), payload
    return [error["code"] for error in payload["userErrors"]]


async def test_guessed_invitation_tokens_are_invalid_and_change_nothing(
    guard: Guarded, world: World, database: Database
) -> None:
    dora = world.token_of("dora@example.org")
    guesses = {f"random {index}": secrets.token_urlsafe(32) for index in range(40)}
    guesses.update(
        {
            "Dora's token upper-cased": dora.upper(),
            "Dora's token lower-cased": dora.lower(),
            "Dora's token truncated": dora[:-1],
            "Dora's token and one more character": dora + "A",
            "Dora's token with one character changed": dora[:-1]
            + ("A" if dora[-1] != "A" else "B"),
            "Dora's token reversed": dora[::-1],
            "Dora's token base64-padded": dora + "=",
            "Dora's token percent-encoded": "".join(f"%{ord(c):02X}" for c in dora),
            "Dora's link": f"{guard.api.settings.public_url}/invitations/{dora}",
            "the stored hash of Dora's token": hash_token(dora),
            "all zeros": "0" * 43,
            "all A": "A" * 43,
            "empty": "",
            "blank": "   ",
            "SQL": "' OR '1'='1",
            "LIKE wildcard": "%",
            "NUL": "\x00" * 43,
            "unicode": "é" * 43,
            "very long": "A" * 50_000,
        }
    )
    before = await database.snapshot()
    failures: Failures = []

    for what, token in guesses.items():
        for actor in (world.outsider, world.ada):
            body = await _accept(guard, token, actor)
            payload = (body.get("data") or {}).get("acceptInvitation")
            if body.get("errors"):
                if set(codes(body)) != {"BAD_USER_INPUT"}:
                    failures.append(failure(f"accept: {what}", token[:100], body))
            elif payload is None or _accept_errors(body) != ["INVALID"]:
                failures.append(failure(f"accept: {what}", token[:100], body))
        body = await guard.execute(INVITATION_PREVIEW, {"token": token})
        if not refused_read(body, "invitationPreview"):
            failures.append(failure(f"preview: {what}", token[:100], body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


async def test_spent_revoked_and_replaced_invitation_tokens_cannot_be_used(
    guard: Guarded, world: World, database: Database
) -> None:
    eve = world.token_of("eve@example.org")
    finn = world.token_of("finn@example.org")
    gus = world.token_of("gus@example.org")
    hal_old, _hal_new = world.links["hal@example.org"]
    cases = [
        ("Eve's accepted token, by Eve again", eve, world.eve, "INVITATION_NOT_PENDING"),
        ("Eve's accepted token, by an outsider", eve, world.outsider, "INVITATION_NOT_PENDING"),
        ("Eve's accepted token, by A's administrator", eve, world.ada, "INVITATION_NOT_PENDING"),
        ("Finn's token, revoked by deactivation", finn, world.outsider, "INVITATION_NOT_PENDING"),
        ("Gus's revoked token", gus, world.outsider, "INVITATION_NOT_PENDING"),
        ("Hal's first token, replaced by a resend", hal_old, world.outsider, "INVALID"),
        ("Hal's first token, by A's administrator", hal_old, world.ada, "INVALID"),
    ]
    before = await database.snapshot()
    failures: Failures = []

    for what, token, actor, expected in cases:
        body = await _accept(guard, token, actor)
        if body.get("errors") or _accept_errors(body) != [expected]:
            failures.append(failure(what, None, body))
    body = await guard.execute(INVITATION_PREVIEW, {"token": hal_old})
    if body != {"data": {"invitationPreview": None}}:
        failures.append(failure("preview of Hal's replaced token", None, body))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


AUDIT_TRAIL = """
query AuditTrail($id: ID!) {
  organization(id: $id) {
    auditEvents(first: 100) {
      nodes { action actor { email } contact { email } changes { field oldValue newValue } }
    }
    invitations(first: 100) { nodes { id email message status securityProfiles { code } } }
    contacts(first: 100, filter: { activeOnly: false }) {
      nodes { id emails invitation { id status message } }
    }
  }
}
"""


async def test_no_answer_and_no_audit_event_carries_an_invitation_token(
    guard: Guarded, world: World, database: Database
) -> None:
    """The administrators' own views of their organizations: every token stays secret."""
    failures: Failures = []

    for actor, organization_id in ((world.bea, world.b_id), (world.ada, world.a_id)):
        data = await guard.data(AUDIT_TRAIL, {"id": organization_id}, token=actor.token)
        assert data["organization"]["auditEvents"]["nodes"], data
    tokens = [token for tokens in world.links.values() for token in tokens]
    hashes = await database.token_hashes()
    async with database.engine.connect() as connection:
        changes = [
            json.dumps(row, default=str)
            for row in await connection.scalars(
                select(Base.metadata.tables["audit_events"].c.changes)
            )
        ]
    for secret in [*tokens, *hashes]:
        failures.extend(
            f"audit event {text[:300]} holds a token" for text in changes if secret in text
        )

    assert_no_failures(guard, failures)


# --- 6. Granting oneself what one may not assign -----------------------------------------------


async def test_an_area_administrator_cannot_grant_what_it_may_not_assign(
    guard: Guarded, world: World, database: Database
) -> None:
    fay = world.fay
    quinn = world.a_contacts["quinn"]
    attempts: list[tuple[str, str, str, dict[str, Any], list[tuple[str, list[str]]]]] = [
        (
            "FA_ADMIN makes itself ORG_ADMIN",
            UPDATE_CONTACT,
            "updateContact",
            {"contactId": fay.contact_id, "securityProfileIds": _profile_ids("ORG_ADMIN")},
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "0"])],
        ),
        (
            "FA_ADMIN keeps its profile and adds ORG_ADMIN",
            UPDATE_CONTACT,
            "updateContact",
            {
                "contactId": fay.contact_id,
                "securityProfileIds": _profile_ids("FA_ADMIN", "ORG_ADMIN"),
            },
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "1"])],
        ),
        (
            "FA_ADMIN adds ORG_ADMIN under a padded id",
            UPDATE_CONTACT,
            "updateContact",
            {
                "contactId": fay.contact_id,
                "securityProfileIds": [_b64("SecurityProfile:ORG_ADMIN", padded=True)],
            },
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "0"])],
        ),
        (
            "FA_ADMIN gives itself a case-management profile",
            UPDATE_CONTACT,
            "updateContact",
            {"contactId": fay.contact_id, "securityProfileIds": _profile_ids("CM_ADMIN")},
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "0"])],
        ),
        (
            "FA_ADMIN gives itself a profile that does not exist",
            UPDATE_CONTACT,
            "updateContact",
            {"contactId": fay.contact_id, "securityProfileIds": _profile_ids("SUPER_ADMIN")},
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "0"])],
        ),
        (
            "FA_ADMIN invites with ORG_ADMIN",
            INVITE_CONTACT,
            "inviteContact",
            {"contactId": quinn, "securityProfileIds": _profile_ids("ORG_ADMIN")},
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "0"])],
        ),
        (
            "FA_ADMIN invites with FA_VIEWER and ORG_ADMIN",
            INVITE_CONTACT,
            "inviteContact",
            {"contactId": quinn, "securityProfileIds": _profile_ids("FA_VIEWER", "ORG_ADMIN")},
            [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "1"])],
        ),
        (
            "FA_ADMIN adds a contact invited with ORG_ADMIN",
            ADD_CONTACT,
            "addContact",
            {
                "organizationId": world.a_id,
                "firstName": "Sock",
                "lastName": "Puppet",
                "email": "sock.puppet@example.org",
                "invitation": {"securityProfileIds": _profile_ids("ORG_ADMIN")},
            },
            [("NOT_ASSIGNABLE", ["input", "invitation", "securityProfileIds", "0"])],
        ),
    ]
    forbidden: list[tuple[str, str, str, dict[str, Any]]] = [
        (
            "FA_ADMIN edits the organization administrator",
            UPDATE_CONTACT,
            "updateContact",
            {"contactId": world.ada.contact_id, "title": "Demoted"},
        ),
        (
            "FA_ADMIN strips the organization administrator",
            UPDATE_CONTACT,
            "updateContact",
            {"contactId": world.abe.contact_id, "securityProfileIds": []},
        ),
        (
            "FA_ADMIN deactivates an organization administrator",
            DEACTIVATE_CONTACT,
            "deactivateContact",
            {"contactId": world.abe.contact_id},
        ),
        (
            "FA_ADMIN makes itself primary",
            SET_PRIMARY_CONTACT,
            "setPrimaryContact",
            {"contactId": fay.contact_id},
        ),
        (
            "FA_ADMIN edits a contact invited as ORG_ADMIN",
            UPDATE_CONTACT,
            "updateContact",
            {"contactId": world.a_contacts["rex"], "email": "fay+rex@example.org"},
        ),
        (
            "FA_ADMIN resends an ORG_ADMIN invitation",
            RESEND_INVITATION,
            "resendInvitation",
            {"invitationId": world.a_invitations["rex"]},
        ),
        (
            "FA_ADMIN revokes an ORG_ADMIN invitation",
            REVOKE_INVITATION,
            "revokeInvitation",
            {"invitationId": world.a_invitations["rex"]},
        ),
        (
            "FA_ADMIN creates an organization",
            CREATE_ORGANIZATION,
            "createOrganization",
            {"name": "Fay's Own", "providesCaseManagement": True},
        ),
    ]
    ada_attempts = [
        (
            "ORG_ADMIN grants a case-management profile where there is no case management",
            {"contactId": world.a_contacts["pat"], "securityProfileIds": _profile_ids("CM_ADMIN")},
        ),
        (
            "ORG_ADMIN grants a profile that does not exist",
            {"contactId": world.a_contacts["pat"], "securityProfileIds": _profile_ids("ROOT")},
        ),
    ]
    before = await database.snapshot()
    failures: Failures = []

    for what, document, field_name, input_fields, expected in attempts:
        body = await guard.execute(document, {"input": input_fields}, token=fay.token)
        payload = (body.get("data") or {}).get(field_name)
        got = [(e["code"], e["field"]) for e in payload["userErrors"]] if payload else None
        nothing = payload and all(payload[name] is None for name in PAYLOAD_OBJECTS[field_name])
        if got != expected or not nothing:
            failures.append(failure(what, input_fields, body))
    for what, document, _field, input_fields in forbidden:
        body = await guard.execute(document, {"input": input_fields}, token=fay.token)
        if codes(body) != ["FORBIDDEN"] or body.get("data") is not None:
            failures.append(failure(what, input_fields, body))
    for what, input_fields in ada_attempts:
        body = await guard.execute(UPDATE_CONTACT, {"input": input_fields}, token=world.ada.token)
        payload = (body.get("data") or {}).get("updateContact")
        got = [(e["code"], e["field"]) for e in payload["userErrors"]] if payload else None
        if got != [("NOT_ASSIGNABLE", ["input", "securityProfileIds", "0"])]:
            failures.append(failure(what, input_fields, body))
    # What Fay sees of herself afterwards: still FA_ADMIN only, not primary.
    node = await guard.data(
        "query Me($id: ID!) { node(id: $id) { ... on Contact { isPrimary securityProfiles { code } } } }",
        {"id": fay.contact_id},
        token=fay.token,
    )
    if node["node"] != {"isPrimary": False, "securityProfiles": [{"code": "FA_ADMIN"}]}:
        failures.append(failure("Fay afterwards", None, node))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())


# --- 7. Smuggling an operation past the rules ---------------------------------------------------


async def test_mutations_cannot_be_smuggled_through_get_batches_or_aliases(
    guard: Guarded, world: World, database: Database, api: Api
) -> None:
    ada = world.ada
    carl = world.b_contacts["carl"]
    pat = world.a_contacts["pat"]
    document = (
        "query Innocent { viewer { account { id } } } "
        "mutation Sneaky { deactivateContact(input: { contactId: " + json.dumps(pat) + " }) "
        "{ contact { id isActive } userErrors { code } } }"
    )
    before = await database.snapshot()
    failures: Failures = []
    headers = {"Authorization": f"Bearer {ada.token}"}

    # A mutation over GET, chosen by operationName from a document that also holds a query.
    response = await api.client.get(
        "/graphql",
        params={"query": document, "operationName": "Sneaky"},
        headers={**headers, "Accept": "application/json"},
    )
    guard.inspect(response, "GET Sneaky")
    if response.status_code not in (400, 405) or "errors" not in response.json():
        failures.append(failure("GET mutation", document, response.text))
    # A batch of operations in one POST.
    batch = [
        {"query": document, "operationName": "Sneaky"},
        {
            "query": "mutation M($i: ID!) { setPrimaryContact(input: { contactId: $i }) { userErrors { code } } }",
            "variables": {"i": carl},
        },
    ]
    response = await api.client.post("/graphql", json=batch, headers=headers)
    guard.inspect(response, "batch")
    if response.status_code < 400 or "errors" not in response.json():
        failures.append(failure("batch", batch, response.text))
    # Aliases: the same mutation many times on B's contacts, in one document.
    aliased = (
        "mutation Many {"
        + "".join(
            f" m{index}: deactivateContact(input: {{ contactId: {json.dumps(target)} }}) "
            "{ contact { id } userErrors { code } }"
            for index, target in enumerate(world.b_contacts.values())
        )
        + " }"
    )
    body = await guard.execute(aliased, token=ada.token)
    results = body.get("data") or {}
    if any(
        result["contact"] is not None or [e["code"] for e in result["userErrors"]] != ["NOT_FOUND"]
        for result in results.values()
    ):
        failures.append(failure("aliases", None, body))
    # Content types a browser form can send without a preflight.
    for content_type, content in (
        ("text/plain", json.dumps({"query": document, "operationName": "Sneaky"})),
        ("application/x-www-form-urlencoded", "query=" + document + "&operationName=Sneaky"),
    ):
        response = await api.client.post(
            "/graphql", content=content, headers={**headers, "content-type": content_type}
        )
        guard.inspect(response, content_type)
        if response.status_code < 400:
            failures.append(failure(f"POST {content_type}", content, response.text))

    assert_no_failures(guard, failures)
    assert_unchanged(before, await database.snapshot())
