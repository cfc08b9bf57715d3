"""A page of contacts costs the same few SQL statements whether it holds 10 contacts or 100."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from contacts_api.models import Organization, PhoneKind
from contacts_api.models.phone_numbers import PhoneNumber
from contacts_api.resolvers.ids import NodeType
from tests.factories import Factory, Person, gid
from tests.graphql import CountingApi

PAGE = """
query Page($id: ID!, $first: Int) {
  organization(id: $id) {
    contacts(first: $first, filter: {activeOnly: false}) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node {
          id
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
          officeLocation
          positionType
          fte
          version
          createdAt
          updatedAt
          viewerCanManage
          securityProfiles { code name }
          invitation { status expiresAt }
        }
      }
    }
  }
}
"""

PROFILES = ["FA_ADMIN", "FA_SUBMITTER", "FA_SIGNER", "FA_VIEWER", "CM_PRACTITIONER"]
# The standard path (phone numbers are not the planner's), plain DataLoaders: the viewer
# with their memberships, the organization with its contact counts, the page, the page's
# profiles, its latest invitations with what they grant. SQLite's BEGIN (transaction
# control, which PostgreSQL's driver sends without a statement of its own) is not one.
MAX_STATEMENTS = 5
# The compiled read path: the viewer with the organization, the page with its profiles and
# invitations (a last-name search's counts its matches in the same statement).
PLANNED_STATEMENTS = 2


async def add_contacts(
    factory: Factory, organization: Organization, inviter: Person, start: int, stop: int
) -> None:
    """Contacts with profiles, phone numbers and every kind of invitation, some inactive."""
    for number in range(start, stop):
        account = await factory.account() if number % 3 == 0 else None
        contact = await factory.contact(
            organization,
            first_name=f"First{number:03d}",
            last_name=f"Last{number:03d}",
            title="Coordinator",
            profiles=[PROFILES[number % len(PROFILES)], PROFILES[(number + 1) % len(PROFILES)]],
            account=account,
            active=number % 7 != 0,
            phone_numbers=(PhoneNumber(PhoneKind.WORK, "+19025550100", "12"),),
            office_location="Halifax",
            position_type="Permanent",
            fte=0.5,
        )
        if account is None:
            await factory.invitation(contact, "FA_VIEWER", "FA_SIGNER", inviter=inviter)
        else:
            await factory.invitation(contact, "FA_VIEWER", inviter=inviter)


def queries(statements: list[str]) -> list[str]:
    return [statement for statement in statements if not statement.startswith("BEGIN")]


async def measure(counting: CountingApi, viewer: Person, organization: Organization) -> int:
    variables = {"id": gid(NodeType.ORGANIZATION, organization.id), "first": 100}
    counting.counter.reset()
    data = await counting.api.data(PAGE, variables, token=viewer.token)
    count = len(queries(counting.counter.statements))
    assert (
        len(data["organization"]["contacts"]["edges"])
        == data["organization"]["contacts"]["totalCount"]
    )
    return count


async def test_a_page_of_contacts_costs_the_same_few_statements_at_10_and_100(
    counting_api: CountingApi, factory: Factory
) -> None:
    organization = await factory.organization(case_management=True)
    viewer = await factory.member(organization, "ORG_ADMIN", first_name="Zoe", last_name="Zwicker")
    await add_contacts(factory, organization, viewer, 1, 10)
    variables = {"id": gid(NodeType.ORGANIZATION, organization.id), "first": 100}
    await counting_api.api.data(PAGE, variables, token=viewer.token)  # warms the caches

    at_10 = await measure(counting_api, viewer, organization)
    statements_at_10 = list(counting_api.counter.statements)
    await add_contacts(factory, organization, viewer, 10, 100)
    at_100 = await measure(counting_api, viewer, organization)

    print(f"SQL statements for a page of 10 contacts: {at_10}; of 100 contacts: {at_100}")
    assert at_10 == at_100, statements_at_10
    assert at_100 <= MAX_STATEMENTS, counting_api.counter.statements


FRAGMENTS_PAGE = """
query Page($id: ID!) {
  organization(id: $id) {
    contacts(first: 100, filter: {activeOnly: false}) {
      nodes { ...Row }
      edges { node { ... on Contact { invitation { status } } } }
    }
  }
}
fragment Row on Contact { id lastName securityProfiles { code } viewerCanManage }
"""


async def test_fields_asked_through_fragments_are_planned_too(
    counting_api: CountingApi, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    organization = await factory.organization()
    viewer = await factory.member(organization, "ORG_ADMIN", first_name="Zoe", last_name="Zwicker")
    await add_contacts(factory, organization, viewer, 1, 30)
    variables = {"id": gid(NodeType.ORGANIZATION, organization.id)}
    await counting_api.api.data(FRAGMENTS_PAGE, variables, token=viewer.token)  # the account

    caplog.set_level(logging.INFO, logger="contacts.requests")
    caplog.clear()
    data = await counting_api.api.data(FRAGMENTS_PAGE, variables, token=viewer.token)

    nodes = data["organization"]["contacts"]["nodes"]
    assert len(nodes) == 30
    assert all(node["securityProfiles"] for node in nodes[:-1])
    assert logged_statements(caplog.records) == [(True, PLANNED_STATEMENTS)]


PLANNED_PAGE = (
    PAGE.replace("phoneNumbers { kind number extension display }", "")
    .replace("$first: Int)", "$first: Int, $after: String, $filter: ContactFilter)")
    .replace("filter: {activeOnly: false}", "after: $after, filter: $filter")
)


def logged_statements(records: list[logging.LogRecord]) -> list[tuple[bool, int]]:
    """(planned, SQL statements) of each request the log recorded."""
    return [
        (record.fields["planned"], record.fields["sql_statements"])  # type: ignore[attr-defined]
        for record in records
        if record.name == "contacts.requests"
    ]


async def test_the_planned_page_and_a_search_cost_two_statements_at_10_and_100(
    counting_api: CountingApi, factory: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    organization = await factory.organization(case_management=True)
    viewer = await factory.member(organization, "ORG_ADMIN", first_name="Zoe", last_name="Zwicker")
    await add_contacts(factory, organization, viewer, 1, 10)
    variables: dict[str, Any] = {
        "id": gid(NodeType.ORGANIZATION, organization.id),
        "first": 100,
        "filter": {"activeOnly": False},
    }
    await counting_api.api.data(PLANNED_PAGE, variables, token=viewer.token)  # the account

    caplog.set_level(logging.INFO, logger="contacts.requests")
    caplog.clear()
    await counting_api.api.data(PLANNED_PAGE, variables, token=viewer.token)
    await add_contacts(factory, organization, viewer, 10, 100)
    data = await counting_api.api.data(PLANNED_PAGE, variables, token=viewer.token)
    assert len(data["organization"]["contacts"]["edges"]) == 100
    searched = {**variables, "filter": {"activeOnly": False, "lastName": "last00"}}
    found = await counting_api.api.data(PLANNED_PAGE, searched, token=viewer.token)
    assert found["organization"]["contacts"]["totalCount"] == 9
    # Past its last match, a search's page has no row to carry the count: it counts apart.
    beyond = {**searched, "after": found["organization"]["contacts"]["pageInfo"]["endCursor"]}
    empty = await counting_api.api.data(PLANNED_PAGE, beyond, token=viewer.token)
    assert empty["organization"]["contacts"]["edges"] == []
    assert empty["organization"]["contacts"]["totalCount"] == 9

    assert logged_statements(caplog.records) == [
        (True, PLANNED_STATEMENTS),
        (True, PLANNED_STATEMENTS),
        (True, PLANNED_STATEMENTS),
        (True, PLANNED_STATEMENTS + 1),
    ]
