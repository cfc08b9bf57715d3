"""Invitations through the API: invite, resend, revoke, accept, expire, and their history.

The application sends its emails to a real SMTP server on loopback; each test reads the
invitation link from the email that server received, as an invitee would.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from contacts_api.mail.outbox import OutboxSender
from contacts_api.models import Organization
from contacts_api.resolvers.ids import NodeType
from contacts_api.rules.invitation_tokens import hash_token
from contacts_api.runtime.settings import Settings
from tests.clock import Clock
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes
from tests.operations import mutation
from tests.smtp import Delivery, Served, SmtpServer, invitation_token, serve

CONTACT_FIELDS = """
fragment ContactFields on Contact {
  id
  firstName
  email
  accountEmail
  emails
  isActive
  hasAccess
  version
  securityProfiles { code }
  invitation { id status }
}
"""

INVITATION_FIELDS = """
fragment InvitationFields on Invitation {
  id
  contact { id }
  email
  message
  status
  securityProfiles { code }
  invitedBy { id }
  sentAt
  expiresAt
  acceptedAt
  revokedAt
  revokedBy { id }
  deliveryStatus
}
"""

ADD_CONTACT = mutation(
    "addContact",
    "contact { ...ContactFields } invitation { ...InvitationFields }",
    CONTACT_FIELDS,
    INVITATION_FIELDS,
)

INVITE_CONTACT = mutation(
    "inviteContact",
    "invitation { ...InvitationFields } contact { ...ContactFields }",
    CONTACT_FIELDS,
    INVITATION_FIELDS,
)

RESEND_INVITATION = mutation(
    "resendInvitation",
    "invitation { ...InvitationFields }",
    INVITATION_FIELDS,
)

REVOKE_INVITATION = mutation(
    "revokeInvitation",
    "invitation { ...InvitationFields }",
    INVITATION_FIELDS,
)

ACCEPT_INVITATION = mutation("acceptInvitation", "contact { ...ContactFields }", CONTACT_FIELDS)

DEACTIVATE_CONTACT = mutation("deactivateContact", "contact { ...ContactFields }", CONTACT_FIELDS)

INVITATION = (
    """
query Invitation($id: ID!) {
  node(id: $id) { ... on Invitation { ...InvitationFields } }
}
"""
    + INVITATION_FIELDS
)

CONTACT = (
    """
query Contact($id: ID!) {
  node(id: $id) { ... on Contact { ...ContactFields } }
}
"""
    + CONTACT_FIELDS
)

INVITATION_PREVIEW = """
query InvitationPreview($token: String!) {
  invitationPreview(token: $token) {
    organizationName
    contactFirstName
    invitedByName
    status
    expiresAt
  }
}
"""

MEMBERSHIP = """
query Membership($id: ID!) {
  organization(id: $id) { id name }
  viewer {
    account { id email }
    contacts { id }
    organizations(first: 100) { totalCount nodes { id } }
  }
}
"""

AUDIT_EVENTS = """
query AuditEvents($id: ID!) {
  organization(id: $id) {
    auditEvents(first: 100) {
      nodes {
        action
        actor { id }
        contact { id }
        changes { field oldValue newValue }
      }
    }
  }
}
"""

INVITATION_TTL = timedelta(days=30)


def profile(code: str) -> str:
    return gid(NodeType.SECURITY_PROFILE, code)


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def problems(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    """The user errors of a payload as (code, field) pairs."""
    return [(error["code"], error["field"]) for error in payload["userErrors"]]


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


def profile_codes(node: dict[str, Any]) -> set[str]:
    return {entry["code"] for entry in node["securityProfiles"]}


@dataclass(frozen=True)
class Mail:
    """The outbox of the application and the mail server it delivers to."""

    outbox: OutboxSender
    server: SmtpServer
    public_url: str

    async def deliver(self) -> list[Delivery]:
        """Run the sender once; what the mail server received meanwhile."""
        before = len(self.server.deliveries)
        await self.outbox.send_due()
        return self.server.deliveries[before:]

    def token_for(self, address: str) -> str:
        return self.server.token_for(address, self.public_url)


@pytest.fixture
async def served(
    settings: Settings, clock: Clock, smtp_server: SmtpServer
) -> AsyncIterator[Served]:
    async with serve(smtp_server.settings(settings), clock) as served:
        yield served


@pytest.fixture
def api(served: Served) -> Api:
    """The application, sending its emails to `smtp_server` (overrides conftest's)."""
    return served.api


@pytest.fixture
def mail(served: Served, smtp_server: SmtpServer) -> Mail:
    return Mail(served.outbox, smtp_server, served.settings.public_url)


async def _organization(
    factory: Factory, *, case_management: bool = False
) -> tuple[Organization, Person]:
    organization = await factory.organization("Harbour Works", case_management=case_management)
    administrator = await factory.member(
        organization, "ORG_ADMIN", first_name="Morgan", last_name="Leblanc", primary=True
    )
    return organization, administrator


async def _invite(
    api: Api,
    mail: Mail,
    viewer: Person,
    contact_id: int,
    *profile_codes_: str,
    message: str | None = None,
) -> tuple[dict[str, Any], str]:
    """Invite through the API, deliver the email, and read its token: (invitation, token)."""
    data = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact_id),
                "securityProfileIds": [profile(code) for code in profile_codes_ or ("FA_VIEWER",)],
                "message": message,
            }
        },
        token=viewer.token,
    )
    payload = data["inviteContact"]
    assert payload["userErrors"] == []
    deliveries = await mail.deliver()
    assert len(deliveries) == 1
    return payload["invitation"], invitation_token(deliveries[0].text, mail.public_url)


async def _accept(api: Api, token: str, viewer: Person | None) -> dict[str, Any]:
    data = await api.data(
        ACCEPT_INVITATION, {"input": {"token": token}}, token=viewer.token if viewer else None
    )
    payload: dict[str, Any] = data["acceptInvitation"]
    return payload


async def _invitation(api: Api, viewer: Person, invitation_id: str) -> dict[str, Any]:
    data = await api.data(INVITATION, {"id": invitation_id}, token=viewer.token)
    node: dict[str, Any] = data["node"]
    return node


async def _contact(api: Api, viewer: Person, contact_id: int) -> dict[str, Any]:
    data = await api.data(CONTACT, {"id": gid(NodeType.CONTACT, contact_id)}, token=viewer.token)
    node: dict[str, Any] = data["node"]
    return node


# Inviting


async def test_adding_a_contact_with_an_invitation(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)

    data = await api.data(
        ADD_CONTACT,
        {
            "input": {
                "organizationId": gid(NodeType.ORGANIZATION, organization.id),
                "firstName": "Dana",
                "lastName": "Fraser",
                "email": "dana@harbour.example",
                "invitation": {
                    "securityProfileIds": [profile("FA_SUBMITTER"), profile("FA_SIGNER")],
                    "message": "Welcome aboard",
                },
            }
        },
        token=administrator.token,
    )

    payload = data["addContact"]
    assert payload["userErrors"] == []
    contact, invitation = payload["contact"], payload["invitation"]
    assert contact["isActive"] is True
    assert contact["hasAccess"] is False
    assert contact["accountEmail"] is None
    assert contact["securityProfiles"] == []
    assert contact["invitation"] == {"id": invitation["id"], "status": "PENDING"}
    assert instant(invitation.pop("sentAt")) == clock.now()
    assert instant(invitation.pop("expiresAt")) == clock.now() + INVITATION_TTL
    assert profile_codes(invitation) == {"FA_SUBMITTER", "FA_SIGNER"}
    del invitation["securityProfiles"]
    assert invitation == {
        "id": invitation["id"],
        "contact": {"id": contact["id"]},
        "email": "dana@harbour.example",
        "message": "Welcome aboard",
        "status": "PENDING",
        "invitedBy": {"id": gid(NodeType.ACCOUNT, administrator.account_id)},
        "acceptedAt": None,
        "revokedAt": None,
        "revokedBy": None,
        "deliveryStatus": "QUEUED",
    }

    deliveries = await mail.deliver()

    assert [delivery.recipients for delivery in deliveries] == [["dana@harbour.example"]]
    after = await _invitation(api, administrator, invitation["id"])
    assert after["deliveryStatus"] == "SENT"
    assert after["status"] == "PENDING"


async def test_inviting_an_existing_contact(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, first_name="Robin", email="robin@harbour.example")

    data = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact.id),
                "securityProfileIds": [profile("FA_VIEWER")],
                "message": "See you in LaMPSS",
            }
        },
        token=administrator.token,
    )

    payload = data["inviteContact"]
    assert payload["userErrors"] == []
    invitation = payload["invitation"]
    assert invitation["contact"] == {"id": gid(NodeType.CONTACT, contact.id)}
    assert invitation["email"] == "robin@harbour.example"
    assert invitation["message"] == "See you in LaMPSS"
    assert invitation["status"] == "PENDING"
    assert profile_codes(invitation) == {"FA_VIEWER"}
    assert instant(invitation["expiresAt"]) == clock.now() + INVITATION_TTL
    assert invitation["deliveryStatus"] == "QUEUED"
    assert payload["contact"]["id"] == gid(NodeType.CONTACT, contact.id)
    assert payload["contact"]["invitation"] == {"id": invitation["id"], "status": "PENDING"}
    assert payload["contact"]["hasAccess"] is False

    deliveries = await mail.deliver()

    assert [delivery.recipients for delivery in deliveries] == [["robin@harbour.example"]]
    assert (await _invitation(api, administrator, invitation["id"]))["deliveryStatus"] == "SENT"


async def test_an_inactive_contact_cannot_be_invited(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, active=False)

    data = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact.id),
                "securityProfileIds": [profile("FA_VIEWER")],
            }
        },
        token=administrator.token,
    )

    assert codes(data["inviteContact"]) == ["CONTACT_INACTIVE"]
    assert data["inviteContact"]["invitation"] is None
    assert await mail.deliver() == []
    assert (await _contact(api, administrator, contact.id))["invitation"] is None


async def test_a_contact_with_access_cannot_be_invited(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    member = await factory.member(organization, "FA_VIEWER")

    data = await api.data(
        INVITE_CONTACT,
        {"input": {"contactId": member.contact_gid, "securityProfileIds": [profile("FA_SIGNER")]}},
        token=administrator.token,
    )

    assert codes(data["inviteContact"]) == ["ALREADY_HAS_ACCESS"]
    assert data["inviteContact"]["invitation"] is None
    assert await mail.deliver() == []


async def test_a_contact_with_a_pending_invitation_cannot_be_invited_again(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    first, _token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")

    data = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact.id),
                "securityProfileIds": [profile("FA_SIGNER")],
            }
        },
        token=administrator.token,
    )

    assert codes(data["inviteContact"]) == ["ALREADY_INVITED"]
    assert await mail.deliver() == []
    assert (await _contact(api, administrator, contact.id))["invitation"] == {
        "id": first["id"],
        "status": "PENDING",
    }


async def test_a_contact_whose_invitation_expired_can_be_invited_again(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    first, _token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    clock.advance(days=31)

    second, token = await _invite(api, mail, administrator, contact.id, "FA_SIGNER")

    assert second["id"] != first["id"]
    assert second["status"] == "PENDING"
    assert (await _invitation(api, administrator, first["id"]))["status"] == "EXPIRED"
    assert codes(await _accept(api, token, await factory.account())) == []


async def test_an_invitation_needs_at_least_one_profile(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)

    invited = await api.data(
        INVITE_CONTACT,
        {"input": {"contactId": gid(NodeType.CONTACT, contact.id), "securityProfileIds": []}},
        token=administrator.token,
    )
    added = await api.data(
        ADD_CONTACT,
        {
            "input": {
                "organizationId": gid(NodeType.ORGANIZATION, organization.id),
                "firstName": "Dana",
                "lastName": "Fraser",
                "email": "dana@harbour.example",
                "invitation": {"securityProfileIds": []},
            }
        },
        token=administrator.token,
    )

    assert problems(invited["inviteContact"]) == [("REQUIRED", ["input", "securityProfileIds"])]
    assert problems(added["addContact"]) == [
        ("REQUIRED", ["input", "invitation", "securityProfileIds"])
    ]
    assert added["addContact"]["contact"] is None
    assert await mail.deliver() == []


@pytest.mark.parametrize("code", ["CM_PRACTITIONER", "ORG_ADMIN"])
async def test_an_area_administrator_grants_only_its_own_area(
    api: Api, mail: Mail, factory: Factory, code: str
) -> None:
    organization = await factory.organization(case_management=True)
    area_administrator = await factory.member(organization, "FA_ADMIN")
    contact = await factory.contact(organization)

    refused = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact.id),
                "securityProfileIds": [profile("FA_SUBMITTER"), profile(code)],
            }
        },
        token=area_administrator.token,
    )

    assert codes(refused["inviteContact"]) == ["NOT_ASSIGNABLE"]
    field = refused["inviteContact"]["userErrors"][0]["field"]
    assert field[:2] == ["input", "securityProfileIds"]
    assert refused["inviteContact"]["invitation"] is None
    assert await mail.deliver() == []

    granted, _token = await _invite(api, mail, area_administrator, contact.id, "FA_SUBMITTER")
    assert profile_codes(granted) == {"FA_SUBMITTER"}


async def test_adding_a_contact_with_an_invitation_that_is_refused_adds_nothing(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization = await factory.organization()
    area_administrator = await factory.member(organization, "FA_ADMIN")

    data = await api.data(
        ADD_CONTACT,
        {
            "input": {
                "organizationId": gid(NodeType.ORGANIZATION, organization.id),
                "firstName": "Dana",
                "lastName": "Fraser",
                "email": "dana@harbour.example",
                "invitation": {"securityProfileIds": [profile("ORG_ADMIN")]},
            }
        },
        token=area_administrator.token,
    )

    payload = data["addContact"]
    assert codes(payload) == ["NOT_ASSIGNABLE"]
    assert payload["userErrors"][0]["field"][:3] == ["input", "invitation", "securityProfileIds"]
    assert payload["contact"] is None
    assert payload["invitation"] is None
    assert await mail.deliver() == []
    # Nothing was added: the same email is still free.
    again = await api.data(
        ADD_CONTACT,
        {
            "input": {
                "organizationId": gid(NodeType.ORGANIZATION, organization.id),
                "firstName": "Dana",
                "lastName": "Fraser",
                "email": "dana@harbour.example",
            }
        },
        token=area_administrator.token,
    )
    assert again["addContact"]["userErrors"] == []


async def test_the_additional_message_is_at_most_2000_characters(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    contact_id = gid(NodeType.CONTACT, contact.id)

    too_long = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": contact_id,
                "securityProfileIds": [profile("FA_VIEWER")],
                "message": "m" * 2001,
            }
        },
        token=administrator.token,
    )

    assert problems(too_long["inviteContact"]) == [("TOO_LONG", ["input", "message"])]
    assert await mail.deliver() == []

    longest = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": contact_id,
                "securityProfileIds": [profile("FA_VIEWER")],
                "message": "  " + "m" * 2000 + "\n",
            }
        },
        token=administrator.token,
    )

    assert longest["inviteContact"]["userErrors"] == []
    assert longest["inviteContact"]["invitation"]["message"] == "m" * 2000


async def test_another_organizations_contact_and_invitation_are_not_found(
    api: Api, mail: Mail, factory: Factory
) -> None:
    _organization_a, administrator = await _organization(factory)
    elsewhere = await factory.organization("Elsewhere")
    outsider_admin = await factory.member(elsewhere, "ORG_ADMIN")
    contact = await factory.contact(elsewhere)
    invitation, token = await _invite(api, mail, outsider_admin, contact.id, "FA_VIEWER")
    other = await factory.contact(elsewhere)

    invited = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, other.id),
                "securityProfileIds": [profile("FA_VIEWER")],
            }
        },
        token=administrator.token,
    )
    resent = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )
    revoked = await api.data(
        REVOKE_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )

    assert codes(invited["inviteContact"]) == ["NOT_FOUND"]
    assert codes(resent["resendInvitation"]) == ["NOT_FOUND"]
    assert codes(revoked["revokeInvitation"]) == ["NOT_FOUND"]
    assert await mail.deliver() == []
    assert (await _invitation(api, outsider_admin, invitation["id"]))["status"] == "PENDING"
    assert (await _contact(api, outsider_admin, other.id))["invitation"] is None
    # The old link still works: nothing was changed.
    assert codes(await _accept(api, token, await factory.account())) == []


# Expiry, resend, revoke


async def test_an_invitation_expires_30_days_after_it_was_sent(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    invitee = await factory.account()

    clock.advance(days=30, minutes=-1)
    assert (await _invitation(api, administrator, invitation["id"]))["status"] == "PENDING"

    clock.advance(minutes=2)
    assert (await _invitation(api, administrator, invitation["id"]))["status"] == "EXPIRED"
    assert (await _contact(api, administrator, contact.id))["invitation"]["status"] == "EXPIRED"
    preview = await api.data(INVITATION_PREVIEW, {"token": token})
    assert preview["invitationPreview"]["status"] == "EXPIRED"

    payload = await _accept(api, token, invitee)

    assert problems(payload) == [("INVITATION_EXPIRED", ["input", "token"])]
    assert payload["contact"] is None
    contact_after = await _contact(api, administrator, contact.id)
    assert contact_after["hasAccess"] is False
    assert contact_after["securityProfiles"] == []


async def test_resending_gives_a_new_link_and_kills_the_old_one(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, old_token = await _invite(api, mail, administrator, contact.id, "FA_SIGNER")
    clock.advance(days=5)

    data = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )

    payload = data["resendInvitation"]
    assert payload["userErrors"] == []
    resent = payload["invitation"]
    assert resent["id"] == invitation["id"]
    assert resent["status"] == "PENDING"
    assert instant(resent["sentAt"]) == clock.now()
    assert instant(resent["expiresAt"]) == clock.now() + INVITATION_TTL
    assert resent["deliveryStatus"] == "QUEUED"
    deliveries = await mail.deliver()
    assert [delivery.recipients for delivery in deliveries] == [[contact.email]]
    new_token = mail.token_for(contact.email)
    assert new_token != old_token
    assert (await _invitation(api, administrator, invitation["id"]))["deliveryStatus"] == "SENT"

    invitee = await factory.account()
    assert (await api.data(INVITATION_PREVIEW, {"token": old_token}))["invitationPreview"] is None
    old = await _accept(api, old_token, invitee)
    assert problems(old) == [("INVALID", ["input", "token"])]
    assert old["contact"] is None

    accepted = await _accept(api, new_token, invitee)
    assert accepted["userErrors"] == []
    assert accepted["contact"]["hasAccess"] is True
    assert profile_codes(accepted["contact"]) == {"FA_SIGNER"}


async def test_resending_an_expired_invitation_gives_a_new_30_days(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, old_token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    clock.advance(days=45)
    assert (await _invitation(api, administrator, invitation["id"]))["status"] == "EXPIRED"

    data = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )

    payload = data["resendInvitation"]
    assert payload["userErrors"] == []
    assert payload["invitation"]["status"] == "PENDING"
    assert instant(payload["invitation"]["expiresAt"]) == clock.now() + INVITATION_TTL
    assert len(await mail.deliver()) == 1
    new_token = mail.token_for(contact.email)
    invitee = await factory.account()
    assert codes(await _accept(api, old_token, invitee)) == ["INVALID"]
    accepted = await _accept(api, new_token, invitee)
    assert accepted["userErrors"] == []
    assert (await _invitation(api, administrator, invitation["id"]))["status"] == "ACCEPTED"


async def test_only_the_latest_invitation_can_be_resent(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    """An old, expired invitation must not come back to life and relink the contact."""
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    first, _ = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    clock.advance(days=31)
    _second, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    invitee = await factory.account()
    assert (await _accept(api, token, invitee))["userErrors"] == []

    data = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": first["id"]}}, token=administrator.token
    )

    payload = data["resendInvitation"]
    assert problems(payload) == [("ALREADY_HAS_ACCESS", ["input", "invitationId"])]
    assert (await _invitation(api, administrator, first["id"]))["status"] == "EXPIRED"
    assert (await _contact(api, administrator, contact.id))["accountEmail"] == invitee.email


async def test_a_superseded_invitation_cannot_be_resent(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    first, _ = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    clock.advance(days=31)
    await _invite(api, mail, administrator, contact.id, "FA_VIEWER")

    data = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": first["id"]}}, token=administrator.token
    )

    assert problems(data["resendInvitation"]) == [
        ("INVITATION_NOT_PENDING", ["input", "invitationId"])
    ]


UPDATE_EMAIL = """
mutation UpdateContact($input: UpdateContactInput!) {
  updateContact(input: $input) { contact { id email } userErrors { field code } }
}
"""

VIEWER_CAN_MANAGE = """
query Manage($id: ID!) { node(id: $id) { ... on Contact { viewerCanManage } } }
"""


async def test_an_expired_invitation_counts_as_pending_for_who_may_manage_the_contact(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    """An area administrator must not revive an invitation to a profile it may not assign:
    neither by resending it nor by redirecting it to an address of its own first."""
    organization, administrator = await _organization(factory, case_management=True)
    area_administrator = await factory.member(organization, "FA_ADMIN")
    contact = await factory.contact(organization, office_location="HQ", position_type="Clerk")
    invitation, _ = await _invite(api, mail, administrator, contact.id, "CM_VIEWER")
    clock.advance(days=31)
    assert (await _invitation(api, administrator, invitation["id"]))["status"] == "EXPIRED"
    contact_id = gid(NodeType.CONTACT, contact.id)

    manage = await api.data(VIEWER_CAN_MANAGE, {"id": contact_id}, token=area_administrator.token)
    redirected = await api.execute(
        UPDATE_EMAIL,
        {"input": {"contactId": contact_id, "email": "attacker@evil.example"}},
        token=area_administrator.token,
    )
    resent = await api.execute(
        RESEND_INVITATION,
        {"input": {"invitationId": invitation["id"]}},
        token=area_administrator.token,
    )

    assert manage["node"] == {"viewerCanManage": False}
    assert error_codes(redirected) == ["FORBIDDEN"]
    assert error_codes(resent) == ["FORBIDDEN"]
    assert await mail.deliver() == []
    after = await _invitation(api, administrator, invitation["id"])
    assert (after["status"], after["email"]) == ("EXPIRED", contact.email)
    # Who may assign every profile involved still may.
    assert (await api.data(VIEWER_CAN_MANAGE, {"id": contact_id}, token=administrator.token))[
        "node"
    ] == {"viewerCanManage": True}


async def test_a_revoked_or_accepted_invitation_does_not_count_for_who_may_manage(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory, case_management=True)
    area_administrator = await factory.member(organization, "FA_ADMIN")
    contact = await factory.contact(organization, office_location="HQ", position_type="Clerk")
    invitation, _ = await _invite(api, mail, administrator, contact.id, "CM_VIEWER")
    await api.data(
        REVOKE_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )

    manage = await api.data(
        VIEWER_CAN_MANAGE, {"id": gid(NodeType.CONTACT, contact.id)}, token=area_administrator.token
    )

    assert manage["node"] == {"viewerCanManage": True}


async def test_a_resend_goes_to_the_contacts_email_and_records_it(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, email="old@harbour.example")
    invitation, _ = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    contact_id = gid(NodeType.CONTACT, contact.id)
    changed = await api.data(
        UPDATE_EMAIL,
        {"input": {"contactId": contact_id, "email": "new@harbour.example"}},
        token=administrator.token,
    )
    assert changed["updateContact"]["userErrors"] == []
    sent = instant(invitation["expiresAt"])
    clock.advance(days=2)

    data = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )

    resent = data["resendInvitation"]["invitation"]
    assert resent["email"] == "new@harbour.example"
    assert [d.recipients for d in await mail.deliver()] == [["new@harbour.example"]]
    events = await api.data(
        AUDIT_EVENTS, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=administrator.token
    )
    [event] = [
        e
        for e in events["organization"]["auditEvents"]["nodes"]
        if e["action"] == "INVITATION_RESENT"
    ]
    assert event["changes"] == [
        {"field": "email", "oldValue": "old@harbour.example", "newValue": "new@harbour.example"},
        {
            "field": "expiresAt",
            "oldValue": sent.isoformat(),
            "newValue": (clock.now() + INVITATION_TTL).isoformat(),
        },
    ]


async def test_revoking_kills_the_link(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    clock.advance(hours=1)

    data = await api.data(
        REVOKE_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )

    payload = data["revokeInvitation"]
    assert payload["userErrors"] == []
    assert payload["invitation"]["status"] == "REVOKED"
    assert instant(payload["invitation"]["revokedAt"]) == clock.now()
    assert payload["invitation"]["revokedBy"] == {
        "id": gid(NodeType.ACCOUNT, administrator.account_id)
    }
    assert (await _contact(api, administrator, contact.id))["invitation"] == {
        "id": invitation["id"],
        "status": "REVOKED",
    }
    preview = await api.data(INVITATION_PREVIEW, {"token": token})
    assert preview["invitationPreview"]["status"] == "REVOKED"

    accepted = await _accept(api, token, await factory.account())
    assert problems(accepted) == [("INVITATION_NOT_PENDING", ["input", "token"])]
    assert (await _contact(api, administrator, contact.id))["hasAccess"] is False

    again = await api.data(
        REVOKE_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )
    assert codes(again["revokeInvitation"]) == ["INVITATION_NOT_PENDING"]

    resent = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )
    assert codes(resent["resendInvitation"]) == ["INVITATION_NOT_PENDING"]
    assert await mail.deliver() == []


# Accepting


async def test_accepting_links_the_account_and_grants_the_profiles(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, first_name="Dana", email="dana@harbour.example")
    invitation, token = await _invite(
        api, mail, administrator, contact.id, "FA_SUBMITTER", "FA_SIGNER"
    )
    version_before = (await _contact(api, administrator, contact.id))["version"]
    invitee = await factory.account("dana.fraser@myns.example", name="Dana Fraser")
    organization_id = gid(NodeType.ORGANIZATION, organization.id)
    before = await api.data(MEMBERSHIP, {"id": organization_id}, token=invitee.token)
    assert before["organization"] is None
    clock.advance(hours=3)

    payload = await _accept(api, token, invitee)

    assert payload["userErrors"] == []
    accepted = payload["contact"]
    assert accepted["id"] == gid(NodeType.CONTACT, contact.id)
    assert accepted["accountEmail"] == "dana.fraser@myns.example"
    assert accepted["emails"] == ["dana@harbour.example", "dana.fraser@myns.example"]
    assert accepted["email"] == "dana@harbour.example"
    assert accepted["hasAccess"] is True
    assert accepted["isActive"] is True
    assert profile_codes(accepted) == {"FA_SUBMITTER", "FA_SIGNER"}
    assert accepted["version"] == version_before + 1
    assert accepted["invitation"] == {"id": invitation["id"], "status": "ACCEPTED"}
    node = await _invitation(api, administrator, invitation["id"])
    assert node["status"] == "ACCEPTED"
    assert instant(node["acceptedAt"]) == clock.now()

    events = (await api.data(AUDIT_EVENTS, {"id": organization_id}, token=administrator.token))[
        "organization"
    ]["auditEvents"]["nodes"]
    acceptance = [event for event in events if event["action"] == "INVITATION_ACCEPTED"]
    assert len(acceptance) == 1
    assert acceptance[0]["actor"] == {"id": gid(NodeType.ACCOUNT, invitee.account_id)}
    assert acceptance[0]["contact"] == {"id": gid(NodeType.CONTACT, contact.id)}

    after = await api.data(MEMBERSHIP, {"id": organization_id}, token=invitee.token)
    assert after["organization"] == {"id": organization_id, "name": "Harbour Works"}
    assert after["viewer"]["organizations"]["nodes"] == [{"id": organization_id}]
    assert after["viewer"]["contacts"] == [{"id": gid(NodeType.CONTACT, contact.id)}]


async def test_the_same_email_is_listed_once(api: Api, mail: Mail, factory: Factory) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, email="Dana@Harbour.example")
    _, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")

    payload = await _accept(api, token, await factory.account("dana@harbour.example"))

    assert payload["userErrors"] == []
    assert payload["contact"]["accountEmail"] == "dana@harbour.example"
    assert payload["contact"]["emails"] == ["Dana@Harbour.example"]


async def test_an_invitation_is_accepted_once(api: Api, mail: Mail, factory: Factory) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    invitee = await factory.account()
    assert (await _accept(api, token, invitee))["userErrors"] == []

    twice = await _accept(api, token, invitee)
    someone_else = await _accept(api, token, await factory.account())

    assert problems(twice) == [("INVITATION_NOT_PENDING", ["input", "token"])]
    assert problems(someone_else) == [("INVITATION_NOT_PENDING", ["input", "token"])]
    contact_after = await _contact(api, administrator, contact.id)
    assert contact_after["accountEmail"] == invitee.email
    revoked = await api.data(
        REVOKE_INVITATION, {"input": {"invitationId": invitation["id"]}}, token=administrator.token
    )
    assert codes(revoked["revokeInvitation"]) == ["INVITATION_NOT_PENDING"]


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(secrets.token_urlsafe(32), id="unknown"),
        pytest.param("not a token at all ✓ '; DROP TABLE invitations; --", id="garbage"),
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("\x01\x1f\ud7ff", id="control-characters"),  # NUL: refused at the edge
        pytest.param("x" * 10_000, id="very-long"),
    ],
)
async def test_a_bad_token_is_an_invalid_user_error(
    api: Api, mail: Mail, factory: Factory, token: str
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    invitee = await factory.account()

    response = await api.post(ACCEPT_INVITATION, {"input": {"token": token}}, token=invitee.token)

    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    payload = body["data"]["acceptInvitation"]
    assert problems(payload) == [("INVALID", ["input", "token"])]
    assert payload["contact"] is None
    assert (await _contact(api, administrator, contact.id))["invitation"]["status"] == "PENDING"


async def test_an_anonymous_caller_cannot_accept(api: Api, mail: Mail, factory: Factory) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    _, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")

    body = await api.execute(ACCEPT_INVITATION, {"input": {"token": token}})

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert (body.get("data") or {}).get("acceptInvitation") is None
    assert (await _contact(api, administrator, contact.id))["invitation"]["status"] == "PENDING"


async def test_an_account_linked_to_another_contact_of_the_organization_cannot_accept(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    member = await factory.member(organization, "FA_VIEWER")
    contact = await factory.contact(organization)
    _, token = await _invite(api, mail, administrator, contact.id, "FA_SIGNER")

    payload = await _accept(api, token, member)

    assert problems(payload) == [("ALREADY_LINKED", ["input", "token"])]
    contact_after = await _contact(api, administrator, contact.id)
    assert contact_after["hasAccess"] is False
    assert contact_after["invitation"]["status"] == "PENDING"


async def test_an_account_may_accept_invitations_of_two_organizations(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization_a, _administrator_a = await _organization(factory)
    organization_b = await factory.organization("Cape Breton Works")
    administrator_b = await factory.member(organization_b, "ORG_ADMIN")
    invitee = await factory.member(organization_a, "FA_VIEWER")
    contact_b = await factory.contact(organization_b)
    _, token = await _invite(api, mail, administrator_b, contact_b.id, "FA_SIGNER")

    payload = await _accept(api, token, invitee)

    assert payload["userErrors"] == []
    organization_b_id = gid(NodeType.ORGANIZATION, organization_b.id)
    data = await api.data(MEMBERSHIP, {"id": organization_b_id}, token=invitee.token)
    assert data["organization"] == {"id": organization_b_id, "name": "Cape Breton Works"}
    assert data["viewer"]["organizations"]["totalCount"] == 2


async def test_two_accounts_accepting_one_link_at_once(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    _, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")
    first, second = await factory.account(), await factory.account()
    version_before = (await _contact(api, administrator, contact.id))["version"]

    payloads = await asyncio.gather(_accept(api, token, first), _accept(api, token, second))

    assert sorted(tuple(codes(payload)) for payload in payloads) == [
        (),
        ("INVITATION_NOT_PENDING",),
    ]
    winner = first if payloads[0]["userErrors"] == [] else second
    contact_after = await _contact(api, administrator, contact.id)
    assert contact_after["accountEmail"] == winner.email
    assert contact_after["version"] == version_before + 1


async def test_two_administrators_inviting_one_contact_at_once(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    other_administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)
    variables = {
        "input": {
            "contactId": gid(NodeType.CONTACT, contact.id),
            "securityProfileIds": [profile("FA_VIEWER")],
        }
    }

    results = await asyncio.gather(
        api.data(INVITE_CONTACT, variables, token=administrator.token),
        api.data(INVITE_CONTACT, variables, token=other_administrator.token),
    )

    assert sorted(tuple(codes(result["inviteContact"])) for result in results) == [
        (),
        ("ALREADY_INVITED",),
    ]
    assert len(await mail.deliver()) == 1


async def test_the_invitation_message_is_for_administrators(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, token = await _invite(
        api, mail, administrator, contact.id, "FA_VIEWER", message="Welcome aboard"
    )
    invitee = await factory.account()
    assert (await _accept(api, token, invitee))["userErrors"] == []

    as_invitee = await _invitation(api, invitee, invitation["id"])
    as_administrator = await _invitation(api, administrator, invitation["id"])

    assert as_invitee["status"] == "ACCEPTED"
    assert as_invitee["message"] is None
    assert as_administrator["message"] == "Welcome aboard"


async def test_the_invitation_of_an_inactive_contact_cannot_be_accepted(
    api: Api, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, active=False)
    _, token = await factory.invitation(contact, "FA_VIEWER", inviter=administrator)

    payload = await _accept(api, token, await factory.account())

    assert problems(payload) == [("CONTACT_INACTIVE", ["input", "token"])]
    assert (await _contact(api, administrator, contact.id))["hasAccess"] is False


async def test_deactivating_a_contact_revokes_its_pending_invitation(
    api: Api, mail: Mail, factory: Factory
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization)
    invitation, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")

    data = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": gid(NodeType.CONTACT, contact.id)}},
        token=administrator.token,
    )

    payload = data["deactivateContact"]
    assert payload["userErrors"] == []
    assert payload["contact"]["isActive"] is False
    assert payload["contact"]["invitation"] == {"id": invitation["id"], "status": "REVOKED"}
    node = await _invitation(api, administrator, invitation["id"])
    assert node["status"] == "REVOKED"
    assert node["revokedBy"] == {"id": gid(NodeType.ACCOUNT, administrator.account_id)}
    accepted = await _accept(api, token, await factory.account())
    assert codes(accepted) == ["INVITATION_NOT_PENDING"]
    assert (await _contact(api, administrator, contact.id))["hasAccess"] is False


# Before sign-in, and history


async def test_the_invitation_preview_before_sign_in(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    contact = await factory.contact(organization, first_name="Dana")
    _, token = await _invite(api, mail, administrator, contact.id, "FA_VIEWER")

    data = await api.data(INVITATION_PREVIEW, {"token": token})

    preview = data["invitationPreview"]
    assert instant(preview.pop("expiresAt")) == clock.now() + INVITATION_TTL
    assert preview == {
        "organizationName": "Harbour Works",
        "contactFirstName": "Dana",
        "invitedByName": "Morgan Leblanc",
        "status": "PENDING",
    }
    unknown = await api.data(INVITATION_PREVIEW, {"token": secrets.token_urlsafe(32)})
    assert unknown == {"invitationPreview": None}

    assert (await _accept(api, token, await factory.account()))["userErrors"] == []
    accepted = await api.data(INVITATION_PREVIEW, {"token": token})
    assert accepted["invitationPreview"]["status"] == "ACCEPTED"


async def test_the_audit_trail_never_holds_a_token(
    api: Api, mail: Mail, factory: Factory, clock: Clock
) -> None:
    organization, administrator = await _organization(factory)
    organization_id = gid(NodeType.ORGANIZATION, organization.id)
    added = await api.data(
        ADD_CONTACT,
        {
            "input": {
                "organizationId": organization_id,
                "firstName": "Dana",
                "lastName": "Fraser",
                "email": "dana@harbour.example",
                "invitation": {"securityProfileIds": [profile("FA_VIEWER")]},
            }
        },
        token=administrator.token,
    )
    assert added["addContact"]["userErrors"] == []
    await mail.deliver()
    tokens = [mail.token_for("dana@harbour.example")]
    invitation_id = added["addContact"]["invitation"]["id"]
    clock.advance(days=2)
    resent = await api.data(
        RESEND_INVITATION, {"input": {"invitationId": invitation_id}}, token=administrator.token
    )
    assert resent["resendInvitation"]["userErrors"] == []
    await mail.deliver()
    tokens.append(mail.token_for("dana@harbour.example"))
    other = await factory.contact(organization)
    other_invitation, other_token = await _invite(api, mail, administrator, other.id, "FA_SIGNER")
    tokens.append(other_token)
    revoked = await api.data(
        REVOKE_INVITATION,
        {"input": {"invitationId": other_invitation["id"]}},
        token=administrator.token,
    )
    assert revoked["revokeInvitation"]["userErrors"] == []
    assert (await _accept(api, tokens[1], await factory.account()))["userErrors"] == []

    data = await api.data(AUDIT_EVENTS, {"id": organization_id}, token=administrator.token)

    events = data["organization"]["auditEvents"]["nodes"]
    actions = {event["action"] for event in events}
    assert {
        "CONTACT_ADDED",
        "INVITATION_SENT",
        "INVITATION_RESENT",
        "INVITATION_REVOKED",
        "INVITATION_ACCEPTED",
    } <= actions
    secrets_ = {*tokens, *(hash_token(token) for token in tokens)}
    assert len(set(tokens)) == 3
    for event in events:
        for change in event["changes"]:
            for value in (change["field"], change["oldValue"], change["newValue"]):
                for secret in secrets_:
                    assert secret not in (value or ""), (event["action"], change)
