"""Who sees what: what a viewer may not see does not exist for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from contacts_api.models import AuditAction, AuditEvent, Contact, Organization
from contacts_api.resolvers.ids import NodeType
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes

ORGANIZATION = """
query Organization($id: ID!) {
  organization(id: $id) { id name }
}
"""

NODE = """
query Node($id: ID!) {
  node(id: $id) { __typename id }
}
"""

NODES = """
query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { __typename id }
}
"""

VIEWER_ORGANIZATIONS = """
query ViewerOrganizations {
  viewer { organizations(first: 100) { totalCount nodes { id } } }
}
"""

ANONYMOUS_READS = """
query AnonymousReads {
  viewer { account { id } }
  securityProfiles { code }
}
"""

INVITATION_PREVIEW = """
query InvitationPreview($token: String!) {
  invitationPreview(token: $token) { organizationName contactFirstName status }
}
"""

ADMINISTRATION = """
query Administration($id: ID!, $contactId: ID!) {
  organization(id: $id) {
    viewerIsAdministrator
    assignableSecurityProfiles { code }
    invitations(first: 100) { totalCount edges { node { id } } nodes { id message } }
    auditEvents(first: 100) { totalCount edges { node { id } } nodes { id } }
  }
  contact: node(id: $contactId) {
    ... on Contact {
      invitation { id message }
      auditEvents(first: 100) { totalCount nodes { id } }
    }
  }
}
"""

ASSIGNABLE = """
query Assignable($id: ID!) {
  organization(id: $id) { assignableSecurityProfiles { code } }
}
"""

VIEWER_CAN_MANAGE = """
query ViewerCanManage($ids: [ID!]!) {
  nodes(ids: $ids) { id ... on Contact { viewerCanManage } }
}
"""

ALL_PROFILES = {
    "ORG_ADMIN",
    "FA_ADMIN",
    "FA_SUBMITTER",
    "FA_SIGNER",
    "FA_VIEWER",
    "CM_ADMIN",
    "CM_PRACTITIONER",
    "CM_VIEWER",
}
FA_PROFILES = {"FA_ADMIN", "FA_SUBMITTER", "FA_SIGNER", "FA_VIEWER"}
CM_PROFILES = {"CM_ADMIN", "CM_PRACTITIONER", "CM_VIEWER"}


@dataclass(frozen=True)
class Scene:
    """An organization with an administrator, a contact invited with a message, an event."""

    organization: Organization
    administrator: Person
    contact: Contact
    organization_id: str
    contact_id: str
    invitation_id: str
    audit_event_id: str
    token: str

    @property
    def ids(self) -> list[str]:
        return [self.organization_id, self.contact_id, self.invitation_id, self.audit_event_id]


async def _scene(factory: Factory, *, case_management: bool = False) -> Scene:
    organization = await factory.organization("Harbour Works", case_management=case_management)
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    contact = await factory.contact(organization, first_name="Dana")
    invitation, token = await factory.invitation(
        contact, "FA_VIEWER", inviter=administrator, message="Welcome aboard"
    )
    async with factory.sessions.begin() as session:
        event = AuditEvent(
            organization_id=organization.id,
            contact_id=contact.id,
            actor_id=administrator.account_id,
            action=AuditAction.INVITATION_SENT,
            occurred_at=factory.clock.now(),
            changes=[],
        )
        session.add(event)
    return Scene(
        organization=organization,
        administrator=administrator,
        contact=contact,
        organization_id=gid(NodeType.ORGANIZATION, organization.id),
        contact_id=gid(NodeType.CONTACT, contact.id),
        invitation_id=gid(NodeType.INVITATION, invitation.id),
        audit_event_id=gid(NodeType.AUDIT_EVENT, event.id),
        token=token,
    )


async def _outsider(factory: Factory, kind: str) -> Person:
    if kind == "member of another organization":
        return await factory.member(await factory.organization(), "ORG_ADMIN")
    return await factory.account()


OUTSIDERS = ["member of another organization", "account without contact"]


# Outsiders


@pytest.mark.parametrize("kind", OUTSIDERS)
async def test_outsiders_get_null_for_the_organization(
    api: Api, factory: Factory, kind: str
) -> None:
    scene = await _scene(factory)
    outsider = await _outsider(factory, kind)

    data = await api.data(ORGANIZATION, {"id": scene.organization_id}, token=outsider.token)

    assert data == {"organization": None}


@pytest.mark.parametrize("kind", OUTSIDERS)
async def test_outsiders_get_null_for_every_node_of_the_organization(
    api: Api, factory: Factory, kind: str
) -> None:
    scene = await _scene(factory)
    outsider = await _outsider(factory, kind)

    for global_id in scene.ids:
        data = await api.data(NODE, {"id": global_id}, token=outsider.token)
        assert data == {"node": None}, global_id


@pytest.mark.parametrize("kind", OUTSIDERS)
async def test_outsiders_get_nulls_at_those_positions_in_nodes(
    api: Api, factory: Factory, kind: str
) -> None:
    scene = await _scene(factory)
    outsider = await _outsider(factory, kind)
    own = [gid(NodeType.ACCOUNT, outsider.account_id), gid(NodeType.SECURITY_PROFILE, "FA_ADMIN")]

    data = await api.data(NODES, {"ids": [own[0], *scene.ids, own[1]]}, token=outsider.token)

    assert [node and node["id"] for node in data["nodes"]] == [
        own[0],
        None,
        None,
        None,
        None,
        own[1],
    ]


async def test_outsiders_get_the_same_null_as_for_an_id_that_does_not_exist(
    api: Api, factory: Factory
) -> None:
    scene = await _scene(factory)
    outsider = await _outsider(factory, OUTSIDERS[0])
    missing = gid(NodeType.CONTACT, 999_999)

    hidden = await api.execute(NODE, {"id": scene.contact_id}, token=outsider.token)
    absent = await api.execute(NODE, {"id": missing}, token=outsider.token)

    assert hidden == absent
    assert hidden["data"] == {"node": None}
    assert "errors" not in hidden


# Members, administrators and staff


async def test_members_see_their_organization_its_contacts_and_invitations(
    api: Api, factory: Factory
) -> None:
    scene = await _scene(factory)
    member = await factory.member(scene.organization, "FA_VIEWER")

    data = await api.data(NODES, {"ids": scene.ids[:3]}, token=member.token)

    assert data["nodes"] == [
        {"__typename": "Organization", "id": scene.organization_id},
        {"__typename": "Contact", "id": scene.contact_id},
        {"__typename": "Invitation", "id": scene.invitation_id},
    ]


async def test_members_who_are_not_administrators_get_null_for_an_audit_event(
    api: Api, factory: Factory
) -> None:
    scene = await _scene(factory)
    member = await factory.member(scene.organization, "FA_VIEWER", "FA_SIGNER")

    data = await api.data(NODE, {"id": scene.audit_event_id}, token=member.token)

    assert data == {"node": None}


@pytest.mark.parametrize("profile", ["ORG_ADMIN", "FA_ADMIN", "CM_ADMIN"])
async def test_administrators_see_an_audit_event(api: Api, factory: Factory, profile: str) -> None:
    scene = await _scene(factory, case_management=True)
    administrator = await factory.member(scene.organization, profile)

    data = await api.data(NODE, {"id": scene.audit_event_id}, token=administrator.token)

    assert data == {"node": {"__typename": "AuditEvent", "id": scene.audit_event_id}}


async def test_staff_see_every_organization(api: Api, factory: Factory) -> None:
    scene = await _scene(factory)
    other = await factory.organization("Valley Works", case_management=True)
    staff = await factory.staff()

    organization = await api.data(ORGANIZATION, {"id": scene.organization_id}, token=staff.token)
    nodes = await api.data(
        NODES, {"ids": [*scene.ids, gid(NodeType.ORGANIZATION, other.id)]}, token=staff.token
    )
    listed = await api.data(VIEWER_ORGANIZATIONS, token=staff.token)

    assert organization == {"organization": {"id": scene.organization_id, "name": "Harbour Works"}}
    assert [node["id"] for node in nodes["nodes"]] == [
        *scene.ids,
        gid(NodeType.ORGANIZATION, other.id),
    ]
    assert listed["viewer"]["organizations"]["totalCount"] == 2
    assert {node["id"] for node in listed["viewer"]["organizations"]["nodes"]} == {
        scene.organization_id,
        gid(NodeType.ORGANIZATION, other.id),
    }


async def test_a_deactivated_contact_loses_access_at_once(api: Api, factory: Factory) -> None:
    scene = await _scene(factory)
    member = await factory.member(scene.organization, "ORG_ADMIN")
    before = await api.data(ORGANIZATION, {"id": scene.organization_id}, token=member.token)
    assert before["organization"] is not None

    async with factory.sessions.begin() as session:
        await session.execute(
            update(Contact).where(Contact.id == member.contact_id).values(is_active=False)
        )

    organization = await api.data(ORGANIZATION, {"id": scene.organization_id}, token=member.token)
    nodes = await api.data(NODES, {"ids": scene.ids}, token=member.token)
    listed = await api.data(VIEWER_ORGANIZATIONS, token=member.token)
    assert organization == {"organization": None}
    assert nodes == {"nodes": [None, None, None, None]}
    assert listed == {"viewer": {"organizations": {"totalCount": 0, "nodes": []}}}


# Anonymous callers


async def test_anonymous_callers_get_a_null_viewer_and_the_catalogue(api: Api) -> None:
    data = await api.data(ANONYMOUS_READS)

    assert data["viewer"] is None
    assert {profile["code"] for profile in data["securityProfiles"]} == ALL_PROFILES


async def test_an_invalid_token_makes_the_caller_anonymous(api: Api) -> None:
    data = await api.data(ANONYMOUS_READS, token="not-a-token")

    assert data["viewer"] is None


async def test_anonymous_callers_preview_an_invitation(api: Api, factory: Factory) -> None:
    scene = await _scene(factory)

    data = await api.data(INVITATION_PREVIEW, {"token": scene.token})

    assert data == {
        "invitationPreview": {
            "organizationName": "Harbour Works",
            "contactFirstName": "Dana",
            "status": "PENDING",
        }
    }


@pytest.mark.parametrize("field", ["organization", "node", "nodes"])
async def test_anonymous_callers_are_unauthenticated_for(
    api: Api, factory: Factory, field: str
) -> None:
    scene = await _scene(factory)
    operation, variables = {
        "organization": (ORGANIZATION, {"id": scene.organization_id}),
        "node": (NODE, {"id": scene.contact_id}),
        "nodes": (NODES, {"ids": scene.ids}),
    }[field]

    body = await api.execute(operation, variables)

    assert error_codes(body) == ["UNAUTHENTICATED"]
    assert not body["data"] or body["data"] == {field: None}


# Malformed ids


MALFORMED_IDS = ["not-an-id", "", "T3JnYW5pemF0aW9uOmFiYw", gid(NodeType.CONTACT, 0)]


@pytest.mark.parametrize("malformed", MALFORMED_IDS)
async def test_a_malformed_id_in_node_is_bad_user_input(
    api: Api, factory: Factory, malformed: str
) -> None:
    member = await factory.member(await factory.organization(), "FA_VIEWER")

    body = await api.execute(NODE, {"id": malformed}, token=member.token)

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["data"] == {"node": None}
    assert "Traceback" not in str(body)


async def test_a_malformed_id_in_organization_is_bad_user_input(api: Api, factory: Factory) -> None:
    member = await factory.member(await factory.organization(), "FA_VIEWER")

    body = await api.execute(ORGANIZATION, {"id": "not-an-id"}, token=member.token)

    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_a_malformed_id_in_nodes_errs_at_its_own_position_only(
    api: Api, factory: Factory
) -> None:
    scene = await _scene(factory)

    body = await api.execute(
        NODES,
        {"ids": [scene.organization_id, "not-an-id", scene.contact_id]},
        token=scene.administrator.token,
    )

    assert body["data"] == {
        "nodes": [
            {"__typename": "Organization", "id": scene.organization_id},
            None,
            {"__typename": "Contact", "id": scene.contact_id},
        ]
    }
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["path"] == ["nodes", 1]


# What is for administrators only


@pytest.mark.parametrize("profiles", [(), ("FA_VIEWER", "FA_SIGNER"), ("CM_PRACTITIONER",)])
async def test_members_who_are_not_administrators_see_no_administration(
    api: Api, factory: Factory, profiles: tuple[str, ...]
) -> None:
    scene = await _scene(factory, case_management=True)
    member = await factory.member(scene.organization, *profiles)

    data = await api.data(
        ADMINISTRATION,
        {"id": scene.organization_id, "contactId": scene.contact_id},
        token=member.token,
    )

    empty = {"totalCount": 0, "edges": [], "nodes": []}
    assert data["organization"] == {
        "viewerIsAdministrator": False,
        "assignableSecurityProfiles": [],
        "invitations": empty,
        "auditEvents": empty,
    }
    assert data["contact"] == {
        "invitation": {"id": scene.invitation_id, "message": None},
        "auditEvents": {"totalCount": 0, "nodes": []},
    }


@pytest.mark.parametrize("profile", ["ORG_ADMIN", "FA_ADMIN", "CM_ADMIN", "staff"])
async def test_administrators_see_invitations_messages_and_audit_events(
    api: Api, factory: Factory, profile: str
) -> None:
    scene = await _scene(factory, case_management=True)
    if profile == "staff":
        viewer = await factory.staff()
    else:
        viewer = await factory.member(scene.organization, profile)

    data = await api.data(
        ADMINISTRATION,
        {"id": scene.organization_id, "contactId": scene.contact_id},
        token=viewer.token,
    )

    organization = data["organization"]
    assert organization["viewerIsAdministrator"] is True
    assert organization["assignableSecurityProfiles"] != []
    assert organization["invitations"]["totalCount"] == 1
    assert organization["invitations"]["nodes"] == [
        {"id": scene.invitation_id, "message": "Welcome aboard"}
    ]
    assert organization["auditEvents"]["totalCount"] == 1
    assert organization["auditEvents"]["nodes"] == [{"id": scene.audit_event_id}]
    assert data["contact"] == {
        "invitation": {"id": scene.invitation_id, "message": "Welcome aboard"},
        "auditEvents": {"totalCount": 1, "nodes": [{"id": scene.audit_event_id}]},
    }


# Assignable profiles


@pytest.mark.parametrize(
    ("profiles", "case_management", "expected"),
    [
        (("ORG_ADMIN",), True, ALL_PROFILES),
        (("ORG_ADMIN",), False, ALL_PROFILES - CM_PROFILES),
        (("FA_ADMIN",), True, FA_PROFILES),
        (("FA_ADMIN",), False, FA_PROFILES),
        (("CM_ADMIN",), True, CM_PROFILES),
        (("CM_ADMIN",), False, set()),
        (("FA_ADMIN", "CM_ADMIN"), True, FA_PROFILES | CM_PROFILES),
        (("FA_VIEWER", "CM_VIEWER"), True, set()),
        ((), True, set()),
        ("staff", True, ALL_PROFILES),
        ("staff", False, ALL_PROFILES - CM_PROFILES),
    ],
)
async def test_assignable_security_profiles_depend_on_the_viewers_own(
    api: Api,
    factory: Factory,
    profiles: tuple[str, ...] | str,
    case_management: bool,
    expected: set[str],
) -> None:
    organization = await factory.organization(case_management=case_management)
    if profiles == "staff":
        viewer = await factory.staff()
    else:
        viewer = await factory.member(organization, *profiles)

    data = await api.data(
        ASSIGNABLE, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=viewer.token
    )

    codes = [profile["code"] for profile in data["organization"]["assignableSecurityProfiles"]]
    assert set(codes) == expected
    assert len(codes) == len(expected)


# Who manages whom


async def _contacts_to_manage(factory: Factory, organization: Organization) -> dict[str, str]:
    """Contacts of a case-management organization, each holding (or invited to) other profiles."""
    holdings: dict[str, tuple[str, ...]] = {
        "no profile": (),
        "FA only": ("FA_VIEWER", "FA_SIGNER"),
        "FA administrator": ("FA_ADMIN", "FA_SUBMITTER"),
        "organization administrator": ("ORG_ADMIN",),
        "FA and CM": ("FA_VIEWER", "CM_VIEWER"),
        "CM only": ("CM_PRACTITIONER",),
        "CM administrator": ("CM_ADMIN",),
    }
    contacts = {}
    for label, profiles in holdings.items():
        contact = await factory.contact(organization, profiles=profiles)
        contacts[label] = gid(NodeType.CONTACT, contact.id)
    invited = {
        "invited to FA": ("FA_SUBMITTER",),
        "invited to CM": ("CM_PRACTITIONER",),
        "invited to CM, expired": ("CM_PRACTITIONER",),
    }
    for label, profiles in invited.items():
        contact = await factory.contact(organization)
        expired = label.endswith("expired")
        sent_at = factory.clock.now() - timedelta(days=31 if expired else 0)
        await factory.invitation(contact, *profiles, sent_at=sent_at)
        contacts[label] = gid(NodeType.CONTACT, contact.id)
    inactive = await factory.contact(organization, profiles=("FA_VIEWER",), active=False)
    contacts["inactive, FA only"] = gid(NodeType.CONTACT, inactive.id)
    return contacts


async def _manageable(api: Api, viewer: Person, contacts: dict[str, str]) -> dict[str, bool]:
    labels = list(contacts)
    data = await api.data(
        VIEWER_CAN_MANAGE, {"ids": [contacts[label] for label in labels]}, token=viewer.token
    )
    return {
        label: node["viewerCanManage"] for label, node in zip(labels, data["nodes"], strict=True)
    }


async def test_a_funding_agreements_administrator_manages_only_funding_agreements_contacts(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization(case_management=True)
    contacts = await _contacts_to_manage(factory, organization)
    viewer = await factory.member(organization, "FA_ADMIN")

    assert await _manageable(api, viewer, contacts) == {
        "no profile": True,
        "FA only": True,
        "FA administrator": True,
        "organization administrator": False,
        "FA and CM": False,
        "CM only": False,
        "CM administrator": False,
        "invited to FA": True,
        "invited to CM": False,
        "invited to CM, expired": False,  # it can be resent: it still counts
        "inactive, FA only": True,
    }


async def test_a_case_management_administrator_manages_only_case_management_contacts(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization(case_management=True)
    contacts = await _contacts_to_manage(factory, organization)
    viewer = await factory.member(organization, "CM_ADMIN")

    assert await _manageable(api, viewer, contacts) == {
        "no profile": True,
        "FA only": False,
        "FA administrator": False,
        "organization administrator": False,
        "FA and CM": False,
        "CM only": True,
        "CM administrator": True,
        "invited to FA": False,
        "invited to CM": True,
        "invited to CM, expired": True,
        "inactive, FA only": False,
    }


@pytest.mark.parametrize("kind", ["ORG_ADMIN", "staff"])
async def test_organization_administrators_and_staff_manage_every_contact(
    api: Api, factory: Factory, kind: str
) -> None:
    organization = await factory.organization(case_management=True)
    contacts = await _contacts_to_manage(factory, organization)
    viewer = await factory.staff() if kind == "staff" else await factory.member(organization, kind)

    assert await _manageable(api, viewer, contacts) == dict.fromkeys(contacts, True)


async def test_members_who_are_not_administrators_manage_no_contact(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization(case_management=True)
    contacts = await _contacts_to_manage(factory, organization)
    viewer = await factory.member(organization, "FA_SUBMITTER", "CM_VIEWER")

    assert await _manageable(api, viewer, contacts) == dict.fromkeys(contacts, False)


# Accounts


@pytest.mark.parametrize(
    ("viewer_kind", "visible"),
    [
        ("self", True),
        ("staff", True),
        ("member of a shared organization", True),
        ("member of another organization", False),
        ("account without contact", False),
    ],
)
async def test_an_account_is_visible_to(
    api: Api, factory: Factory, viewer_kind: str, visible: bool
) -> None:
    organization = await factory.organization()
    person = await factory.member(organization, "FA_VIEWER")
    match viewer_kind:
        case "self":
            viewer = person
        case "staff":
            viewer = await factory.staff()
        case "member of a shared organization":
            viewer = await factory.member(organization)
        case "member of another organization":
            viewer = await factory.member(await factory.organization(), "ORG_ADMIN")
        case _:
            viewer = await factory.account()
    account_id = gid(NodeType.ACCOUNT, person.account_id)

    data = await api.data(NODE, {"id": account_id}, token=viewer.token)

    expected = {"__typename": "Account", "id": account_id} if visible else None
    assert data == {"node": expected}


async def test_an_inviter_is_visible_wherever_their_invitation_is(
    api: Api, factory: Factory
) -> None:
    """`invitation.invitedBy` shows a staff inviter; `node` on that account agrees."""
    organization = await factory.organization()
    staff = await factory.staff()
    await factory.invitation(await factory.contact(organization), "FA_VIEWER", inviter=staff)
    member = await factory.member(organization)
    outsider = await factory.member(await factory.organization(), "ORG_ADMIN")
    account_id = gid(NodeType.ACCOUNT, staff.account_id)

    seen = await api.data(NODE, {"id": account_id}, token=member.token)
    hidden = await api.data(NODE, {"id": account_id}, token=outsider.token)

    assert seen == {"node": {"__typename": "Account", "id": account_id}}
    assert hidden == {"node": None}
