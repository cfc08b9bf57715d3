"""totalCount of an organization's whole contact list comes from counts the database keeps.

Triggers keep each organization's number of contacts (all, active) in the transaction of every
change, whoever writes it; the list reads them instead of counting the organization's rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text

from contacts_api.models import Contact, Organization
from contacts_api.resolvers.ids import NodeType
from tests.factories import Factory, Person, gid
from tests.graphql import Api, CountingApi

TOTALS = """
query Totals($id: ID!) {
  organization(id: $id) {
    active: contacts { totalCount }
    all: contacts(filter: {activeOnly: false}) { totalCount }
  }
}
"""

DEACTIVATE = """
mutation Deactivate($id: ID!) {
  deactivateContact(input: {contactId: $id}) {
    contact {
      isActive
      organization {
        active: contacts { totalCount }
        all: contacts(filter: {activeOnly: false}) { totalCount }
      }
    }
    userErrors { code }
  }
}
"""

REACTIVATE = """
mutation Reactivate($id: ID!) {
  reactivateContact(input: {contactId: $id}) { contact { isActive } userErrors { code } }
}
"""

ADD = """
mutation Add($input: AddContactInput!) {
  addContact(input: $input) {
    contact {
      organization {
        active: contacts { totalCount }
        all: contacts(filter: {activeOnly: false}) { totalCount }
      }
    }
    userErrors { code }
  }
}
"""


async def totals(api: Api, viewer: Person, organization: Organization) -> tuple[int, int]:
    data = await api.data(
        TOTALS, {"id": gid(NodeType.ORGANIZATION, organization.id)}, token=viewer.token
    )
    counted = data["organization"]
    return counted["active"]["totalCount"], counted["all"]["totalCount"]


async def counted_rows(factory: Factory, organization: Organization) -> tuple[int, int]:
    """What counting the rows says: (active, all)."""
    async with factory.sessions() as session:
        every = await session.scalar(
            select(func.count()).where(Contact.organization_id == organization.id)
        )
        active = await session.scalar(
            select(func.count()).where(
                Contact.organization_id == organization.id, Contact.is_active
            )
        )
    return active or 0, every or 0


async def kept_counts(factory: Factory, organization: Organization) -> tuple[int, int]:
    async with factory.sessions() as session:
        row = (
            await session.execute(
                select(Organization.active_contact_count, Organization.contact_count).where(
                    Organization.id == organization.id
                )
            )
        ).one()
    return row[0], row[1]


def totals_of(payload: dict[str, Any]) -> tuple[int, int]:
    organization = payload["contact"]["organization"]
    return organization["active"]["totalCount"], organization["all"]["totalCount"]


async def test_the_counts_follow_every_change_made_through_the_api(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    admin = await factory.member(organization, "ORG_ADMIN")
    others = [await factory.contact(organization) for _ in range(3)]
    await factory.contact(organization, active=False)
    assert await totals(api, admin, organization) == (4, 5)

    added = await api.data(
        ADD,
        {
            "input": {
                "organizationId": gid(NodeType.ORGANIZATION, organization.id),
                "firstName": "Nadia",
                "lastName": "Arsenault",
                "email": "nadia@example.org",
            }
        },
        token=admin.token,
    )
    # The payload reads the counts the change has just moved, in the same request.
    assert totals_of(added["addContact"]) == (5, 6)

    contact_gid = gid(NodeType.CONTACT, others[0].id)
    deactivated = await api.data(DEACTIVATE, {"id": contact_gid}, token=admin.token)
    assert deactivated["deactivateContact"]["userErrors"] == []
    assert totals_of(deactivated["deactivateContact"]) == (4, 6)

    reactivated = await api.data(REACTIVATE, {"id": contact_gid}, token=admin.token)
    assert reactivated["reactivateContact"]["userErrors"] == []
    assert await totals(api, admin, organization) == (5, 6)
    assert await counted_rows(factory, organization) == (5, 6)


async def test_the_counts_follow_writes_made_outside_the_api(api: Api, factory: Factory) -> None:
    """A bulk load, a console session: the database keeps the counts, not the application."""
    first = await factory.organization()
    second = await factory.organization()
    admin = await factory.member(first, "ORG_ADMIN")
    moved = await factory.contact(first)
    removed = await factory.contact(first, active=False)
    async with factory.sessions.begin() as session:
        await session.execute(
            text("UPDATE contacts SET organization_id = :to WHERE id = :id"),
            {"to": second.id, "id": moved.id},
        )
        await session.execute(text("DELETE FROM contacts WHERE id = :id"), {"id": removed.id})
        await session.execute(
            text("UPDATE contacts SET is_active = :inactive WHERE id = :id"),
            {"inactive": False, "id": admin.contact_id},
        )

    for organization in (first, second):
        assert await kept_counts(factory, organization) == await counted_rows(factory, organization)
    assert await kept_counts(factory, first) == (0, 1)
    assert await kept_counts(factory, second) == (1, 1)


async def test_a_change_rolled_back_leaves_the_counts_as_they_were(factory: Factory) -> None:
    organization = await factory.organization()
    await factory.contact(organization)
    async with factory.sessions() as session:
        await session.execute(text("UPDATE contacts SET is_active = :no"), {"no": False})
        assert (
            await session.scalar(
                select(Organization.active_contact_count).where(Organization.id == organization.id)
            )
            == 0
        )
        await session.rollback()
    assert await kept_counts(factory, organization) == (1, 1)


async def test_the_whole_list_is_not_counted_and_a_search_is(
    standard_counting_api: CountingApi, factory: Factory
) -> None:
    """On the standard path (the compiled one's statements: tests/test_sql_statements.py)."""
    counting_api = standard_counting_api
    organization = await factory.organization()
    admin = await factory.member(organization, "ORG_ADMIN", last_name="Zwicker")
    await factory.contact(organization, last_name="Aucoin")

    def counting() -> list[str]:
        return [s for s in counting_api.counter.statements if "count(" in s.lower()]

    assert await totals(counting_api.api, admin, organization) == (2, 2)
    assert counting() == []

    searched = await counting_api.api.data(
        "query($id: ID!) { organization(id: $id) {"
        ' contacts(filter: {lastName: "Auc"}) { totalCount } } }',
        {"id": gid(NodeType.ORGANIZATION, organization.id)},
        token=admin.token,
    )
    assert searched["organization"]["contacts"]["totalCount"] == 1
    assert len(counting()) == 1
