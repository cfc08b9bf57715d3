"""The example operations of `examples/`: each validates against the served schema, and all
of them run, one after the other, against the demo data as its accounts would run them."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, validate
from starlette.applications import Starlette

from contacts_api.edge.authentication import issue_development_token
from contacts_api.runtime import demo
from contacts_api.runtime.settings import Settings
from contacts_api.schema import schema
from contacts_api.server import create_app
from tests.clock import Clock
from tests.graphql import Api

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FILES = sorted(EXAMPLES.glob("*.graphql"))

# The order in which the story below runs them, which is also the order of examples/README.md.
RUN_ORDER = [
    "my-organizations",
    "list-contacts",
    "next-page",
    "inactive-contacts",
    "assignable-profiles",
    "search-contacts",
    "add-contact",
    "invite-contact",
    "revoke-invitation",
    "add-contact-with-access",
    "invitations",
    "resend-invitation",
    "invitation-preview",
    "accept-invitation",
    "contact-details",
    "edit-contact",
    "deactivate-contact",
    "reactivate-contact",
    "set-primary-contact",
    "audit-trail",
    "access-reviews",
    "confirm-access",
    "update-organization",
    "create-organization",
]


def operation_name(stem: str) -> str:
    """list-contacts.graphql holds the operation ListContacts."""
    return "".join(part.title() for part in stem.split("-"))


def test_there_is_an_example_for_every_step_and_a_step_for_every_example() -> None:
    assert sorted(path.stem for path in FILES) == sorted(RUN_ORDER)


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_example_is_a_documented_named_operation_valid_against_the_schema(path: Path) -> None:
    text = path.read_text()
    document = parse(text)

    assert validate(schema._schema, document) == []
    operations = [
        definition
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    ]
    assert len(operations) == 1
    (operation,) = operations
    assert operation.name is not None
    assert operation.name.value == operation_name(path.stem)
    assert operation.variable_definitions, "an example takes its values as variables"
    assert text.startswith("# "), "an example opens with a comment saying what it does"


def test_the_readme_lists_every_example_in_the_order_they_run() -> None:
    readme = (EXAMPLES / "README.md").read_text()
    listed = re.findall(r"^\| \[`([a-z-]+)\.graphql`\]", readme, flags=re.MULTILINE)

    assert listed == RUN_ORDER


class Examples:
    """Runs the example files over HTTP, as a client would, and keeps the order they ran in."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.ran: list[str] = []

    async def run(
        self, name: str, variables: dict[str, Any], *, token: str | None = None
    ) -> dict[str, Any]:
        data = await self.api.data(
            (EXAMPLES / f"{name}.graphql").read_text(), variables, token=token
        )
        for field, payload in data.items():
            if isinstance(payload, dict) and "userErrors" in payload:
                assert payload["userErrors"] == [], f"{name}: {field}: {payload['userErrors']}"
        self.ran.append(name)
        return data


def token_for(settings: Settings, account: demo.DemoAccount) -> str:
    return issue_development_token(settings, email=account.email, name=account.name)


def invitation_token(settings: Settings, recipient: str) -> str:
    """The token in the link of the one email written for `recipient`."""
    link = re.compile(re.escape(f"{settings.public_url}/invitations/") + r"([A-Za-z0-9_\-]+)")
    tokens = []
    for path in sorted(settings.mail_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if recipient in str(message["To"]):
            body = message.get_body(("plain",))  # type: ignore[attr-defined]
            tokens += link.findall(body.get_content())
    assert len(tokens) == 1, tokens
    token: str = tokens[0]
    return token


@pytest.fixture
async def demo_app(settings: Settings, clock: Clock) -> AsyncIterator[Starlette]:
    """The application over a fresh database holding the demo data (`contacts seed-demo`)."""
    await demo.seed(settings, now=clock.now())
    app = create_app(settings, clock=clock.now)
    yield app
    await app.state.services.engine.dispose()


@pytest.fixture
async def examples(demo_app: Starlette, settings: Settings) -> AsyncIterator[Examples]:
    transport = httpx.ASGITransport(app=demo_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        yield Examples(Api(client, settings))


async def test_every_example_runs_against_the_demo_data(
    examples: Examples, demo_app: Starlette, settings: Settings
) -> None:
    administrator = token_for(settings, demo.ORGANIZATION_ADMINISTRATOR)
    staff = token_for(settings, demo.STAFF)
    run = examples.run

    # The administrator's home page: one organization.
    home = await run("my-organizations", {"first": 10}, token=administrator)
    organizations = home["viewer"]["organizations"]["nodes"]
    assert [organization["name"] for organization in organizations] == [demo.HALIFAX]
    organization_id = organizations[0]["id"]
    in_organization = {"organizationId": organization_id}

    # The list: the active contacts, 10 a page, the primary contact first.
    active = sum(1 for *_, is_active, _role in demo.HALIFAX_CONTACTS if is_active)
    listed = await run("list-contacts", {**in_organization, "first": 10}, token=administrator)
    first_page = listed["organization"]["contacts"]
    assert first_page["totalCount"] == active
    assert len(first_page["nodes"]) == 10
    assert first_page["nodes"][0]["lastName"] == demo.PRIMARY
    assert first_page["nodes"][0]["isPrimary"] is True
    assert first_page["pageInfo"]["hasNextPage"] is True

    following = await run(
        "next-page",
        {**in_organization, "after": first_page["pageInfo"]["endCursor"]},
        token=administrator,
    )
    second_page = following["organization"]["contacts"]
    assert second_page["pageInfo"]["hasPreviousPage"] is True
    assert len(second_page["nodes"]) == 10
    assert not {node["id"] for node in second_page["nodes"]} & {
        node["id"] for node in first_page["nodes"]
    }

    everyone = await run(
        "inactive-contacts", {**in_organization, "first": 100}, token=administrator
    )
    all_contacts = everyone["organization"]["contacts"]
    assert all_contacts["totalCount"] == len(demo.HALIFAX_CONTACTS)
    assert {node["lastName"] for node in all_contacts["nodes"] if not node["isActive"]} == {
        last
        for _first, last, _language, _codes, is_active, _role in demo.HALIFAX_CONTACTS
        if not is_active
    }

    # What this administrator (ORG_ADMIN, in a case-management organization) may assign.
    assignable = await run(
        "assignable-profiles", {**in_organization, "language": "ENGLISH"}, token=administrator
    )
    assert assignable["organization"]["viewerIsAdministrator"] is True
    profile = {entry["code"]: entry["id"] for entry in assignable["securityProfiles"]}
    assert {
        entry["code"] for entry in assignable["organization"]["assignableSecurityProfiles"]
    } == set(profile)

    found = await run(
        "search-contacts",
        {
            **in_organization,
            "lastName": "Dou",
            "email": "doucet",
            "securityProfileIds": [profile["FA_SIGNER"]],
            "activeOnly": False,
            "hasAccess": True,
        },
        token=administrator,
    )
    (doucet,) = found["organization"]["contacts"]["nodes"]
    assert (doucet["firstName"], doucet["lastName"]) == ("Daniel", "Doucet")

    # A contact without access; invited, and the invitation withdrawn as sent by mistake.
    added = await run(
        "add-contact",
        {
            "input": {
                **in_organization,
                "firstName": "Lucie",
                "lastName": "Gallant",
                "email": "lucie.gallant@example.org",
                "title": "Board treasurer",
                "phoneNumbers": [{"kind": "WORK", "number": "902 555 0142", "extension": "7"}],
                "preferredLanguage": "FRENCH",
                "officeLocation": "Halifax",
                "positionType": "Volunteer",
                "fte": 0.2,
            }
        },
        token=administrator,
    )
    lucie = added["addContact"]["contact"]
    assert (lucie["isActive"], lucie["hasAccess"], lucie["securityProfiles"]) == (True, False, [])

    invited = await run(
        "invite-contact",
        {
            "input": {
                "contactId": lucie["id"],
                "securityProfileIds": [profile["FA_VIEWER"]],
                "message": "Bienvenue dans LaMPSS.",
            }
        },
        token=administrator,
    )
    assert invited["inviteContact"]["invitation"]["status"] == "PENDING"

    revoked = await run(
        "revoke-invitation",
        {"input": {"invitationId": invited["inviteContact"]["invitation"]["id"]}},
        token=administrator,
    )
    withdrawn = revoked["revokeInvitation"]["invitation"]
    assert withdrawn["status"] == "REVOKED"

    # A contact added with access: the invitation is emailed.
    nadia_email = "nadia.boutilier@example.org"
    added_with_access = await run(
        "add-contact-with-access",
        {
            "input": {
                **in_organization,
                "firstName": "Nadia",
                "lastName": "Boutilier",
                "email": nadia_email,
                "preferredLanguage": "ENGLISH",
                "officeLocation": "Dartmouth",
                "positionType": "Career practitioner",
                "fte": 1,
                "invitation": {
                    "securityProfileIds": [profile["FA_SUBMITTER"]],
                    "message": "Welcome aboard! Please link your My NS Account.",
                },
            }
        },
        token=administrator,
    )
    nadia = added_with_access["addContact"]["contact"]
    assert added_with_access["addContact"]["invitation"]["status"] == "PENDING"

    # The demo's expired invitation, sent again.
    expired = await run(
        "invitations", {**in_organization, "status": ["EXPIRED"]}, token=administrator
    )
    (boudreau_invitation,) = expired["organization"]["invitations"]["nodes"]
    resent = await run(
        "resend-invitation",
        {"input": {"invitationId": boudreau_invitation["id"]}},
        token=administrator,
    )
    assert resent["resendInvitation"]["invitation"]["status"] == "PENDING"

    # The invitee opens the emailed link, then signs in and accepts.
    await demo_app.state.services.outbox.send_due()
    token = invitation_token(settings, nadia_email)
    preview = await run("invitation-preview", {"token": token})
    assert preview["invitationPreview"] == {
        "organizationName": demo.HALIFAX,
        "contactFirstName": "Nadia",
        "invitedByName": demo.ORGANIZATION_ADMINISTRATOR.name,
        "status": "PENDING",
        "expiresAt": preview["invitationPreview"]["expiresAt"],
    }
    invitee = issue_development_token(settings, email="nadia.b@myns.example", name="Nadia B.")
    accepted = await run("accept-invitation", {"input": {"token": token}}, token=invitee)
    linked = accepted["acceptInvitation"]["contact"]
    assert linked["id"] == nadia["id"]
    assert linked["hasAccess"] is True
    assert linked["emails"] == [nadia_email, "nadia.b@myns.example"]

    # The administrator opens the contact, edits it, and saves with the version read.
    details = await run("contact-details", {"contactId": nadia["id"]}, token=administrator)
    edited = await run(
        "edit-contact",
        {
            "input": {
                "contactId": nadia["id"],
                "expectedVersion": details["node"]["version"],
                "title": "Employment counsellor",
                "phoneNumbers": [{"kind": "MOBILE", "number": "(902) 555-0199"}],
                "securityProfileIds": [profile["FA_SUBMITTER"], profile["FA_SIGNER"]],
            }
        },
        token=administrator,
    )
    changed = edited["updateContact"]["contact"]
    assert changed["version"] == details["node"]["version"] + 1
    assert {entry["code"] for entry in changed["securityProfiles"]} == {
        "FA_SUBMITTER",
        "FA_SIGNER",
    }

    # Deactivated, then reactivated, each with the version last answered.
    deactivated = await run(
        "deactivate-contact",
        {"input": {"contactId": lucie["id"], "expectedVersion": withdrawn["contact"]["version"]}},
        token=administrator,
    )
    inactive = deactivated["deactivateContact"]["contact"]
    assert inactive["isActive"] is False
    reactivated = await run(
        "reactivate-contact",
        {"input": {"contactId": lucie["id"], "expectedVersion": inactive["version"]}},
        token=administrator,
    )
    assert reactivated["reactivateContact"]["contact"]["isActive"] is True

    primary = await run(
        "set-primary-contact", {"input": {"contactId": doucet["id"]}}, token=administrator
    )
    assert primary["setPrimaryContact"]["contact"]["isPrimary"] is True
    assert primary["setPrimaryContact"]["previousPrimaryContact"]["lastName"] == demo.PRIMARY

    trail = await run("audit-trail", {**in_organization, "first": 50}, token=administrator)
    actions = [event["action"] for event in trail["organization"]["auditEvents"]["nodes"]]
    assert actions[0] == "PRIMARY_CONTACT_CHANGED"
    assert set(actions) >= {
        "CONTACT_ADDED",
        "INVITATION_SENT",
        "INVITATION_REVOKED",
        "INVITATION_RESENT",
        "INVITATION_ACCEPTED",
        "CONTACT_UPDATED",
        "SECURITY_CHANGED",
        "CONTACT_DEACTIVATED",
        "CONTACT_REACTIVATED",
    }

    # Access reviews: the demo's access was granted over a year ago.
    reviews = await run("access-reviews", {**in_organization, "first": 10}, token=administrator)
    due = reviews["organization"]["contacts"]["nodes"]
    assert reviews["organization"]["accessReviewsDue"] == len(due) > 1
    # Everyone's but the administrator's own, which another administrator or staff confirms.
    others = [
        contact["id"]
        for contact in due
        if f"{contact['firstName']} {contact['lastName']}" != demo.ORGANIZATION_ADMINISTRATOR.name
    ]
    assert len(others) == len(due) - 1
    confirmed = await run("confirm-access", {"input": {"contactIds": others}}, token=administrator)
    assert len(confirmed["confirmAccess"]["contacts"]) == len(others)
    updated = await run(
        "update-organization",
        {"input": {**in_organization, "notifyAllAdministrators": True, "accessLapseDays": 30}},
        token=administrator,
    )
    organization = updated["updateOrganization"]["organization"]
    assert (organization["accessReviewsDue"], organization["accessLapseDays"]) == (1, 30)

    created = await run(
        "create-organization",
        {"input": {"name": "South Shore Employment Services", "providesCaseManagement": True}},
        token=staff,
    )
    assert created["createOrganization"]["organization"]["viewerIsAdministrator"] is True

    assert examples.ran == RUN_ORDER


EXPIRED_INVITATIONS = """
query Expired($id: ID!) {
  organization(id: $id) {
    invitations(status: [EXPIRED]) {
      nodes { id contact { lastName } securityProfiles { code } }
    }
  }
}
"""


async def test_the_demo_area_administrator_cannot_revive_the_expired_invitation(
    examples: Examples, demo_app: Starlette, settings: Settings, clock: Clock
) -> None:
    """The demo's expired invitation grants a case-management profile, which its funding
    agreements administrator may not assign: resending it is not theirs to do."""
    accounts = {account.role: account for account in await demo.seed(settings, now=clock.now())}
    area_administrator = token_for(settings, accounts["Funding agreements administrator"])
    home = await examples.api.data(
        "{ viewer { organizations { nodes { id } } } }", token=area_administrator
    )
    [organization] = home["viewer"]["organizations"]["nodes"]
    listed = await examples.api.data(
        EXPIRED_INVITATIONS, {"id": organization["id"]}, token=area_administrator
    )
    [expired] = listed["organization"]["invitations"]["nodes"]
    assert expired["contact"]["lastName"] in demo.EXPIRED_INVITATIONS
    assert {profile["code"] for profile in expired["securityProfiles"]} == {"CM_VIEWER"}

    body = await examples.api.execute(
        (EXAMPLES / "resend-invitation.graphql").read_text(),
        {"input": {"invitationId": expired["id"]}},
        token=area_administrator,
    )

    assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
