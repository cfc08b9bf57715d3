"""Concurrent requests on one application: the invariants hold whoever commits first.

With httpx's ASGITransport, `asyncio.gather` runs the requests concurrently in one event
loop, each with its own database session: a real race on PostgreSQL (row locks) and on
SQLite (BEGIN IMMEDIATE).
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import update

from contacts_api.edge.authentication import development_subject
from contacts_api.models import Contact, Organization
from contacts_api.models.database import RequestSession
from contacts_api.resolvers.ids import NodeType
from contacts_api.rules import contacts as contact_management
from contacts_api.rules.authorization import Claims, load_viewer
from contacts_api.rules.user_errors import ErrorCode, UserErrors
from contacts_api.rules.validation import ContactInput
from tests.contract_catalogue import CATALOGUE
from tests.factories import Factory, Person, gid
from tests.graphql import Api

ROUNDS = 3

UPDATE_CONTACT = """
mutation UpdateContact($input: UpdateContactInput!) {
  updateContact(input: $input) {
    contact { id title version }
    userErrors { field code }
  }
}
"""

DEACTIVATE_CONTACT = """
mutation DeactivateContact($input: DeactivateContactInput!) {
  deactivateContact(input: $input) {
    contact { id isActive }
    userErrors { field code }
  }
}
"""

SET_PRIMARY_CONTACT = """
mutation SetPrimaryContact($input: SetPrimaryContactInput!) {
  setPrimaryContact(input: $input) {
    contact { id isPrimary }
    userErrors { field code }
  }
}
"""

ADD_CONTACT = """
mutation AddContact($input: AddContactInput!) {
  addContact(input: $input) {
    contact { id }
    userErrors { field code }
  }
}
"""

STATE = """
query State($id: ID!) {
  organization(id: $id) {
    auditEvents(first: 100) { nodes { action contact { id } } }
    contacts(first: 100, filter: { activeOnly: false }) {
      nodes { id title version isPrimary isActive hasAccess isAdministrator }
    }
  }
}
"""


async def state(api: Api, organization: Organization, staff: Person) -> dict[str, Any]:
    data = await api.data(
        STATE, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=staff.token
    )
    organization_state: dict[str, Any] = data["organization"]
    return organization_state


def administrators_with_access(organization_state: dict[str, Any]) -> list[str]:
    return [
        node["id"]
        for node in organization_state["contacts"]["nodes"]
        if node["isAdministrator"] and node["hasAccess"]
    ]


def result(body: dict[str, Any], field: str) -> str:
    """ "ok", the user errors' codes, or FORBIDDEN for a caller that lost the right to act
    while it waited for the organization's lock; any other GraphQL error fails the test."""
    if "errors" in body:
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"], body
        return "FORBIDDEN"
    payload = body["data"][field]
    if payload["userErrors"]:
        return ",".join(error["code"] for error in payload["userErrors"])
    return "ok"


async def test_two_updates_with_the_same_expected_version(api: Api, factory: Factory) -> None:
    staff = await factory.staff()
    for _ in range(ROUNDS):
        organization = await factory.organization()
        first = await factory.member(organization, "ORG_ADMIN", primary=True)
        second = await factory.member(organization, "FA_ADMIN")
        contact = await factory.contact(organization, title="Clerk", profiles=["FA_SIGNER"])
        contact_id = gid(NodeType.CONTACT, contact.id)

        bodies = await asyncio.gather(
            *(
                api.execute(
                    UPDATE_CONTACT,
                    {"input": {"contactId": contact_id, "expectedVersion": 1, "title": title}},
                    token=person.token,
                )
                for person, title in ((first, "First"), (second, "Second"))
            )
        )

        results = [result(body, "updateContact") for body in bodies]
        assert sorted(results) == ["STALE", "ok"]
        winner = bodies[results.index("ok")]["data"]["updateContact"]["contact"]
        loser = bodies[results.index("STALE")]["data"]["updateContact"]
        assert winner["version"] == 2
        assert loser["contact"] is None
        assert loser["userErrors"] == [{"field": ["input", "expectedVersion"], "code": "STALE"}]
        after = await state(api, organization, staff)
        [node] = [n for n in after["contacts"]["nodes"] if n["id"] == contact_id]
        assert (node["title"], node["version"]) == (winner["title"], 2)
        assert [event["action"] for event in after["auditEvents"]["nodes"]] == ["CONTACT_UPDATED"]


async def test_two_updates_without_expected_version_both_count(api: Api, factory: Factory) -> None:
    staff = await factory.staff()
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    contact = await factory.contact(organization)
    contact_id = gid(NodeType.CONTACT, contact.id)

    bodies = await asyncio.gather(
        api.execute(
            UPDATE_CONTACT,
            {"input": {"contactId": contact_id, "title": "Manager"}},
            token=administrator.token,
        ),
        api.execute(
            UPDATE_CONTACT,
            {"input": {"contactId": contact_id, "firstName": "Robin"}},
            token=administrator.token,
        ),
    )

    assert [result(body, "updateContact") for body in bodies] == ["ok", "ok"]
    after = await state(api, organization, staff)
    [node] = [n for n in after["contacts"]["nodes"] if n["id"] == contact_id]
    assert (node["title"], node["version"]) == ("Manager", 3)


async def _two_administrators(factory: Factory) -> tuple[Organization, Person, Person]:
    """An organization whose only administrators with access are two non-primary members."""
    organization = await factory.organization()
    await factory.contact(organization, primary=True)
    await factory.contact(organization, profiles=["ORG_ADMIN"])  # without access
    first = await factory.member(organization, "ORG_ADMIN")
    second = await factory.member(organization, "ORG_ADMIN")
    return organization, first, second


async def test_two_administrators_deactivating_each_other(api: Api, factory: Factory) -> None:
    staff = await factory.staff()
    for _ in range(ROUNDS):
        organization, first, second = await _two_administrators(factory)

        bodies = await asyncio.gather(
            api.execute(
                DEACTIVATE_CONTACT, {"input": {"contactId": second.contact_gid}}, token=first.token
            ),
            api.execute(
                DEACTIVATE_CONTACT, {"input": {"contactId": first.contact_gid}}, token=second.token
            ),
        )

        results = [result(body, "deactivateContact") for body in bodies]
        assert results.count("ok") == 1, results
        after = await state(api, organization, staff)
        remaining = administrators_with_access(after)
        assert len(remaining) == 1, (results, remaining)
        assert remaining[0] in {first.contact_gid, second.contact_gid}


async def test_two_administrators_deactivating_themselves(api: Api, factory: Factory) -> None:
    staff = await factory.staff()
    for _ in range(ROUNDS):
        organization, first, second = await _two_administrators(factory)

        bodies = await asyncio.gather(
            *(
                api.execute(
                    DEACTIVATE_CONTACT,
                    {"input": {"contactId": person.contact_gid}},
                    token=person.token,
                )
                for person in (first, second)
            )
        )

        results = sorted(result(body, "deactivateContact") for body in bodies)
        assert results == ["LAST_ADMINISTRATOR", "ok"]
        after = await state(api, organization, staff)
        assert len(administrators_with_access(after)) == 1


async def test_a_deactivation_racing_a_loss_of_administrator_profile(
    api: Api, factory: Factory
) -> None:
    """One administrator removes the other's admin profile while the other deactivates it."""
    staff = await factory.staff()
    for _ in range(ROUNDS):
        organization, first, second = await _two_administrators(factory)

        bodies = await asyncio.gather(
            api.execute(
                UPDATE_CONTACT,
                {"input": {"contactId": second.contact_gid, "securityProfileIds": []}},
                token=first.token,
            ),
            api.execute(
                DEACTIVATE_CONTACT, {"input": {"contactId": first.contact_gid}}, token=second.token
            ),
        )

        results = [
            result(bodies[0], "updateContact"),
            result(bodies[1], "deactivateContact"),
        ]
        assert results.count("ok") == 1, results
        after = await state(api, organization, staff)
        assert len(administrators_with_access(after)) == 1, results


async def test_a_third_administrator_deactivating_both_others_at_once(
    api: Api, factory: Factory
) -> None:
    """Two deactivations by a third administrator: it remains, so both succeed."""
    staff = await factory.staff()
    organization, first, second = await _two_administrators(factory)
    third = await factory.member(organization, "ORG_ADMIN")
    organization_state = await state(api, organization, staff)

    bodies = await asyncio.gather(
        *(
            api.execute(
                DEACTIVATE_CONTACT, {"input": {"contactId": person.contact_gid}}, token=third.token
            )
            for person in (first, second)
        )
    )

    assert [result(body, "deactivateContact") for body in bodies] == ["ok", "ok"]
    after = await state(api, organization, staff)
    assert administrators_with_access(after) == [third.contact_gid]
    assert len(after["contacts"]["nodes"]) == len(organization_state["contacts"]["nodes"])


async def test_the_last_area_administrators_deactivating_each_other(
    api: Api, factory: Factory
) -> None:
    """The same race between two area administrators of the same area."""
    staff = await factory.staff()
    for _ in range(ROUNDS):
        organization = await factory.organization()
        await factory.contact(organization, primary=True)
        first = await factory.member(organization, "FA_ADMIN")
        second = await factory.member(organization, "FA_ADMIN")

        bodies = await asyncio.gather(
            api.execute(
                DEACTIVATE_CONTACT, {"input": {"contactId": second.contact_gid}}, token=first.token
            ),
            api.execute(
                DEACTIVATE_CONTACT, {"input": {"contactId": first.contact_gid}}, token=second.token
            ),
        )

        results = [result(body, "deactivateContact") for body in bodies]
        assert results.count("ok") == 1, results
        after = await state(api, organization, staff)
        assert len(administrators_with_access(after)) == 1


async def test_two_primary_contacts_chosen_at_once(api: Api, factory: Factory) -> None:
    staff = await factory.staff()
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    candidates = [await factory.contact(organization) for _ in range(2)]

    bodies = await asyncio.gather(
        *(
            api.execute(
                SET_PRIMARY_CONTACT,
                {"input": {"contactId": gid(NodeType.CONTACT, candidate.id)}},
                token=token,
            )
            for candidate, token in zip(candidates, (administrator.token, staff.token), strict=True)
        )
    )

    assert [result(body, "setPrimaryContact") for body in bodies] == ["ok", "ok"]
    after = await state(api, organization, staff)
    primaries = [node["id"] for node in after["contacts"]["nodes"] if node["isPrimary"]]
    assert len(primaries) == 1
    assert primaries[0] in {gid(NodeType.CONTACT, candidate.id) for candidate in candidates}


async def test_two_contacts_added_at_once_with_the_same_email(api: Api, factory: Factory) -> None:
    staff = await factory.staff()
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    contact_input = {
        "organizationId": gid(NodeType.ORGANIZATION, organization.id),
        "firstName": "Dana",
        "lastName": "Fraser",
    }

    bodies = await asyncio.gather(
        api.execute(
            ADD_CONTACT,
            {"input": {**contact_input, "email": "dana@example.org"}},
            token=administrator.token,
        ),
        api.execute(
            ADD_CONTACT,
            {"input": {**contact_input, "email": "DANA@example.org"}},
            token=staff.token,
        ),
    )

    results = sorted(result(body, "addContact") for body in bodies)
    assert results == ["TAKEN", "ok"]
    after = await state(api, organization, staff)
    assert len(after["contacts"]["nodes"]) == 2


@pytest.mark.parametrize("change", ["update", "deactivate", "add"])
async def test_a_change_decides_with_the_viewer_as_it_is_under_the_lock(
    factory: Factory, change: str
) -> None:
    """The viewer is read when the request starts; an administrator deactivated after that,
    while its request waited for the organization's lock, must not finish its change."""
    organization = await factory.organization()
    await factory.member(organization, "ORG_ADMIN", primary=True)
    late = await factory.member(organization, "ORG_ADMIN")
    target = await factory.contact(organization, title="Clerk")
    claims = Claims(subject=development_subject(late.email), email=late.email, name=late.name)
    async with factory.sessions() as session:
        stale = await load_viewer(RequestSession(session), claims, factory.clock.now())
        await session.commit()
    assert stale.memberships  # the request began as an administrator
    async with factory.sessions.begin() as session:
        await session.execute(
            update(Contact).where(Contact.id == late.contact_id).values(is_active=False)
        )

    async with factory.sessions() as session:
        use_case = {
            "update": lambda: contact_management.update_contact(
                session,
                viewer=stale,
                catalogue=CATALOGUE,
                now=factory.clock.now(),
                contact_id=target.id,
                expected_version=None,
                fields=ContactInput(title="Director"),
            ),
            "deactivate": lambda: contact_management.deactivate_contact(
                session,
                viewer=stale,
                catalogue=CATALOGUE,
                now=factory.clock.now(),
                contact_id=target.id,
                expected_version=None,
            ),
            "add": lambda: contact_management.add_contact(
                session,
                viewer=stale,
                catalogue=CATALOGUE,
                now=factory.clock.now(),
                organization_id=organization.id,
                fields=ContactInput(first_name="New", last_name="Person", email="n@example.org"),
            ),
        }[change]
        with pytest.raises(UserErrors) as refused:
            await use_case()
        await session.rollback()

    assert [error.code for error in refused.value.errors] == [ErrorCode.NOT_FOUND]
