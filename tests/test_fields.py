"""Every field of every type of the contract, as a signed-in member reads it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from contacts_api.models import (
    AuditAction,
    AuditEvent,
    Contact,
    EmailDeliveryStatus,
    Invitation,
    Language,
    OutboundEmail,
    PhoneKind,
    PhoneNumber,
)
from contacts_api.resolvers.ids import NodeType
from tests.clock import Clock
from tests.factories import Factory, gid
from tests.graphql import Api

VIEWER = """
query Viewer {
  viewer {
    account { id email name isStaff }
    contacts { id firstName organization { id } }
    organizations {
      totalCount
      edges { cursor node { id name } }
      nodes { id }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }
}
"""

ACCOUNT = """
query Account($id: ID!) {
  node(id: $id) { ... on Account { id email name isStaff } }
}
"""

ORGANIZATION = """
query Organization($id: ID!) {
  organization(id: $id) {
    id
    name
    providesCaseManagement
    primaryContact { id firstName isPrimary }
    contacts { totalCount nodes { id } }
  }
}
"""

CONTACT = """
query Contact($id: ID!) {
  node(id: $id) {
    __typename
    ... on Contact {
      id
      organization { id }
      firstName
      lastName
      title
      email
      accountEmail
      emails
      phoneNumbers { kind number extension display }
      preferredLanguage
      isPrimary
      isAdministrator
      isActive
      hasAccess
      securityProfiles { code }
      invitation { id }
      officeLocation
      positionType
      fte
      version
      createdAt
      updatedAt
      viewerCanManage
    }
  }
}
"""

CONTACT_ACCESS = """
query ContactAccess($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Contact { emails accountEmail isActive hasAccess isAdministrator } }
}
"""

CONTACT_INVITATION = """
query ContactInvitation($id: ID!) {
  node(id: $id) { ... on Contact { invitation { id status } } }
}
"""

SECURITY_PROFILES = """
query SecurityProfiles {
  securityProfiles { id code name area isAdministrator }
}
"""

SECURITY_PROFILE_NAMES = """
query SecurityProfileNames {
  securityProfiles { code name english: name(language: ENGLISH) french: name(language: FRENCH) }
}
"""

SECURITY_PROFILE_NODE = """
query SecurityProfileNode($id: ID!) {
  node(id: $id) { __typename id ... on SecurityProfile { code name area isAdministrator } }
}
"""

INVITATION = """
query Invitation($id: ID!) {
  node(id: $id) {
    __typename
    ... on Invitation {
      id
      contact { id }
      email
      message
      status
      securityProfiles { code }
      invitedBy { id name }
      sentAt
      expiresAt
      acceptedAt
      revokedAt
      revokedBy { id }
      deliveryStatus
    }
  }
}
"""

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

AUDIT_EVENTS = """
query AuditEvents($id: ID!, $contactId: ID!) {
  organization(id: $id) {
    auditEvents {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage hasPreviousPage }
      nodes {
        id
        occurredAt
        action
        actor { id }
        contact { id }
        changes { field oldValue newValue }
      }
    }
  }
  contact: node(id: $contactId) {
    ... on Contact { auditEvents { totalCount nodes { id action } } }
  }
}
"""

AUDIT_EVENT_NODE = """
query AuditEventNode($id: ID!) {
  node(id: $id) { __typename ... on AuditEvent { id action changes { field } } }
}
"""

ISO_8601_WITH_OFFSET = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)")

CATALOGUE = [
    ("ORG_ADMIN", "ORGANIZATION", True, "Organization Administrator"),
    ("FA_ADMIN", "FUNDING_AGREEMENTS", True, "Funding Agreements Administrator"),
    ("FA_SUBMITTER", "FUNDING_AGREEMENTS", False, "Funding Agreements Submitter"),
    ("FA_SIGNER", "FUNDING_AGREEMENTS", False, "Funding Agreements Signing Authority"),
    ("FA_VIEWER", "FUNDING_AGREEMENTS", False, "Funding Agreements Read Only"),
    ("CM_ADMIN", "CASE_MANAGEMENT", True, "Case Management Administrator"),
    ("CM_PRACTITIONER", "CASE_MANAGEMENT", False, "Career Practitioner"),
    ("CM_VIEWER", "CASE_MANAGEMENT", False, "Case Management Read Only"),
]

FRENCH_NAMES = {
    "ORG_ADMIN": "Administrateur de l'organisme",
    "FA_ADMIN": "Administrateur des ententes de financement",
    "FA_SUBMITTER": "Soumission des ententes de financement",
    "FA_SIGNER": "Signataire des ententes de financement",
    "FA_VIEWER": "Ententes de financement, lecture seule",
    "CM_ADMIN": "Administrateur de la gestion des dossiers",
    "CM_PRACTITIONER": "Praticien en développement de carrière",
    "CM_VIEWER": "Gestion des dossiers, lecture seule",
}
ENGLISH_NAMES = {code: english for code, _, _, english in CATALOGUE}


def instant(text: str) -> datetime:
    """A DateTime of the API: ISO-8601 with its UTC offset."""
    assert ISO_8601_WITH_OFFSET.fullmatch(text), text
    return datetime.fromisoformat(text)


# Viewer and Account


async def test_viewer_shows_its_account_contacts_and_organizations(
    api: Api, factory: Factory
) -> None:
    harbour = await factory.organization("Harbour Works")
    valley = await factory.organization("Valley Works", case_management=True)
    former = await factory.organization("Former Works")
    await factory.organization("Elsewhere")
    person = await factory.account("kim@example.org", name="Kim Doucet")
    in_harbour = await factory.contact(harbour, first_name="Kim", account=person)
    in_valley = await factory.contact(
        valley, first_name="Kimberly", account=person, profiles=("CM_VIEWER",)
    )
    await factory.contact(former, first_name="Kim", account=person, active=False)

    data = await api.data(VIEWER, token=person.token)

    viewer = data["viewer"]
    assert viewer["account"] == {
        "id": gid(NodeType.ACCOUNT, person.account_id),
        "email": "kim@example.org",
        "name": "Kim Doucet",
        "isStaff": False,
    }
    assert sorted(viewer["contacts"], key=lambda contact: contact["firstName"]) == [
        {
            "id": gid(NodeType.CONTACT, in_harbour.id),
            "firstName": "Kim",
            "organization": {"id": gid(NodeType.ORGANIZATION, harbour.id)},
        },
        {
            "id": gid(NodeType.CONTACT, in_valley.id),
            "firstName": "Kimberly",
            "organization": {"id": gid(NodeType.ORGANIZATION, valley.id)},
        },
    ]
    organizations = viewer["organizations"]
    assert organizations["totalCount"] == 2
    assert {node["id"] for node in organizations["nodes"]} == {
        gid(NodeType.ORGANIZATION, harbour.id),
        gid(NodeType.ORGANIZATION, valley.id),
    }
    assert {edge["node"]["name"] for edge in organizations["edges"]} == {
        "Harbour Works",
        "Valley Works",
    }
    assert all(edge["cursor"] for edge in organizations["edges"])
    assert organizations["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": organizations["edges"][0]["cursor"],
        "endCursor": organizations["edges"][-1]["cursor"],
    }


async def test_an_account_without_contact_has_a_viewer_with_nothing(
    api: Api, factory: Factory
) -> None:
    await factory.organization()
    person = await factory.account()

    data = await api.data(VIEWER, token=person.token)

    assert data["viewer"]["account"]["name"] is None
    assert data["viewer"]["contacts"] == []
    assert data["viewer"]["organizations"] == {
        "totalCount": 0,
        "edges": [],
        "nodes": [],
        "pageInfo": {
            "hasNextPage": False,
            "hasPreviousPage": False,
            "startCursor": None,
            "endCursor": None,
        },
    }


async def test_staff_viewer_is_staff_and_lists_every_organization(
    api: Api, factory: Factory
) -> None:
    for _ in range(3):
        await factory.organization()
    staff = await factory.staff()

    data = await api.data(VIEWER, token=staff.token)

    assert data["viewer"]["account"]["isStaff"] is True
    assert data["viewer"]["contacts"] == []
    assert data["viewer"]["organizations"]["totalCount"] == 3


async def test_account_fields(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, first_name="Robin", last_name="Fraser")
    viewer = await factory.member(organization)
    account_id = gid(NodeType.ACCOUNT, member.account_id)

    data = await api.data(ACCOUNT, {"id": account_id}, token=viewer.token)

    assert data["node"] == {
        "id": account_id,
        "email": member.email,
        "name": "Robin Fraser",
        "isStaff": False,
    }


# Organization


@pytest.mark.parametrize("case_management", [True, False])
async def test_organization_fields(api: Api, factory: Factory, case_management: bool) -> None:
    organization = await factory.organization("Cape Breton Works", case_management=case_management)
    primary = await factory.contact(organization, first_name="Pat", primary=True)
    member = await factory.member(organization, "FA_VIEWER")
    organization_id = gid(NodeType.ORGANIZATION, organization.id)

    data = await api.data(ORGANIZATION, {"id": organization_id}, token=member.token)

    assert data["organization"] == {
        "id": organization_id,
        "name": "Cape Breton Works",
        "providesCaseManagement": case_management,
        "primaryContact": {
            "id": gid(NodeType.CONTACT, primary.id),
            "firstName": "Pat",
            "isPrimary": True,
        },
        "contacts": {
            "totalCount": 2,
            "nodes": [
                {"id": gid(NodeType.CONTACT, primary.id)},
                {"id": member.contact_gid},
            ],
        },
    }


async def test_an_organization_without_primary_contact(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    member = await factory.member(organization)

    data = await api.data(
        ORGANIZATION, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=member.token
    )

    assert data["organization"]["primaryContact"] is None


# Contact


async def test_contact_fields(api: Api, factory: Factory, clock: Clock) -> None:
    organization = await factory.organization(case_management=True)
    viewer = await factory.member(organization, "ORG_ADMIN")
    person = await factory.account("claude.emond@myns.example")
    contact = await factory.contact(
        organization,
        first_name="Claude",
        last_name="Émond",
        email="c.emond@harbour.example",
        title="Program Manager",
        profiles=("FA_ADMIN", "FA_VIEWER"),
        account=person,
        language=Language.FRENCH,
        phone_numbers=(
            PhoneNumber(PhoneKind.WORK, "+19025550123", "12"),
            PhoneNumber(PhoneKind.MOBILE, "+19025550199"),
        ),
        office_location="Sydney",
        position_type="Career Practitioner",
        fte=0.75,
    )
    await factory.invitation(contact, "FA_VIEWER", inviter=viewer)
    latest, _ = await factory.invitation(contact, "FA_ADMIN", inviter=viewer)
    contact_id = gid(NodeType.CONTACT, contact.id)

    data = await api.data(CONTACT, {"id": contact_id}, token=viewer.token)

    node = data["node"]
    created_at, updated_at = node.pop("createdAt"), node.pop("updatedAt")
    assert instant(created_at) == clock.now()
    assert instant(updated_at) == clock.now()
    assert node == {
        "__typename": "Contact",
        "id": contact_id,
        "organization": {"id": gid(NodeType.ORGANIZATION, organization.id)},
        "firstName": "Claude",
        "lastName": "Émond",
        "title": "Program Manager",
        "email": "c.emond@harbour.example",
        "accountEmail": "claude.emond@myns.example",
        "emails": ["c.emond@harbour.example", "claude.emond@myns.example"],
        "phoneNumbers": [
            {
                "kind": "WORK",
                "number": "+19025550123",
                "extension": "12",
                "display": "(902) 555-0123 ext. 12",
            },
            {
                "kind": "MOBILE",
                "number": "+19025550199",
                "extension": None,
                "display": "(902) 555-0199",
            },
        ],
        "preferredLanguage": "FRENCH",
        "isPrimary": False,
        "isAdministrator": True,
        "isActive": True,
        "hasAccess": True,
        "securityProfiles": [{"code": "FA_ADMIN"}, {"code": "FA_VIEWER"}],
        "invitation": {"id": gid(NodeType.INVITATION, latest.id)},
        "officeLocation": "Sydney",
        "positionType": "Career Practitioner",
        "fte": 0.75,
        "version": 1,
        "viewerCanManage": True,
    }


async def test_a_contact_without_optional_fields(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await factory.member(organization, "FA_VIEWER")
    contact = await factory.contact(organization, email="plain@example.org")

    data = await api.data(CONTACT, {"id": gid(NodeType.CONTACT, contact.id)}, token=viewer.token)

    node = data["node"]
    assert node["title"] is None
    assert node["accountEmail"] is None
    assert node["emails"] == ["plain@example.org"]
    assert node["phoneNumbers"] == []
    assert node["preferredLanguage"] == "ENGLISH"
    assert node["isAdministrator"] is False
    assert node["hasAccess"] is False
    assert node["securityProfiles"] == []
    assert node["invitation"] is None
    assert (node["officeLocation"], node["positionType"], node["fte"]) == (None, None, None)
    assert node["viewerCanManage"] is False


@pytest.mark.parametrize(
    ("email", "account_email", "emails"),
    [
        ("jo@example.org", "jo@example.org", ["jo@example.org"]),
        ("Jo.Leblanc@Example.org", "jo.leblanc@example.ORG", ["Jo.Leblanc@Example.org"]),
        ("jo@work.example", "jo@home.example", ["jo@work.example", "jo@home.example"]),
    ],
    ids=["same", "same ignoring case", "different"],
)
async def test_emails_show_the_account_email_only_when_it_differs_ignoring_case(
    api: Api, factory: Factory, email: str, account_email: str, emails: list[str]
) -> None:
    organization = await factory.organization()
    viewer = await factory.member(organization)
    person = await factory.account(account_email)
    contact = await factory.contact(organization, email=email, account=person)

    data = await api.data(
        CONTACT_ACCESS, {"ids": [gid(NodeType.CONTACT, contact.id)]}, token=viewer.token
    )

    assert data["nodes"][0]["emails"] == emails
    assert data["nodes"][0]["accountEmail"] == account_email


async def test_has_access_needs_a_linked_account_and_an_active_contact(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await factory.member(organization)
    linked = await factory.contact(organization, account=await factory.account())
    unlinked = await factory.contact(organization)
    linked_inactive = await factory.contact(
        organization, account=await factory.account(), active=False
    )
    ids = [gid(NodeType.CONTACT, contact.id) for contact in (linked, unlinked, linked_inactive)]

    data = await api.data(CONTACT_ACCESS, {"ids": ids}, token=viewer.token)

    assert [(node["isActive"], node["hasAccess"]) for node in data["nodes"]] == [
        (True, True),
        (True, False),
        (False, False),
    ]


@pytest.mark.parametrize(
    ("profiles", "administrator"),
    [
        ((), False),
        (("FA_VIEWER", "FA_SIGNER", "FA_SUBMITTER"), False),
        (("CM_PRACTITIONER", "CM_VIEWER"), False),
        (("ORG_ADMIN",), True),
        (("FA_VIEWER", "FA_ADMIN"), True),
        (("CM_ADMIN",), True),
    ],
)
async def test_is_administrator_means_holding_an_administrator_profile(
    api: Api, factory: Factory, profiles: tuple[str, ...], administrator: bool
) -> None:
    organization = await factory.organization(case_management=True)
    viewer = await factory.member(organization)
    contact = await factory.contact(organization, profiles=profiles)

    data = await api.data(
        CONTACT_ACCESS, {"ids": [gid(NodeType.CONTACT, contact.id)]}, token=viewer.token
    )

    assert data["nodes"][0]["isAdministrator"] is administrator


async def test_a_contacts_invitation_is_its_latest_whatever_its_status(
    api: Api, factory: Factory, clock: Clock
) -> None:
    organization = await factory.organization()
    viewer = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)
    await factory.invitation(contact, "FA_VIEWER", sent_at=clock.now() - timedelta(days=90))
    latest, _ = await factory.invitation(contact, "FA_VIEWER", sent_at=clock.now())
    clock.advance(days=31)

    data = await api.data(
        CONTACT_INVITATION, {"id": gid(NodeType.CONTACT, contact.id)}, token=viewer.token
    )

    assert data["node"]["invitation"] == {
        "id": gid(NodeType.INVITATION, latest.id),
        "status": "EXPIRED",
    }


# SecurityProfile


async def test_security_profiles_are_the_catalogue(api: Api, factory: Factory) -> None:
    member = await factory.member(await factory.organization())

    data = await api.data(SECURITY_PROFILES, token=member.token)

    assert data["securityProfiles"] == [
        {
            "id": gid(NodeType.SECURITY_PROFILE, code),
            "code": code,
            "name": english,
            "area": area,
            "isAdministrator": administrator,
        }
        for code, area, administrator, english in CATALOGUE
    ]


@pytest.mark.parametrize(
    ("accept_language", "names"),
    [
        ("fr-CA,fr;q=0.9", FRENCH_NAMES),
        ("fr", FRENCH_NAMES),
        ("en", ENGLISH_NAMES),
        ("en-CA,en;q=0.9,fr;q=0.8", ENGLISH_NAMES),
        (None, ENGLISH_NAMES),
    ],
)
async def test_security_profile_names_follow_accept_language(
    api: Api, accept_language: str | None, names: dict[str, str]
) -> None:
    data = await api.data(SECURITY_PROFILE_NAMES, language=accept_language)

    assert {profile["code"]: profile["name"] for profile in data["securityProfiles"]} == names


@pytest.mark.parametrize("accept_language", ["fr-CA,fr;q=0.9", "en", None])
async def test_the_language_argument_wins_over_accept_language(
    api: Api, accept_language: str | None
) -> None:
    data = await api.data(SECURITY_PROFILE_NAMES, language=accept_language)

    profiles = data["securityProfiles"]
    assert {profile["code"]: profile["english"] for profile in profiles} == ENGLISH_NAMES
    assert {profile["code"]: profile["french"] for profile in profiles} == FRENCH_NAMES


async def test_node_finds_a_security_profile(api: Api, factory: Factory) -> None:
    member = await factory.member(await factory.organization())
    profile_id = gid(NodeType.SECURITY_PROFILE, "CM_PRACTITIONER")

    data = await api.data(
        SECURITY_PROFILE_NODE, {"id": profile_id}, token=member.token, language="fr-CA"
    )

    assert data["node"] == {
        "__typename": "SecurityProfile",
        "id": profile_id,
        "code": "CM_PRACTITIONER",
        "name": "Praticien en développement de carrière",
        "area": "CASE_MANAGEMENT",
        "isAdministrator": False,
    }


async def test_node_of_an_unknown_security_profile_is_null(api: Api, factory: Factory) -> None:
    member = await factory.member(await factory.organization())

    data = await api.data(
        SECURITY_PROFILE_NODE,
        {"id": gid(NodeType.SECURITY_PROFILE, "NO_SUCH_PROFILE")},
        token=member.token,
    )

    assert data == {"node": None}


# Invitation


async def test_invitation_fields(api: Api, factory: Factory, clock: Clock) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", first_name="Sam")
    contact = await factory.contact(organization, email="dana@harbour.example")
    invitation, _ = await factory.invitation(
        contact, "FA_VIEWER", "FA_SIGNER", inviter=administrator, message="Welcome aboard"
    )
    invitation_id = gid(NodeType.INVITATION, invitation.id)

    data = await api.data(INVITATION, {"id": invitation_id}, token=administrator.token)

    node = data["node"]
    sent_at, expires_at = instant(node.pop("sentAt")), instant(node.pop("expiresAt"))
    assert sent_at == clock.now()
    assert expires_at - sent_at == timedelta(days=30)
    assert node == {
        "__typename": "Invitation",
        "id": invitation_id,
        "contact": {"id": gid(NodeType.CONTACT, contact.id)},
        "email": "dana@harbour.example",
        "message": "Welcome aboard",
        "status": "PENDING",
        "securityProfiles": [{"code": "FA_SIGNER"}, {"code": "FA_VIEWER"}],
        "invitedBy": {
            "id": gid(NodeType.ACCOUNT, administrator.account_id),
            "name": administrator.name,
        },
        "acceptedAt": None,
        "revokedAt": None,
        "revokedBy": None,
        "deliveryStatus": "QUEUED",
    }


@pytest.mark.parametrize(("days", "status"), [(29, "PENDING"), (30, "EXPIRED"), (31, "EXPIRED")])
async def test_an_invitation_expires_30_days_after_it_was_sent(
    api: Api, factory: Factory, clock: Clock, days: int, status: str
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    invitation, _ = await factory.invitation(await factory.contact(organization), "FA_VIEWER")
    clock.advance(days=days)

    data = await api.data(
        INVITATION, {"id": gid(NodeType.INVITATION, invitation.id)}, token=administrator.token
    )

    assert data["node"]["status"] == status


async def test_a_revoked_invitation(api: Api, factory: Factory, clock: Clock) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    invitation, _ = await factory.invitation(await factory.contact(organization), "FA_VIEWER")
    revoked_at = clock.now() + timedelta(hours=2)
    async with factory.sessions.begin() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id)
            .values(revoked_at=revoked_at, revoked_by_id=administrator.account_id)
        )
    clock.advance(days=40)

    data = await api.data(
        INVITATION, {"id": gid(NodeType.INVITATION, invitation.id)}, token=administrator.token
    )

    node = data["node"]
    assert node["status"] == "REVOKED"
    assert instant(node["revokedAt"]) == revoked_at
    assert node["revokedBy"] == {"id": gid(NodeType.ACCOUNT, administrator.account_id)}
    assert node["acceptedAt"] is None


async def test_an_accepted_invitation(api: Api, factory: Factory, clock: Clock) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    invitee = await factory.account()
    contact = await factory.contact(organization, account=invitee, profiles=("FA_VIEWER",))
    invitation, _ = await factory.invitation(contact, "FA_VIEWER")
    accepted_at = clock.now() + timedelta(days=3)
    async with factory.sessions.begin() as session:
        await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id)
            .values(accepted_at=accepted_at, accepted_by_id=invitee.account_id)
        )
    clock.advance(days=40)

    data = await api.data(
        INVITATION, {"id": gid(NodeType.INVITATION, invitation.id)}, token=administrator.token
    )

    node = data["node"]
    assert node["status"] == "ACCEPTED"
    assert instant(node["acceptedAt"]) == accepted_at
    assert (node["revokedAt"], node["revokedBy"]) == (None, None)


@pytest.mark.parametrize("delivery", [EmailDeliveryStatus.SENT, EmailDeliveryStatus.FAILED])
async def test_an_invitations_delivery_status_is_its_emails(
    api: Api, factory: Factory, clock: Clock, delivery: EmailDeliveryStatus
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    invitation, _ = await factory.invitation(await factory.contact(organization), "FA_VIEWER")
    async with factory.sessions.begin() as session:
        email = OutboundEmail(
            recipient=invitation.email,
            subject="Invitation",
            text_body="text",
            html_body="<p>html</p>",
            status=delivery,
            attempts=1,
            next_attempt_at=clock.now(),
            created_at=clock.now(),
            sent_at=clock.now() if delivery is EmailDeliveryStatus.SENT else None,
        )
        session.add(email)
        await session.flush()
        await session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id)
            .values(outbound_email_id=email.id)
        )

    data = await api.data(
        INVITATION, {"id": gid(NodeType.INVITATION, invitation.id)}, token=administrator.token
    )

    assert data["node"]["deliveryStatus"] == delivery.value


async def test_an_invitation_sent_by_the_system_has_no_inviter(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    invitation, _ = await factory.invitation(await factory.contact(organization), "FA_VIEWER")

    data = await api.data(
        INVITATION, {"id": gid(NodeType.INVITATION, invitation.id)}, token=administrator.token
    )

    assert data["node"]["invitedBy"] is None
    assert data["node"]["message"] is None


# InvitationPreview


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed in"])
async def test_invitation_preview_fields(
    api: Api, factory: Factory, clock: Clock, signed_in: bool
) -> None:
    organization = await factory.organization("Harbour Works")
    administrator = await factory.account(name="Sam Doucet")
    contact = await factory.contact(organization, first_name="Dana")
    _, token = await factory.invitation(contact, "FA_VIEWER", inviter=administrator)
    caller = await factory.account() if signed_in else None

    data = await api.data(
        INVITATION_PREVIEW, {"token": token}, token=caller.token if caller else None
    )

    preview = data["invitationPreview"]
    assert instant(preview.pop("expiresAt")) == clock.now() + timedelta(days=30)
    assert preview == {
        "organizationName": "Harbour Works",
        "contactFirstName": "Dana",
        "invitedByName": "Sam Doucet",
        "status": "PENDING",
    }


async def test_invitation_preview_shows_an_expired_invitation(
    api: Api, factory: Factory, clock: Clock
) -> None:
    organization = await factory.organization()
    _, token = await factory.invitation(await factory.contact(organization), "FA_VIEWER")
    clock.advance(days=31)

    data = await api.data(INVITATION_PREVIEW, {"token": token})

    assert data["invitationPreview"]["status"] == "EXPIRED"
    assert data["invitationPreview"]["invitedByName"] is None


@pytest.mark.parametrize("token", ["unknown-token", ""])
async def test_invitation_preview_of_an_unknown_token_is_null(
    api: Api, factory: Factory, token: str
) -> None:
    organization = await factory.organization()
    await factory.invitation(await factory.contact(organization), "FA_VIEWER")

    data = await api.data(INVITATION_PREVIEW, {"token": token})

    assert data == {"invitationPreview": None}


# AuditEvent and FieldChange


async def test_audit_event_fields(api: Api, factory: Factory, clock: Clock) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)
    other = await factory.contact(organization)
    async with factory.sessions.begin() as session:
        added = AuditEvent(
            organization_id=organization.id,
            contact_id=contact.id,
            actor_id=administrator.account_id,
            action=AuditAction.CONTACT_ADDED,
            occurred_at=clock.now(),
            changes=[{"field": "firstName", "old": None, "new": "Alex"}],
        )
        session.add(added)
        await session.flush()
        updated = AuditEvent(
            organization_id=organization.id,
            contact_id=contact.id,
            actor_id=None,
            action=AuditAction.CONTACT_UPDATED,
            occurred_at=clock.now() + timedelta(minutes=5),
            changes=[
                {"field": "title", "old": "Clerk", "new": "Manager"},
                {"field": "fte", "old": "0.5", "new": None},
            ],
        )
        session.add(updated)
        await session.flush()
        elsewhere = AuditEvent(
            organization_id=organization.id,
            contact_id=other.id,
            actor_id=administrator.account_id,
            action=AuditAction.PRIMARY_CONTACT_CHANGED,
            occurred_at=clock.now() + timedelta(minutes=10),
            changes=[],
        )
        session.add(elsewhere)
    contact_id = gid(NodeType.CONTACT, contact.id)

    data = await api.data(
        AUDIT_EVENTS,
        {"id": gid(NodeType.ORGANIZATION, organization.id), "contactId": contact_id},
        token=administrator.token,
    )

    events = data["organization"]["auditEvents"]
    assert events["totalCount"] == 3
    assert events["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": False}
    nodes = events["nodes"]
    occurred = [instant(node.pop("occurredAt")) for node in nodes]
    assert occurred == [
        clock.now() + timedelta(minutes=10),
        clock.now() + timedelta(minutes=5),
        clock.now(),
    ]
    assert nodes == [
        {
            "id": gid(NodeType.AUDIT_EVENT, elsewhere.id),
            "action": "PRIMARY_CONTACT_CHANGED",
            "actor": {"id": gid(NodeType.ACCOUNT, administrator.account_id)},
            "contact": {"id": gid(NodeType.CONTACT, other.id)},
            "changes": [],
        },
        {
            "id": gid(NodeType.AUDIT_EVENT, updated.id),
            "action": "CONTACT_UPDATED",
            "actor": None,
            "contact": {"id": contact_id},
            "changes": [
                {"field": "title", "oldValue": "Clerk", "newValue": "Manager"},
                {"field": "fte", "oldValue": "0.5", "newValue": None},
            ],
        },
        {
            "id": gid(NodeType.AUDIT_EVENT, added.id),
            "action": "CONTACT_ADDED",
            "actor": {"id": gid(NodeType.ACCOUNT, administrator.account_id)},
            "contact": {"id": contact_id},
            "changes": [{"field": "firstName", "oldValue": None, "newValue": "Alex"}],
        },
    ]
    assert [edge["node"]["id"] for edge in events["edges"]] == [node["id"] for node in nodes]
    assert data["contact"]["auditEvents"] == {
        "totalCount": 2,
        "nodes": [
            {"id": gid(NodeType.AUDIT_EVENT, updated.id), "action": "CONTACT_UPDATED"},
            {"id": gid(NodeType.AUDIT_EVENT, added.id), "action": "CONTACT_ADDED"},
        ],
    }


async def test_node_finds_an_audit_event_for_an_administrator(
    api: Api, factory: Factory, clock: Clock
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "FA_ADMIN")
    async with factory.sessions.begin() as session:
        event = AuditEvent(
            organization_id=organization.id,
            contact_id=None,
            actor_id=None,
            action=AuditAction.ORGANIZATION_CREATED,
            occurred_at=clock.now(),
            changes=[{"field": "name", "old": None, "new": organization.name}],
        )
        session.add(event)
    event_id = gid(NodeType.AUDIT_EVENT, event.id)

    data = await api.data(AUDIT_EVENT_NODE, {"id": event_id}, token=administrator.token)

    assert data["node"] == {
        "__typename": "AuditEvent",
        "id": event_id,
        "action": "ORGANIZATION_CREATED",
        "changes": [{"field": "name"}],
    }


async def test_contact_version_is_read_back(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await factory.member(organization)
    contact = await factory.contact(organization)
    async with factory.sessions.begin() as session:
        await session.execute(
            update(Contact).where(Contact.id == contact.id).values(version=Contact.version + 2)
        )

    data = await api.data(CONTACT, {"id": gid(NodeType.CONTACT, contact.id)}, token=viewer.token)

    assert data["node"]["version"] == 3


PHONES = """
query Phones($id: ID!) {
  node(id: $id) {
    ... on Contact {
      phoneNumbers { display english: display(language: ENGLISH) french: display(language: FRENCH) }
    }
  }
}
"""


async def test_phone_numbers_are_written_as_each_language_writes_them(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    member = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(
        organization,
        phone_numbers=(
            PhoneNumber(PhoneKind.WORK, "+19025550000", "12"),
            PhoneNumber(PhoneKind.OTHER, "+33123456789"),
        ),
    )
    variables = {"id": gid(NodeType.CONTACT, contact.id)}

    english = await api.data(PHONES, variables, token=member.token, language="en")
    french = await api.data(PHONES, variables, token=member.token, language="fr-CA")

    assert english["node"]["phoneNumbers"] == [
        {
            "display": "(902) 555-0000 ext. 12",
            "english": "(902) 555-0000 ext. 12",
            "french": "902 555-0000, poste 12",
        },
        {
            "display": "+33 1 23 45 67 89",
            "english": "+33 1 23 45 67 89",
            "french": "+33 1 23 45 67 89",
        },
    ]
    assert french["node"]["phoneNumbers"][0]["display"] == "902 555-0000, poste 12"
