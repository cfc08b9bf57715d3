"""The story of the user guide, from end to end, through the API and a real mail server.

Department staff create an organization and invite its first administrator, who signs in
from the emailed link. That administrator adds a contact without access, invites them with
a message, withdraws the invitation by mistake, invites them again; the contact accepts, is
edited, deactivated, and is then listed only when inactive contacts are asked for.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from contacts_api.resolvers.ids import NodeType
from contacts_api.runtime.settings import Settings
from tests.clock import Clock
from tests.factories import Factory, gid
from tests.operations import mutation
from tests.smtp import Served, SmtpServer, serve

CONTACT_FIELDS = """
fragment ContactFields on Contact {
  id
  firstName
  lastName
  title
  email
  accountEmail
  emails
  isActive
  hasAccess
  isAdministrator
  version
  securityProfiles { code }
  invitation { id status message }
}
"""

CREATE_ORGANIZATION = mutation(
    "createOrganization",
    "organization { id name providesCaseManagement }",
)

ADD_CONTACT = mutation(
    "addContact",
    "contact { ...ContactFields } invitation { id status securityProfiles { code } }",
    CONTACT_FIELDS,
)

INVITE_CONTACT = mutation(
    "inviteContact",
    "invitation { id status message securityProfiles { code } } contact { ...ContactFields }",
    CONTACT_FIELDS,
)

REVOKE_INVITATION = mutation("revokeInvitation", "invitation { id status }")

ACCEPT_INVITATION = mutation("acceptInvitation", "contact { ...ContactFields }", CONTACT_FIELDS)

UPDATE_CONTACT = mutation("updateContact", "contact { ...ContactFields }", CONTACT_FIELDS)

DEACTIVATE_CONTACT = mutation("deactivateContact", "contact { ...ContactFields }", CONTACT_FIELDS)

CONTACT = (
    """
query Contact($id: ID!) {
  node(id: $id) { ... on Contact { ...ContactFields } }
}
"""
    + CONTACT_FIELDS
)

CONTACTS = """
query Contacts($id: ID!, $filter: ContactFilter) {
  organization(id: $id) {
    contacts(first: 100, filter: $filter) {
      totalCount
      nodes { firstName lastName isActive hasAccess invitation { status } }
    }
  }
}
"""

HOME = """
query Home($id: ID!) {
  organization(id: $id) { id name viewerIsAdministrator }
  viewer { organizations(first: 100) { totalCount nodes { id } } }
}
"""

AUDIT_EVENTS = """
query AuditEvents($id: ID!) {
  organization(id: $id) {
    auditEvents(first: 100) { nodes { action actor { id } contact { id } } }
  }
}
"""


def profiles(*codes: str) -> list[str]:
    return [gid(NodeType.SECURITY_PROFILE, code) for code in codes]


def codes_of(node: dict[str, Any]) -> set[str]:
    return {entry["code"] for entry in node["securityProfiles"]}


def ok(payload: dict[str, Any]) -> dict[str, Any]:
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload


def is_in_order(expected: Sequence[str], actual: Sequence[str]) -> bool:
    """Whether `expected` occurs in `actual` in this order (other items may lie between)."""
    remaining = iter(actual)
    return all(item in remaining for item in expected)


@pytest.fixture
async def served(
    settings: Settings, clock: Clock, smtp_server: SmtpServer
) -> AsyncIterator[Served]:
    async with serve(smtp_server.settings(settings), clock) as served:
        yield served


async def test_the_story_of_the_user_guide(
    served: Served, smtp_server: SmtpServer, factory: Factory, clock: Clock
) -> None:
    api, outbox, public_url = served.api, served.outbox, served.settings.public_url
    staff = await factory.staff()

    # Staff create the organization and invite its first administrator.
    created = ok(
        (
            await api.data(
                CREATE_ORGANIZATION,
                {"input": {"name": "Harbour Works", "providesCaseManagement": False}},
                token=staff.token,
            )
        )["createOrganization"]
    )
    organization_id = created["organization"]["id"]
    assert created["organization"]["name"] == "Harbour Works"
    clock.advance(minutes=1)
    added = ok(
        (
            await api.data(
                ADD_CONTACT,
                {
                    "input": {
                        "organizationId": organization_id,
                        "firstName": "Jordan",
                        "lastName": "Lee",
                        "email": "jordan.lee@harbour.example",
                        "title": "Executive Director",
                        "invitation": {"securityProfileIds": profiles("ORG_ADMIN")},
                    }
                },
                token=staff.token,
            )
        )["addContact"]
    )
    jordan_id = added["contact"]["id"]
    assert added["contact"]["hasAccess"] is False
    assert added["contact"]["isActive"] is True
    assert added["invitation"]["status"] == "PENDING"
    assert codes_of(added["invitation"]) == {"ORG_ADMIN"}
    await outbox.send_due()
    jordan_link_token = smtp_server.token_for("jordan.lee@harbour.example", public_url)

    # The administrator signs in with their own My NS Account and accepts.
    jordan = await factory.account("jordan@myns.example", name="Jordan Lee")
    before = await api.data(HOME, {"id": organization_id}, token=jordan.token)
    assert before["organization"] is None
    clock.advance(hours=2)
    accepted = ok(
        (
            await api.data(
                ACCEPT_INVITATION, {"input": {"token": jordan_link_token}}, token=jordan.token
            )
        )["acceptInvitation"]
    )
    assert accepted["contact"]["id"] == jordan_id
    assert accepted["contact"]["hasAccess"] is True
    assert accepted["contact"]["isAdministrator"] is True
    assert accepted["contact"]["emails"] == ["jordan.lee@harbour.example", "jordan@myns.example"]
    assert accepted["contact"]["invitation"]["status"] == "ACCEPTED"
    home = await api.data(HOME, {"id": organization_id}, token=jordan.token)
    assert home["organization"] == {
        "id": organization_id,
        "name": "Harbour Works",
        "viewerIsAdministrator": True,
    }
    assert home["viewer"]["organizations"]["nodes"] == [{"id": organization_id}]

    # The administrator adds a contact without access.
    clock.advance(days=1)
    sam_added = ok(
        (
            await api.data(
                ADD_CONTACT,
                {
                    "input": {
                        "organizationId": organization_id,
                        "firstName": "Sam",
                        "lastName": "Fraser",
                        "email": "sam.fraser@harbour.example",
                    }
                },
                token=jordan.token,
            )
        )["addContact"]
    )
    sam_id = sam_added["contact"]["id"]
    assert sam_added["invitation"] is None
    assert sam_added["contact"]["hasAccess"] is False
    assert sam_added["contact"]["securityProfiles"] == []
    assert sam_added["contact"]["invitation"] is None

    # ... invites them to LaMPSS, with an additional message ...
    clock.advance(minutes=5)
    message = "Sam, please sign our 2026-2027 funding agreement."
    first = ok(
        (
            await api.data(
                INVITE_CONTACT,
                {
                    "input": {
                        "contactId": sam_id,
                        "securityProfileIds": profiles("FA_SIGNER", "FA_SUBMITTER"),
                        "message": message,
                    }
                },
                token=jordan.token,
            )
        )["inviteContact"]
    )
    assert first["invitation"]["status"] == "PENDING"
    assert first["invitation"]["message"] == message
    assert first["contact"]["invitation"]["status"] == "PENDING"
    await outbox.send_due()
    first_email = smtp_server.to("sam.fraser@harbour.example")
    assert len(first_email) == 1
    assert message in first_email[0].text
    first_token = smtp_server.token_for("sam.fraser@harbour.example", public_url)

    # ... withdraws the invitation by mistake ...
    clock.advance(minutes=5)
    revoked = ok(
        (
            await api.data(
                REVOKE_INVITATION,
                {"input": {"invitationId": first["invitation"]["id"]}},
                token=jordan.token,
            )
        )["revokeInvitation"]
    )
    assert revoked["invitation"]["status"] == "REVOKED"
    sam = (await api.data(CONTACT, {"id": sam_id}, token=jordan.token))["node"]
    assert sam["invitation"]["status"] == "REVOKED"
    assert sam["hasAccess"] is False

    # ... and invites them again.
    clock.advance(minutes=5)
    second = ok(
        (
            await api.data(
                INVITE_CONTACT,
                {
                    "input": {
                        "contactId": sam_id,
                        "securityProfileIds": profiles("FA_SIGNER", "FA_SUBMITTER"),
                        "message": message,
                    }
                },
                token=jordan.token,
            )
        )["inviteContact"]
    )
    assert second["invitation"]["id"] != first["invitation"]["id"]
    assert second["invitation"]["status"] == "PENDING"
    await outbox.send_due()
    assert len(smtp_server.to("sam.fraser@harbour.example")) == 2
    second_token = smtp_server.token_for("sam.fraser@harbour.example", public_url)
    assert second_token != first_token

    # The contact signs in; the withdrawn link is dead, the new one works.
    sam_account = await factory.account("sam.fraser@harbour.example", name="Sam Fraser")
    clock.advance(days=2)
    dead = (
        await api.data(
            ACCEPT_INVITATION, {"input": {"token": first_token}}, token=sam_account.token
        )
    )["acceptInvitation"]
    assert [error["code"] for error in dead["userErrors"]] == ["INVITATION_NOT_PENDING"]
    sam_accepted = ok(
        (
            await api.data(
                ACCEPT_INVITATION, {"input": {"token": second_token}}, token=sam_account.token
            )
        )["acceptInvitation"]
    )
    sam = sam_accepted["contact"]
    assert sam["id"] == sam_id
    assert sam["hasAccess"] is True
    assert sam["isAdministrator"] is False
    assert codes_of(sam) == {"FA_SIGNER", "FA_SUBMITTER"}
    assert sam["emails"] == ["sam.fraser@harbour.example"]
    assert sam["invitation"]["status"] == "ACCEPTED"
    sam_home = await api.data(HOME, {"id": organization_id}, token=sam_account.token)
    assert sam_home["organization"]["viewerIsAdministrator"] is False

    # The administrator edits the contact ...
    clock.advance(days=7)
    updated = ok(
        (
            await api.data(
                UPDATE_CONTACT,
                {
                    "input": {
                        "contactId": sam_id,
                        "expectedVersion": sam["version"],
                        "title": "Finance Officer",
                    }
                },
                token=jordan.token,
            )
        )["updateContact"]
    )
    assert updated["contact"]["title"] == "Finance Officer"
    assert updated["contact"]["version"] == sam["version"] + 1
    assert updated["contact"]["hasAccess"] is True

    # ... then deactivates them: they stay in the list, as inactive, without access.
    clock.advance(days=30)
    deactivated = ok(
        (
            await api.data(
                DEACTIVATE_CONTACT,
                {
                    "input": {
                        "contactId": sam_id,
                        "expectedVersion": updated["contact"]["version"],
                    }
                },
                token=jordan.token,
            )
        )["deactivateContact"]
    )
    assert deactivated["contact"]["isActive"] is False
    assert deactivated["contact"]["hasAccess"] is False
    assert deactivated["contact"]["version"] == updated["contact"]["version"] + 1

    active = (await api.data(CONTACTS, {"id": organization_id}, token=jordan.token))[
        "organization"
    ]["contacts"]
    assert active == {
        "totalCount": 1,
        "nodes": [
            {
                "firstName": "Jordan",
                "lastName": "Lee",
                "isActive": True,
                "hasAccess": True,
                "invitation": {"status": "ACCEPTED"},
            }
        ],
    }
    everyone = (
        await api.data(
            CONTACTS, {"id": organization_id, "filter": {"activeOnly": False}}, token=jordan.token
        )
    )["organization"]["contacts"]
    assert everyone == {
        "totalCount": 2,
        "nodes": [
            {
                "firstName": "Sam",
                "lastName": "Fraser",
                "isActive": False,
                "hasAccess": False,
                "invitation": {"status": "ACCEPTED"},
            },
            {
                "firstName": "Jordan",
                "lastName": "Lee",
                "isActive": True,
                "hasAccess": True,
                "invitation": {"status": "ACCEPTED"},
            },
        ],
    }

    # The deactivated contact no longer opens the organization.
    gone = await api.data(HOME, {"id": organization_id}, token=sam_account.token)
    assert gone["organization"] is None
    assert gone["viewer"]["organizations"] == {"totalCount": 0, "nodes": []}

    # The history tells the whole story, newest first.
    events = (await api.data(AUDIT_EVENTS, {"id": organization_id}, token=jordan.token))[
        "organization"
    ]["auditEvents"]["nodes"]
    story = [
        ("ORGANIZATION_CREATED", staff.account_id, None),
        ("CONTACT_ADDED", staff.account_id, jordan_id),
        ("INVITATION_SENT", staff.account_id, jordan_id),
        ("INVITATION_ACCEPTED", jordan.account_id, jordan_id),
        ("CONTACT_ADDED", jordan.account_id, sam_id),
        ("INVITATION_SENT", jordan.account_id, sam_id),
        ("INVITATION_REVOKED", jordan.account_id, sam_id),
        ("INVITATION_SENT", jordan.account_id, sam_id),
        ("INVITATION_ACCEPTED", sam_account.account_id, sam_id),
        ("CONTACT_UPDATED", jordan.account_id, sam_id),
        ("CONTACT_DEACTIVATED", jordan.account_id, sam_id),
    ]
    expected = [
        f"{action} by {gid(NodeType.ACCOUNT, actor)} on {contact}"
        for action, actor, contact in reversed(story)
    ]
    actual = [
        f"{event['action']} by {(event['actor'] or {}).get('id')} on "
        f"{(event['contact'] or {}).get('id')}"
        for event in events
    ]
    assert is_in_order(expected, actual), actual
