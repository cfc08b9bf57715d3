"""Keyset pagination: walking a connection both ways, its edges, and cursors that lie."""

from __future__ import annotations

import base64
import json
from typing import Any

from contacts_api.models import Organization
from contacts_api.resolvers.ids import NodeType
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes

CONTACTS = """
query Contacts($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  organization(id: $id) {
    contacts(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id lastName isPrimary } }
    }
  }
}
"""

ORGANIZATIONS = """
query Organizations($first: Int, $after: String, $last: Int, $before: String) {
  viewer {
    organizations(first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id name } }
    }
  }
}
"""

Page = dict[str, Any]


async def admin(factory: Factory, organization: Organization) -> Person:
    """The viewer: an organization administrator who sorts last, as Zoe Zwicker."""
    return await factory.member(organization, "ORG_ADMIN", first_name="Zoe", last_name="Zwicker")


async def roster(factory: Factory, organization: Organization, count: int) -> None:
    """`count` more contacts, written out of order: Name00, Name01, …"""
    for number in reversed(range(count)):
        await factory.contact(organization, first_name="Pat", last_name=f"Name{number:02d}")


async def page_of_contacts(
    api: Api, viewer: Person, organization: Organization, **arguments: Any
) -> Page:
    data = await api.data(
        CONTACTS,
        {"id": gid(NodeType.ORGANIZATION, organization.id), **arguments},
        token=viewer.token,
    )
    page: Page = data["organization"]["contacts"]
    return page


async def walk_forward(
    api: Api, viewer: Person, organization: Organization, size: int
) -> list[Page]:
    pages = [await page_of_contacts(api, viewer, organization, first=size)]
    while pages[-1]["pageInfo"]["hasNextPage"]:
        after = pages[-1]["pageInfo"]["endCursor"]
        pages.append(await page_of_contacts(api, viewer, organization, first=size, after=after))
    return pages


async def walk_backward(
    api: Api, viewer: Person, organization: Organization, size: int
) -> list[Page]:
    pages = [await page_of_contacts(api, viewer, organization, last=size)]
    while pages[-1]["pageInfo"]["hasPreviousPage"]:
        before = pages[-1]["pageInfo"]["startCursor"]
        pages.append(await page_of_contacts(api, viewer, organization, last=size, before=before))
    return pages


def ids(page: Page) -> list[str]:
    return [edge["node"]["id"] for edge in page["edges"]]


def last_names(page: Page) -> list[str]:
    return [edge["node"]["lastName"] for edge in page["edges"]]


def assert_cursors_match_edges(page: Page) -> None:
    assert page["pageInfo"]["startCursor"] == page["edges"][0]["cursor"]
    assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]


async def test_walking_forwards_lists_every_contact_once_in_order(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 11)
    everyone = await page_of_contacts(api, viewer, organization, first=100)

    pages = await walk_forward(api, viewer, organization, 5)

    assert [len(page["edges"]) for page in pages] == [5, 5, 2]
    assert [contact for page in pages for contact in ids(page)] == ids(everyone)
    assert len(ids(everyone)) == 12
    assert [page["totalCount"] for page in pages] == [12, 12, 12]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [False, True, True]
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [True, True, False]
    for page in pages:
        assert_cursors_match_edges(page)


async def test_walking_backwards_gives_the_same_sequence(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 11)
    everyone = await page_of_contacts(api, viewer, organization, first=100)

    pages = await walk_backward(api, viewer, organization, 5)

    assert [len(page["edges"]) for page in pages] == [5, 5, 2]
    assert [contact for page in reversed(pages) for contact in ids(page)] == ids(everyone)
    assert [page["pageInfo"]["hasNextPage"] for page in pages] == [False, True, True]
    assert [page["pageInfo"]["hasPreviousPage"] for page in pages] == [True, True, False]
    for page in pages:
        assert_cursors_match_edges(page)


async def test_a_list_that_fills_its_last_page_exactly_has_no_next_page(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 9)

    forwards = await walk_forward(api, viewer, organization, 5)
    backwards = await walk_backward(api, viewer, organization, 5)

    assert [len(page["edges"]) for page in forwards] == [5, 5]
    assert forwards[-1]["pageInfo"]["hasNextPage"] is False
    assert [len(page["edges"]) for page in backwards] == [5, 5]
    assert backwards[-1]["pageInfo"]["hasPreviousPage"] is False


async def test_after_the_last_contact_the_page_is_empty(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 2)
    everyone = await page_of_contacts(api, viewer, organization)
    last_cursor = everyone["edges"][-1]["cursor"]
    first_cursor = everyone["edges"][0]["cursor"]

    after_last = await page_of_contacts(api, viewer, organization, after=last_cursor)
    before_first = await page_of_contacts(api, viewer, organization, last=5, before=first_cursor)

    assert after_last["edges"] == []
    assert after_last["pageInfo"]["hasNextPage"] is False
    assert after_last["pageInfo"]["startCursor"] is None
    assert after_last["pageInfo"]["endCursor"] is None
    assert before_first["edges"] == []
    assert before_first["pageInfo"]["hasPreviousPage"] is False


async def test_a_contact_inserted_before_the_cursor_does_not_shift_the_next_page(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 8)
    first_page = await page_of_contacts(api, viewer, organization, first=3)
    cursor = first_page["pageInfo"]["endCursor"]
    expected = await page_of_contacts(api, viewer, organization, first=3, after=cursor)

    await factory.contact(organization, first_name="Aaron", last_name="Aardvark")
    await factory.contact(organization, first_name="Pat", last_name="Name00a")
    next_page = await page_of_contacts(api, viewer, organization, first=3, after=cursor)

    assert last_names(first_page) == ["Name00", "Name01", "Name02"]
    assert last_names(next_page) == last_names(expected) == ["Name03", "Name04", "Name05"]
    assert ids(next_page) == ids(expected)
    assert next_page["totalCount"] == expected["totalCount"] + 2


async def test_a_contact_inserted_after_the_cursor_appears_on_the_next_page(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 8)
    first_page = await page_of_contacts(api, viewer, organization, first=3)
    cursor = first_page["pageInfo"]["endCursor"]

    await factory.contact(organization, first_name="Pat", last_name="Name02a")
    next_page = await page_of_contacts(api, viewer, organization, first=3, after=cursor)

    assert last_names(next_page) == ["Name02a", "Name03", "Name04"]


async def test_a_contact_inserted_after_the_cursor_does_not_shift_the_previous_page(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 8)
    last_page = await page_of_contacts(api, viewer, organization, last=3)
    cursor = last_page["pageInfo"]["startCursor"]

    await factory.contact(organization, first_name="Zack", last_name="Zzyzx")
    await factory.contact(organization, first_name="Pat", last_name="Name04a")
    previous_page = await page_of_contacts(api, viewer, organization, last=3, before=cursor)

    assert last_names(last_page) == ["Name06", "Name07", "Zwicker"]
    assert last_names(previous_page) == ["Name04", "Name04a", "Name05"]


async def test_the_primary_contact_leads_the_list_both_ways(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 3)
    primary = await factory.contact(
        organization, first_name="Yves", last_name="Young", primary=True
    )
    expected = ["Young", "Name00", "Name01", "Name02", "Zwicker"]

    forwards = await walk_forward(api, viewer, organization, 1)
    backwards = await walk_backward(api, viewer, organization, 1)
    pairs_forwards = await walk_forward(api, viewer, organization, 2)
    pairs_backwards = await walk_backward(api, viewer, organization, 2)

    assert [name for page in forwards for name in last_names(page)] == expected
    assert [name for page in reversed(backwards) for name in last_names(page)] == expected
    assert [name for page in pairs_forwards for name in last_names(page)] == expected
    assert [name for page in reversed(pairs_backwards) for name in last_names(page)] == expected
    assert forwards[0]["edges"][0]["node"]["id"] == gid(NodeType.CONTACT, primary.id)
    assert forwards[0]["pageInfo"]["hasPreviousPage"] is False
    assert backwards[-1]["pageInfo"]["hasPreviousPage"] is False
    assert backwards[-1]["edges"][0]["node"]["isPrimary"] is True


async def test_before_the_first_non_primary_contact_comes_the_primary(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 3)
    await factory.contact(organization, first_name="Yves", last_name="Young", primary=True)
    everyone = await page_of_contacts(api, viewer, organization)
    primary_cursor, first_cursor = (edge["cursor"] for edge in everyone["edges"][:2])

    before = await page_of_contacts(api, viewer, organization, last=10, before=first_cursor)
    after = await page_of_contacts(api, viewer, organization, first=10, after=primary_cursor)

    assert last_names(before) == ["Young"]
    assert before["pageInfo"]["hasPreviousPage"] is False
    assert last_names(after) == ["Name00", "Name01", "Name02", "Zwicker"]
    assert after["pageInfo"]["hasNextPage"] is False


def _encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _json_cursor(value: object) -> str:
    return _encoded(json.dumps(value).encode())


TAMPERED_CURSORS = {
    "not base64": "not a cursor!",
    "not ascii": "ÉÉÉÉ",
    "random bytes": _encoded(bytes(range(200, 230))),
    "invalid utf-8": _encoded(b"\xff\xfe\xfd\xfc"),
    "junk text": _encoded(b"hello world"),
    "json object": _json_cursor({"id": 1}),
    "json string": _json_cursor("contacts"),
    "json number": _json_cursor(5),
    "json null": _json_cursor(None),
    "too short": _json_cursor(["contacts", False]),
    "too long": _json_cursor(["contacts", False, "a", "b", 1, 2]),
    "another list": _json_cursor(["organizations", False, "a", "b", 1]),
    "boolean as string": _json_cursor(["contacts", "false", "a", "b", 1]),
    "boolean as number": _json_cursor(["contacts", 0, "a", "b", 1]),
    "name as number": _json_cursor(["contacts", False, 7, "b", 1]),
    "name as null": _json_cursor(["contacts", False, None, "b", 1]),
    "id as string": _json_cursor(["contacts", False, "a", "b", "1"]),
    "id as float": _json_cursor(["contacts", False, "a", "b", 1.5]),
    "id as boolean": _json_cursor(["contacts", False, "a", "b", True]),
    "huge": _json_cursor(["contacts", False, "a" * 5000, "b", 1]),
    "deeply nested": _encoded(b"[" * 300 + b"]" * 300),
}


def assert_bad_user_input(body: dict[str, Any], what: str) -> None:
    assert error_codes(body) == ["BAD_USER_INPUT"], (what, body)
    text = json.dumps(body)
    assert "Traceback" not in text, what
    assert "SELECT" not in text, what


async def cursor_failures(
    api: Api, viewer: Person, organization: Organization, cursors: dict[str, str]
) -> list[tuple[str, str, list[str]]]:
    """Each cursor given as `after` and as `before`: the ones not answered BAD_USER_INPUT."""
    failures = []
    for what, cursor in cursors.items():
        for arguments in ({"first": 2, "after": cursor}, {"last": 2, "before": cursor}):
            body = await api.execute(
                CONTACTS,
                {"id": gid(NodeType.ORGANIZATION, organization.id), **arguments},
                token=viewer.token,
            )
            if error_codes(body) != ["BAD_USER_INPUT"]:
                failures.append((what, next(iter(arguments)), error_codes(body)))
                continue
            assert_bad_user_input(body, what)
            assert body["data"] == {"organization": None}
    return failures


async def test_tampered_cursors_are_bad_user_input(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 2)
    organizations = await api.data(ORGANIZATIONS, token=viewer.token)
    cursors = {
        **TAMPERED_CURSORS,
        "an organizations cursor": organizations["viewer"]["organizations"]["edges"][0]["cursor"],
    }

    failures = await cursor_failures(api, viewer, organization, cursors)

    assert not failures, "\n".join(map(str, failures))


async def test_a_cursor_id_out_of_the_database_range_is_bad_user_input(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 2)
    cursors = {
        "id 2**63": _json_cursor(["contacts", False, "a", "b", 2**63]),
        "id -(2**63) - 1": _json_cursor(["contacts", False, "a", "b", -(2**63) - 1]),
        "id 10**30": _json_cursor(["contacts", False, "a", "b", 10**30]),
    }

    failures = await cursor_failures(api, viewer, organization, cursors)

    assert not failures, "\n".join(map(str, failures))


async def test_a_cursor_name_no_database_can_hold_is_bad_user_input(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await roster(factory, organization, 2)
    cursors = {
        "a NUL character": _json_cursor(["contacts", False, "a\u0000b", "b", 1]),
        "a lone surrogate": _encoded(b'["contacts",false,"\\ud800","b",1]'),
    }

    failures = await cursor_failures(api, viewer, organization, cursors)

    assert not failures, "\n".join(map(str, failures))


async def test_a_contacts_cursor_is_bad_user_input_for_organizations(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    contacts = await page_of_contacts(api, viewer, organization)
    cursor = contacts["edges"][0]["cursor"]

    after = await api.execute(ORGANIZATIONS, {"after": cursor}, token=viewer.token)
    before = await api.execute(ORGANIZATIONS, {"last": 1, "before": cursor}, token=viewer.token)

    assert_bad_user_input(after, "after")
    assert_bad_user_input(before, "before")
    assert after["data"] == before["data"] == {"viewer": None}


async def organizations_page(api: Api, staff: Person, **arguments: Any) -> Page:
    data = await api.data(ORGANIZATIONS, arguments, token=staff.token)
    page: Page = data["viewer"]["organizations"]
    return page


async def test_staff_walk_every_organization_both_ways(api: Api, factory: Factory) -> None:
    for name in ("Éco Centre", "Burin Works", "anchor Society", "Digby Hub", "Cape Breton Jobs"):
        await factory.organization(name)
    staff = await factory.staff()
    everyone = await organizations_page(api, staff, first=100)

    forwards = [await organizations_page(api, staff, first=2)]
    while forwards[-1]["pageInfo"]["hasNextPage"]:
        cursor = forwards[-1]["pageInfo"]["endCursor"]
        forwards.append(await organizations_page(api, staff, first=2, after=cursor))
    backwards = [await organizations_page(api, staff, last=2)]
    while backwards[-1]["pageInfo"]["hasPreviousPage"]:
        cursor = backwards[-1]["pageInfo"]["startCursor"]
        backwards.append(await organizations_page(api, staff, last=2, before=cursor))

    all_ids = ids(everyone)
    assert len(all_ids) == len(set(all_ids)) == everyone["totalCount"] == 5
    assert [len(page["edges"]) for page in forwards] == [2, 2, 1]
    assert [organization for page in forwards for organization in ids(page)] == all_ids
    assert [len(page["edges"]) for page in backwards] == [2, 2, 1]
    assert [organization for page in reversed(backwards) for organization in ids(page)] == all_ids
    assert [page["pageInfo"]["hasPreviousPage"] for page in forwards] == [False, True, True]
    assert [page["pageInfo"]["hasNextPage"] for page in backwards] == [False, True, True]
    assert {page["totalCount"] for page in forwards + backwards} == {5}
    for page in forwards + backwards:
        assert_cursors_match_edges(page)


async def test_members_page_through_their_own_organizations_only(
    api: Api, factory: Factory
) -> None:
    first, second, other = [await factory.organization(name) for name in ("Alpha", "Beta", "Gamma")]
    person = await factory.account()
    await factory.contact(first, account=person)
    await factory.contact(second, account=person)
    await factory.contact(other, account=person, active=False)

    page_one = await organizations_page(api, person, first=1)
    page_two = await organizations_page(
        api, person, first=1, after=page_one["pageInfo"]["endCursor"]
    )

    seen = {*ids(page_one), *ids(page_two)}
    assert seen == {gid(NodeType.ORGANIZATION, first.id), gid(NodeType.ORGANIZATION, second.id)}
    assert page_one["totalCount"] == page_two["totalCount"] == 2
    assert page_two["pageInfo"]["hasNextPage"] is False
