"""Organization.contacts: the order of the list, its page sizes and what it shows."""

from __future__ import annotations

from typing import Any

from contacts_api.models import Organization
from contacts_api.resolvers.ids import NodeType
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes

CONTACTS = """
query Contacts(
  $id: ID!, $first: Int, $after: String, $last: Int, $before: String, $filter: ContactFilter
) {
  organization(id: $id) {
    contacts(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id firstName lastName isPrimary isActive } }
      nodes { id }
    }
  }
}
"""


async def admin(factory: Factory, organization: Organization) -> Person:
    """The viewer: an organization administrator who sorts last, as Zoe Zwicker."""
    return await factory.member(organization, "ORG_ADMIN", first_name="Zoe", last_name="Zwicker")


async def contacts(
    api: Api, viewer: Person, organization: Organization, **arguments: Any
) -> dict[str, Any]:
    data = await api.data(
        CONTACTS,
        {"id": gid(NodeType.ORGANIZATION, organization.id), **arguments},
        token=viewer.token,
    )
    connection: dict[str, Any] = data["organization"]["contacts"]
    return connection


def names(connection: dict[str, Any]) -> list[tuple[str, str]]:
    return [(edge["node"]["lastName"], edge["node"]["firstName"]) for edge in connection["edges"]]


async def test_contacts_are_sorted_by_last_then_first_name_ignoring_case_and_accents(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    expected = [
        ("Aucoin", "Marc"),
        ("d'Entremont", "Luc"),
        ("de Vries", "Anna"),
        ("Doucet", "Paul"),
        ("emond", "Bruno"),
        ("Émond", "Claire"),
        ("EMOND", "Denis"),
        ("Fraser", "Ann"),
        ("Fraser", "Émile"),
        ("fraser", "Zach"),
        ("MacDonald", "Rob"),
        ("MACDONALD", "Sam"),
        ("macdonald", "Tom"),
        ("Oakley", "Ben"),
        ("Œuvre", "Odile"),
        ("Olsen", "Kim"),
    ]
    written_out_of_order = [*expected[1::2], *reversed(expected[::2])]
    for last_name, first_name in written_out_of_order:
        await factory.contact(organization, first_name=first_name, last_name=last_name)

    listed = await contacts(api, viewer, organization, first=100)

    assert names(listed) == [*expected, ("Zwicker", "Zoe")]
    last_names = [last for last, _ in names(listed)]
    assert last_names.index("Doucet") < last_names.index("Émond") < last_names.index("Fraser")


async def test_primary_contact_comes_first(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization, first_name="Ann", last_name="Aucoin")
    primary = await factory.contact(
        organization, first_name="Yves", last_name="Young", primary=True
    )
    await factory.contact(organization, first_name="Bea", last_name="Boudreau")

    listed = await contacts(api, viewer, organization)

    assert names(listed) == [
        ("Young", "Yves"),
        ("Aucoin", "Ann"),
        ("Boudreau", "Bea"),
        ("Zwicker", "Zoe"),
    ]
    assert listed["edges"][0]["node"]["id"] == gid(NodeType.CONTACT, primary.id)
    assert [edge["node"]["isPrimary"] for edge in listed["edges"]] == [True, False, False, False]


async def test_contacts_with_identical_names_keep_a_stable_order(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    twins = [
        await factory.contact(organization, first_name="Jean", last_name="Cormier")
        for _ in range(3)
    ]
    twin_ids = [gid(NodeType.CONTACT, twin.id) for twin in twins]

    listed = await contacts(api, viewer, organization)
    again = await contacts(api, viewer, organization)
    one_by_one = []
    after = None
    for _ in range(3):
        page = await contacts(api, viewer, organization, first=1, after=after)
        one_by_one += [edge["node"]["id"] for edge in page["edges"]]
        after = page["pageInfo"]["endCursor"]

    assert [edge["node"]["id"] for edge in listed["edges"]][:3] == twin_ids
    assert again["edges"] == listed["edges"]
    assert one_by_one == twin_ids


async def test_a_page_holds_10_contacts_by_default(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for number in range(12):
        await factory.contact(organization, last_name=f"Name{number:02d}")

    listed = await contacts(api, viewer, organization)

    assert len(listed["edges"]) == 10
    assert len(listed["nodes"]) == 10
    assert listed["pageInfo"]["hasNextPage"] is True
    assert listed["totalCount"] == 13


async def test_a_page_may_hold_100_contacts(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for number in range(12):
        await factory.contact(organization, last_name=f"Name{number:02d}")

    listed = await contacts(api, viewer, organization, first=100)
    backwards = await contacts(api, viewer, organization, last=100)

    assert len(listed["edges"]) == 13
    assert listed["pageInfo"]["hasNextPage"] is False
    assert backwards["edges"] == listed["edges"]


PAGE_SIZES_OUT_OF_RANGE = [
    {"first": 101},
    {"first": -1},
    {"last": 101},
    {"last": -1},
    {"first": 1000},
]


async def test_a_page_size_outside_0_to_100_is_bad_user_input(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)

    for arguments in PAGE_SIZES_OUT_OF_RANGE:
        body = await api.execute(
            CONTACTS,
            {"id": gid(NodeType.ORGANIZATION, organization.id), **arguments},
            token=viewer.token,
        )

        assert error_codes(body) == ["BAD_USER_INPUT"], arguments
        assert body["data"] == {"organization": None}, arguments


async def test_first_0_gives_an_empty_page_and_the_total(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization)

    listed = await contacts(api, viewer, organization, first=0)

    assert listed["edges"] == []
    assert listed["nodes"] == []
    assert listed["totalCount"] == 2
    assert listed["pageInfo"]["startCursor"] is None
    assert listed["pageInfo"]["endCursor"] is None


async def test_inactive_contacts_are_hidden_by_default(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization, first_name="Ada", last_name="Adams")
    await factory.contact(organization, first_name="Bob", last_name="Brown", active=False)

    listed = await contacts(api, viewer, organization)
    active_only = await contacts(api, viewer, organization, filter={"activeOnly": True})

    assert names(listed) == [("Adams", "Ada"), ("Zwicker", "Zoe")]
    assert listed["totalCount"] == 2
    assert active_only["edges"] == listed["edges"]


async def test_active_and_inactive_contacts_are_interleaved_in_order(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization, first_name="Dan", last_name="Davis", active=False)
    await factory.contact(organization, first_name="Cy", last_name="Clark")
    await factory.contact(organization, first_name="Bob", last_name="Brown", active=False)
    await factory.contact(organization, first_name="Ada", last_name="Adams")
    await factory.contact(organization, first_name="Éva", last_name="Émond", active=False)

    listed = await contacts(api, viewer, organization, filter={"activeOnly": False})

    assert [
        (last, edge["node"]["isActive"])
        for (last, _), edge in zip(names(listed), listed["edges"], strict=True)
    ] == [
        ("Adams", True),
        ("Brown", False),
        ("Clark", True),
        ("Davis", False),
        ("Émond", False),
        ("Zwicker", True),
    ]
    assert listed["totalCount"] == 6


async def test_total_count_counts_every_page(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for number in range(6):
        await factory.contact(organization, last_name=f"Name{number:02d}")
    await factory.contact(organization, last_name="Gone", active=False)

    first_page = await contacts(api, viewer, organization, first=3)
    second_page = await contacts(
        api, viewer, organization, first=3, after=first_page["pageInfo"]["endCursor"]
    )
    everyone = await contacts(api, viewer, organization, first=3, filter={"activeOnly": False})

    assert len(first_page["edges"]) == 3
    assert first_page["totalCount"] == second_page["totalCount"] == 7
    assert everyone["totalCount"] == 8
