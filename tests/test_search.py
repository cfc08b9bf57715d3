"""Searching the contacts of an organization: every part of ContactFilter."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, text

from contacts_api.models import Organization
from contacts_api.models.contact_search import CONTACT_ORDER, ContactSearch, contacts_statement
from contacts_api.models.database import create_engine
from contacts_api.resolvers.ids import NodeType
from contacts_api.runtime.settings import Settings
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes

SEARCH = """
query Search($id: ID!, $filter: ContactFilter, $first: Int, $after: String) {
  organization(id: $id) {
    contacts(filter: $filter, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { id firstName lastName email accountEmail isActive hasAccess }
    }
  }
}
"""


def profile(code: str) -> str:
    return gid(NodeType.SECURITY_PROFILE, code)


async def admin(factory: Factory, organization: Organization) -> Person:
    """The viewer: an organization administrator, Zoe Zwicker."""
    return await factory.member(organization, "ORG_ADMIN", first_name="Zoe", last_name="Zwicker")


async def search(
    api: Api, viewer: Person, organization: Organization, **filter_: Any
) -> dict[str, Any]:
    data = await api.data(
        SEARCH,
        {"id": gid(NodeType.ORGANIZATION, organization.id), "filter": filter_, "first": 100},
        token=viewer.token,
    )
    connection: dict[str, Any] = data["organization"]["contacts"]
    return connection


def last_names(connection: dict[str, Any]) -> list[str]:
    return [node["lastName"] for node in connection["nodes"]]


def first_names(connection: dict[str, Any]) -> list[str]:
    return [node["firstName"] for node in connection["nodes"]]


async def test_last_name_is_a_prefix_ignoring_case_and_accents(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for last_name in ("Émond", "Emery", "Lemond", "Desmond", "Doucet"):
        await factory.contact(organization, last_name=last_name)

    assert last_names(await search(api, viewer, organization, lastName="emo")) == ["Émond"]
    assert last_names(await search(api, viewer, organization, lastName="EMO")) == ["Émond"]
    assert last_names(await search(api, viewer, organization, lastName="Émo")) == ["Émond"]
    assert last_names(await search(api, viewer, organization, lastName="em")) == [
        "Emery",
        "Émond",
    ]
    not_a_prefix = await search(api, viewer, organization, lastName="mond")
    assert not_a_prefix["nodes"] == []
    assert not_a_prefix["totalCount"] == 0


async def test_first_name_is_a_prefix_ignoring_case_and_accents(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for first_name, last_name in (("Élise", "Arsenault"), ("Eliot", "Boudreau"), ("Noélie", "C")):
        await factory.contact(organization, first_name=first_name, last_name=last_name)

    assert first_names(await search(api, viewer, organization, firstName="eli")) == [
        "Élise",
        "Eliot",
    ]
    assert first_names(await search(api, viewer, organization, firstName="ÉLI")) == [
        "Élise",
        "Eliot",
    ]
    assert first_names(await search(api, viewer, organization, firstName="elis")) == ["Élise"]
    assert first_names(await search(api, viewer, organization, firstName="elie")) == []


async def test_wildcards_in_a_name_are_matched_literally(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for last_name in ("Under_score", "Underxscore", "Pct%Name", "Pctname", "Back\\Slash", "Backs"):
        await factory.contact(organization, last_name=last_name)

    assert last_names(await search(api, viewer, organization, lastName="under_")) == ["Under_score"]
    assert last_names(await search(api, viewer, organization, lastName="pct%")) == ["Pct%Name"]
    assert last_names(await search(api, viewer, organization, lastName="%")) == []
    assert last_names(await search(api, viewer, organization, lastName="_")) == []
    assert last_names(await search(api, viewer, organization, lastName="back\\")) == ["Back\\Slash"]


async def test_wildcards_in_an_email_are_matched_literally(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization, last_name="A", email="a_b@example.org")
    await factory.contact(organization, last_name="B", email="axb@example.org")
    await factory.contact(organization, last_name="C", email="a%b@example.org")
    await factory.contact(organization, last_name="D", email="a\\b@example.org")

    assert last_names(await search(api, viewer, organization, email="a_b")) == ["A"]
    assert last_names(await search(api, viewer, organization, email="a%b")) == ["C"]
    assert last_names(await search(api, viewer, organization, email="%")) == ["C"]
    assert last_names(await search(api, viewer, organization, email="_")) == ["A"]
    assert last_names(await search(api, viewer, organization, email="\\")) == ["D"]


async def test_email_matches_part_of_the_entered_email_ignoring_case(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization, last_name="Doe", email="Jane.Doe@Example.net")
    await factory.contact(organization, last_name="Roe", email="rick.roe@example.net")

    assert last_names(await search(api, viewer, organization, email="doe@EXAMPLE")) == ["Doe"]
    assert last_names(await search(api, viewer, organization, email="E.DOE")) == ["Doe"]
    assert last_names(await search(api, viewer, organization, email="example.NET")) == [
        "Doe",
        "Roe",
    ]


async def test_email_matches_part_of_the_account_email_ignoring_case(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    account = await factory.account("JD.Personal@Mail.ca")
    await factory.contact(organization, last_name="Doe", email="jane@work.org", account=account)
    await factory.contact(organization, last_name="Roe", email="rick@work.org")

    found = await search(api, viewer, organization, email="personal@mail")

    assert last_names(found) == ["Doe"]
    assert found["nodes"][0]["accountEmail"] == "JD.Personal@Mail.ca"
    assert last_names(await search(api, viewer, organization, email="PERSONAL")) == ["Doe"]
    assert last_names(await search(api, viewer, organization, email="@work.")) == ["Doe", "Roe"]


async def test_several_security_profiles_combine_with_or(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(organization, last_name="Admin", profiles=["FA_ADMIN"])
    await factory.contact(organization, last_name="Both", profiles=["FA_ADMIN", "FA_VIEWER"])
    await factory.contact(organization, last_name="Signer", profiles=["FA_SIGNER"])
    await factory.contact(organization, last_name="Viewer", profiles=["FA_VIEWER"])
    await factory.contact(organization, last_name="Nobody")

    either = await search(
        api,
        viewer,
        organization,
        securityProfileIds=[profile("FA_ADMIN"), profile("FA_VIEWER")],
    )
    one = await search(api, viewer, organization, securityProfileIds=[profile("FA_SIGNER")])
    org_admins = await search(api, viewer, organization, securityProfileIds=[profile("ORG_ADMIN")])

    assert last_names(either) == ["Admin", "Both", "Viewer"]
    assert either["totalCount"] == 3
    assert last_names(one) == ["Signer"]
    assert last_names(org_admins) == ["Zwicker"]


async def test_filters_combine_with_and(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await factory.contact(
        organization,
        first_name="Ann",
        last_name="Smith",
        email="ann@work.org",
        profiles=["FA_VIEWER"],
    )
    await factory.contact(
        organization, first_name="Ann", last_name="Smyth", email="ann.smyth@home.org"
    )
    await factory.contact(
        organization,
        first_name="Bob",
        last_name="Smith",
        email="bob@work.org",
        profiles=["FA_VIEWER"],
    )
    await factory.contact(organization, first_name="Ann", last_name="Smithers", email="as@work.org")

    by_name = await search(api, viewer, organization, lastName="smi", firstName="an")
    by_name_and_email = await search(
        api, viewer, organization, lastName="sm", firstName="ann", email="work"
    )
    by_everything = await search(
        api,
        viewer,
        organization,
        lastName="sm",
        firstName="ann",
        email="work",
        securityProfileIds=[profile("FA_VIEWER")],
    )

    assert [(n["firstName"], n["lastName"]) for n in by_name["nodes"]] == [
        ("Ann", "Smith"),
        ("Ann", "Smithers"),
    ]
    assert last_names(by_name_and_email) == ["Smith", "Smithers"]
    assert last_names(by_everything) == ["Smith"]
    assert by_everything["totalCount"] == 1


async def access_roster(factory: Factory, organization: Organization) -> None:
    """Four contacts: with access, linked but inactive, unlinked, unlinked and inactive."""
    await factory.contact(organization, last_name="Linked", account=await factory.account())
    await factory.contact(
        organization, last_name="LinkedInactive", account=await factory.account(), active=False
    )
    await factory.contact(organization, last_name="Unlinked")
    await factory.contact(organization, last_name="UnlinkedInactive", active=False)


async def test_has_access_true_lists_active_contacts_with_an_account(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await access_roster(factory, organization)

    found = await search(api, viewer, organization, hasAccess=True, activeOnly=False)

    assert last_names(found) == ["Linked", "Zwicker"]
    assert all(node["hasAccess"] for node in found["nodes"])
    assert found["totalCount"] == 2


async def test_has_access_false_lists_contacts_without_account_or_inactive(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await access_roster(factory, organization)

    everyone = await search(api, viewer, organization, hasAccess=False, activeOnly=False)
    active = await search(api, viewer, organization, hasAccess=False)

    assert last_names(everyone) == ["LinkedInactive", "Unlinked", "UnlinkedInactive"]
    assert not any(node["hasAccess"] for node in everyone["nodes"])
    assert everyone["totalCount"] == 3
    assert last_names(active) == ["Unlinked"]


async def test_active_only_lists_active_contacts(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    await access_roster(factory, organization)

    default = await search(api, viewer, organization)
    active = await search(api, viewer, organization, activeOnly=True)
    everyone = await search(api, viewer, organization, activeOnly=False)

    assert last_names(default) == last_names(active) == ["Linked", "Unlinked", "Zwicker"]
    assert all(node["isActive"] for node in active["nodes"])
    assert last_names(everyone) == [
        "Linked",
        "LinkedInactive",
        "Unlinked",
        "UnlinkedInactive",
        "Zwicker",
    ]
    assert everyone["totalCount"] == 5


MALFORMED_PROFILE_IDS = [
    "nope",
    gid(NodeType.CONTACT, 1),
    gid(NodeType.SECURITY_PROFILE, "org_admin"),
    "U2VjdXJpdHlQcm9maWxlOg",  # "SecurityProfile:" without a code
    "",
]


async def test_a_malformed_security_profile_id_is_bad_user_input(
    api: Api, factory: Factory
) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)

    for malformed in MALFORMED_PROFILE_IDS:
        body = await api.execute(
            SEARCH,
            {
                "id": gid(NodeType.ORGANIZATION, organization.id),
                "filter": {"securityProfileIds": [profile("FA_ADMIN"), malformed]},
            },
            token=viewer.token,
        )

        assert error_codes(body) == ["BAD_USER_INPUT"], malformed
        assert body["data"] == {"organization": None}, malformed


async def test_total_count_follows_the_filter_on_every_page(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for number in range(5):
        await factory.contact(organization, last_name=f"Match{number}")
        await factory.contact(organization, last_name=f"Other{number}")
    variables = {"id": gid(NodeType.ORGANIZATION, organization.id), "filter": {"lastName": "ma"}}

    seen: list[str] = []
    totals: list[int] = []
    after = None
    while True:
        data = await api.data(SEARCH, {**variables, "first": 2, "after": after}, token=viewer.token)
        page = data["organization"]["contacts"]
        seen += last_names(page)
        totals.append(page["totalCount"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [f"Match{number}" for number in range(5)]
    assert totals == [5, 5, 5]


async def test_a_last_name_prefix_search_is_an_index_range(
    backend: str, settings: Settings, factory: Factory
) -> None:
    """On PostgreSQL the page reads a range of ix_contacts_listing per value of isPrimary,
    merged without sorting, and the count a range of ix_contacts_last_name (seq scans off, as a
    small test table would otherwise make a scan cheaper)."""
    if backend != "postgresql":
        pytest.skip("the plan is checked on PostgreSQL")
    organization = await factory.organization()
    for last_name in ("Émond", "Emery", "Doucet"):
        await factory.contact(organization, last_name=last_name)
    search = contacts_statement(organization.id, ContactSearch(last_name="em"))
    page = CONTACT_ORDER.page_statement(search, 11, split=True)
    count = search.with_only_columns(func.count(), maintain_column_froms=True)
    engine = create_engine(settings.database_url)
    plans = []
    async with engine.connect() as connection:
        await connection.execute(text("SET enable_seqscan = off"))
        for statement in (page, count):
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
            rows = await connection.execute(text(f"EXPLAIN {compiled}"))
            plans.append("\n".join(row[0] for row in rows))
    await engine.dispose()
    page_plan, count_plan = plans

    assert "Merge Append" in page_plan, page_plan
    assert not [line for line in page_plan.splitlines() if line.lstrip("-> ").startswith("Sort  ")]
    assert page_plan.count("sort_last_name)::text >= 'em'") == 2, page_plan
    assert "ix_contacts_last_name" in count_plan, count_plan


async def test_typographic_apostrophes_and_dashes_are_the_keyboards(
    api: Api, factory: Factory
) -> None:
    """ "D’Amours" as a phone types it is found by "d'amours", and sorts where "d'Amours"
    would; the same for dashes."""
    organization = await factory.organization()
    viewer = await admin(factory, organization)
    for last_name in ("D\u2019Amours", "Daigle", "d'Entremont", "O\u2019Brien", "Smith\u2013Jones"):
        await factory.contact(organization, last_name=last_name)

    assert last_names(await search(api, viewer, organization, lastName="d'amours")) == [
        "D\u2019Amours"
    ]
    assert last_names(await search(api, viewer, organization, lastName="O'Brien")) == [
        "O\u2019Brien"
    ]
    assert last_names(await search(api, viewer, organization, lastName="smith-j")) == [
        "Smith\u2013Jones"
    ]
    listed = last_names(await search(api, viewer, organization))
    assert listed.index("D\u2019Amours") < listed.index("d'Entremont") < listed.index("Daigle")
