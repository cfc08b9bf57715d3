"""Who may run each mutation, caller by caller, and what a refused call leaves behind.

The organization provides case management, so that a case-management administrator has
profiles to assign. Every caller meets every target; the expected outcome is the contract's:
anonymous callers are UNAUTHENTICATED, signed-in callers who may not act are FORBIDDEN,
and outsiders never learn that an id exists (NOT_FOUND, exactly as for an id that does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from contacts_api.models import Organization
from contacts_api.resolvers.ids import NodeType
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes
from tests.operations import mutation

CREATE_ORGANIZATION = mutation("createOrganization", "organization { id }")

ADD_CONTACT = mutation("addContact", "contact { id }")

UPDATE_CONTACT = mutation("updateContact", "contact { id title }")

DEACTIVATE_CONTACT = mutation("deactivateContact", "contact { id isActive }")

REACTIVATE_CONTACT = mutation("reactivateContact", "contact { id isActive }")

SET_PRIMARY_CONTACT = mutation("setPrimaryContact", "contact { id isPrimary }")

STATE = """
query State($id: ID!) {
  organization(id: $id) {
    auditEvents(first: 100) { totalCount }
    contacts(first: 100, filter: { activeOnly: false }) {
      nodes {
        id
        title
        isActive
        isPrimary
        hasAccess
        version
        securityProfiles { code }
        invitation { status }
      }
    }
  }
  viewer { organizations(first: 100) { totalCount } }
}
"""

CALLERS = [
    "anonymous",
    "member",
    "FA_ADMIN",
    "CM_ADMIN",
    "ORG_ADMIN",
    "staff",
    "outsider",
]

# Contacts to manage: (the profiles it holds, the profiles of its pending invitation).
TARGETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "no profile": ((), ()),
    "FA_SIGNER": (("FA_SIGNER",), ()),
    "CM_PRACTITIONER": (("CM_PRACTITIONER",), ()),
    "FA_SIGNER+CM_VIEWER": (("FA_SIGNER", "CM_VIEWER"), ()),
    "invited FA_VIEWER": ((), ("FA_VIEWER",)),
    "invited CM_VIEWER": ((), ("CM_VIEWER",)),
    "ORG_ADMIN": (("ORG_ADMIN",), ()),
}
MISSING = "does not exist"

OK = "ok"


def expected_manage(caller: str, targets: list[str]) -> dict[str, str]:
    """Delegated administration: every profile held or pending must be assignable."""
    may_assign = {
        "FA_ADMIN": {"FA_ADMIN", "FA_SUBMITTER", "FA_SIGNER", "FA_VIEWER"},
        "CM_ADMIN": {"CM_ADMIN", "CM_PRACTITIONER", "CM_VIEWER"},
    }
    outcomes = {}
    for target in [*targets, MISSING]:
        if caller == "anonymous":
            outcome = "UNAUTHENTICATED"
        elif target == MISSING or caller == "outsider":
            outcome = "NOT_FOUND"
        elif caller == "member":
            outcome = "FORBIDDEN"
        elif caller in {"ORG_ADMIN", "staff"}:
            outcome = OK
        else:
            held, pending = TARGETS[target]
            outcome = OK if {*held, *pending} <= may_assign[caller] else "FORBIDDEN"
        outcomes[target] = outcome
    return outcomes


@dataclass
class Scene:
    organization: Organization
    people: dict[str, Person | None]
    targets: dict[str, str]

    @property
    def id(self) -> str:
        return gid(NodeType.ORGANIZATION, self.organization.id)

    def token(self, caller: str) -> str | None:
        person = self.people[caller]
        return person.token if person else None


async def build_scene(factory: Factory, *, active_targets: bool = True) -> Scene:
    organization = await factory.organization("Harbour Works", case_management=True)
    await factory.contact(organization, first_name="Primary", last_name="Aaron", primary=True)
    outsider_organization = await factory.organization("Elsewhere", case_management=True)
    people: dict[str, Person | None] = {
        "anonymous": None,
        "member": await factory.member(organization, "FA_VIEWER", "CM_VIEWER"),
        "FA_ADMIN": await factory.member(organization, "FA_ADMIN"),
        "CM_ADMIN": await factory.member(organization, "CM_ADMIN"),
        "ORG_ADMIN": await factory.member(organization, "ORG_ADMIN"),
        "staff": await factory.staff(),
        "outsider": await factory.member(outsider_organization, "ORG_ADMIN"),
    }
    targets = {}
    for name, (held, pending) in TARGETS.items():
        if name == "ORG_ADMIN":
            # Another administrator with access, so that none of them is the last one.
            person = await factory.member(
                organization, *held, first_name="Target", active=active_targets
            )
            targets[name] = person.contact_gid
            continue
        contact = await factory.contact(
            organization, first_name="Target", profiles=held, active=active_targets
        )
        if pending:
            await factory.invitation(contact, *pending)
        targets[name] = gid(NodeType.CONTACT, contact.id)
    targets[MISSING] = gid(NodeType.CONTACT, 999_999)
    return Scene(organization, people, targets)


def outcome(body: dict[str, Any], field: str) -> str:
    """ "ok", the GraphQL error's code, or the user errors' codes."""
    if body.get("errors"):
        assert body["data"] is None, body
        [code] = error_codes(body)
        return str(code)
    payload = body["data"][field]
    if payload["userErrors"]:
        return ",".join(error["code"] for error in payload["userErrors"])
    return OK


async def state(api: Api, scene: Scene) -> dict[str, Any]:
    """The organization as staff sees it: every contact and the number of audit events."""
    staff = scene.people["staff"]
    assert staff is not None
    data = await api.data(STATE, {"id": scene.id}, token=staff.token)
    return {
        "auditEvents": data["organization"]["auditEvents"]["totalCount"],
        "contacts": {node["id"]: node for node in data["organization"]["contacts"]["nodes"]},
        "organizations": data["viewer"]["organizations"]["totalCount"],
    }


async def run_everywhere(
    api: Api, scene: Scene, caller: str, operation: str, field: str, **input_fields: Any
) -> tuple[dict[str, str], dict[str, list[Any]]]:
    """Run the mutation on every target as `caller`; outcomes and user errors by target."""
    outcomes = {}
    errors = {}
    for target, contact_id in scene.targets.items():
        body = await api.execute(
            operation,
            {"input": {"contactId": contact_id, **input_fields}},
            token=scene.token(caller),
        )
        outcomes[target] = outcome(body, field)
        if body.get("data"):
            errors[target] = body["data"][field]["userErrors"]
    return outcomes, errors


def assert_refused_calls_changed_nothing(
    scene: Scene,
    before: dict[str, Any],
    after: dict[str, Any],
    outcomes: dict[str, str],
    events_per_success: dict[str, int],
) -> None:
    for target, result in outcomes.items():
        if target != MISSING and result != OK:
            contact_id = scene.targets[target]
            assert after["contacts"][contact_id] == before["contacts"][contact_id], target
    successes = sum(events_per_success.get(t, 1) for t, r in outcomes.items() if r == OK)
    assert after["auditEvents"] == before["auditEvents"] + successes
    assert after["organizations"] == before["organizations"]


def assert_outsiders_learn_nothing(errors: dict[str, list[Any]]) -> None:
    """An outsider's answer for an existing id is the answer for an id that does not exist."""
    for target, answer in errors.items():
        assert answer == errors[MISSING], target


# createOrganization: staff only


@pytest.mark.parametrize("caller", CALLERS)
async def test_create_organization(api: Api, factory: Factory, caller: str) -> None:
    scene = await build_scene(factory)
    before = await state(api, scene)

    body = await api.execute(
        CREATE_ORGANIZATION,
        {"input": {"name": "New Organization", "providesCaseManagement": False}},
        token=scene.token(caller),
    )

    expected = {"anonymous": "UNAUTHENTICATED", "staff": OK}.get(caller, "FORBIDDEN")
    assert outcome(body, "createOrganization") == expected
    after = await state(api, scene)
    assert after["organizations"] == before["organizations"] + (1 if expected == OK else 0)
    assert after["contacts"] == before["contacts"]


# addContact: any administrator of the organization


@pytest.mark.parametrize("caller", CALLERS)
async def test_add_contact(api: Api, factory: Factory, caller: str) -> None:
    scene = await build_scene(factory)
    before = await state(api, scene)
    outcomes = {}
    errors = {}
    for target, organization_id in (
        ("organization", scene.id),
        (MISSING, gid(NodeType.ORGANIZATION, 999_999)),
    ):
        body = await api.execute(
            ADD_CONTACT,
            {
                "input": {
                    "organizationId": organization_id,
                    "firstName": "New",
                    "lastName": "Contact",
                    "email": f"new.{target.replace(' ', '.')}@example.org",
                    "officeLocation": "Halifax",
                    "positionType": "Counsellor",
                    "fte": 1,
                }
            },
            token=scene.token(caller),
        )
        outcomes[target] = outcome(body, "addContact")
        if body.get("data"):
            errors[target] = body["data"]["addContact"]["userErrors"]

    expected = {
        "anonymous": "UNAUTHENTICATED",
        "member": "FORBIDDEN",
        "outsider": "NOT_FOUND",
    }.get(caller, OK)
    assert outcomes == {
        "organization": expected,
        MISSING: "UNAUTHENTICATED" if caller == "anonymous" else "NOT_FOUND",
    }
    after = await state(api, scene)
    added = 1 if expected == OK else 0
    assert len(after["contacts"]) == len(before["contacts"]) + added
    assert after["auditEvents"] == before["auditEvents"] + added
    if caller == "outsider":
        assert_outsiders_learn_nothing(errors)


# updateContact, deactivateContact, reactivateContact: delegated administration


@pytest.mark.parametrize("caller", CALLERS)
async def test_update_contact(api: Api, factory: Factory, caller: str) -> None:
    scene = await build_scene(factory)
    before = await state(api, scene)

    outcomes, errors = await run_everywhere(
        api, scene, caller, UPDATE_CONTACT, "updateContact", title="Changed"
    )

    assert outcomes == expected_manage(caller, list(TARGETS))
    after = await state(api, scene)
    for target, result in outcomes.items():
        if result == OK:
            assert after["contacts"][scene.targets[target]]["title"] == "Changed"
    assert_refused_calls_changed_nothing(scene, before, after, outcomes, {})
    if caller == "outsider":
        assert_outsiders_learn_nothing(errors)


@pytest.mark.parametrize("caller", CALLERS)
async def test_update_contact_security(api: Api, factory: Factory, caller: str) -> None:
    """Replacing the profiles with none: the same rule, and the change is SECURITY_CHANGED."""
    scene = await build_scene(factory)
    before = await state(api, scene)
    targets = ["FA_SIGNER", "CM_PRACTITIONER", "FA_SIGNER+CM_VIEWER"]
    scene.targets = {target: scene.targets[target] for target in [*targets, MISSING]}

    outcomes, errors = await run_everywhere(
        api, scene, caller, UPDATE_CONTACT, "updateContact", securityProfileIds=[]
    )

    assert outcomes == expected_manage(caller, targets)
    after = await state(api, scene)
    for target, result in outcomes.items():
        if result == OK:
            assert after["contacts"][scene.targets[target]]["securityProfiles"] == []
    assert_refused_calls_changed_nothing(scene, before, after, outcomes, {})
    if caller == "outsider":
        assert_outsiders_learn_nothing(errors)


@pytest.mark.parametrize("caller", CALLERS)
async def test_deactivate_contact(api: Api, factory: Factory, caller: str) -> None:
    scene = await build_scene(factory)
    before = await state(api, scene)

    outcomes, errors = await run_everywhere(
        api, scene, caller, DEACTIVATE_CONTACT, "deactivateContact"
    )

    assert outcomes == expected_manage(caller, list(TARGETS))
    after = await state(api, scene)
    for target, result in outcomes.items():
        if result == OK:
            assert after["contacts"][scene.targets[target]]["isActive"] is False
    # Deactivating an invited contact revokes its invitation: a second event.
    revocations = {"invited FA_VIEWER": 2, "invited CM_VIEWER": 2}
    assert_refused_calls_changed_nothing(scene, before, after, outcomes, revocations)
    if caller == "outsider":
        assert_outsiders_learn_nothing(errors)


@pytest.mark.parametrize("caller", CALLERS)
async def test_reactivate_contact(api: Api, factory: Factory, caller: str) -> None:
    scene = await build_scene(factory, active_targets=False)
    targets = [target for target, (_, pending) in TARGETS.items() if not pending]
    scene.targets = {target: scene.targets[target] for target in [*targets, MISSING]}
    before = await state(api, scene)

    outcomes, errors = await run_everywhere(
        api, scene, caller, REACTIVATE_CONTACT, "reactivateContact"
    )

    assert outcomes == expected_manage(caller, targets)
    after = await state(api, scene)
    for target, result in outcomes.items():
        if result == OK:
            assert after["contacts"][scene.targets[target]]["isActive"] is True
    assert_refused_calls_changed_nothing(scene, before, after, outcomes, {})
    if caller == "outsider":
        assert_outsiders_learn_nothing(errors)


# setPrimaryContact: ORG_ADMIN and staff only


@pytest.mark.parametrize("caller", CALLERS)
async def test_set_primary_contact(api: Api, factory: Factory, caller: str) -> None:
    scene = await build_scene(factory)
    targets = ["no profile", "FA_SIGNER", "CM_PRACTITIONER"]
    scene.targets = {target: scene.targets[target] for target in [*targets, MISSING]}
    before = await state(api, scene)

    outcomes, errors = await run_everywhere(
        api, scene, caller, SET_PRIMARY_CONTACT, "setPrimaryContact"
    )

    expected = {
        "anonymous": "UNAUTHENTICATED",
        "outsider": "NOT_FOUND",
        "ORG_ADMIN": OK,
        "staff": OK,
    }.get(caller, "FORBIDDEN")
    assert outcomes == {
        **dict.fromkeys(targets, expected),
        MISSING: "UNAUTHENTICATED" if caller == "anonymous" else "NOT_FOUND",
    }
    after = await state(api, scene)
    primaries = [node["id"] for node in after["contacts"].values() if node["isPrimary"]]
    if expected == OK:
        assert primaries == [scene.targets[targets[-1]]]
        # Each change: the new primary and the previous one.
        assert after["auditEvents"] == before["auditEvents"] + 2 * len(targets)
    else:
        assert after == before
    if caller == "outsider":
        assert_outsiders_learn_nothing(errors)
