"""Contact management through the API: each mutation's success, its user errors, its audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from contacts_api.models import Contact, Organization
from contacts_api.resolvers.ids import NodeType
from tests.clock import Clock
from tests.factories import Factory, Person, gid
from tests.graphql import Api, error_codes
from tests.operations import mutation

CONTACT_FIELDS = """
fragment ContactFields on Contact {
  id
  firstName
  lastName
  title
  email
  phoneNumbers { kind number extension display }
  preferredLanguage
  isPrimary
  isActive
  hasAccess
  isAdministrator
  securityProfiles { code }
  officeLocation
  positionType
  fte
  version
}
"""

CREATE_ORGANIZATION = mutation(
    "createOrganization",
    "organization { id name providesCaseManagement primaryContact { id } contacts { totalCount } auditEvents { totalCount nodes { action actor { id } contact { id } changes { field oldValue newValue } } } }",
)

ADD_CONTACT = mutation(
    "addContact",
    "contact { ...ContactFields } invitation { id }",
    CONTACT_FIELDS,
)

UPDATE_CONTACT = mutation("updateContact", "contact { ...ContactFields }", CONTACT_FIELDS)

DEACTIVATE_CONTACT = mutation(
    "deactivateContact",
    "contact { ...ContactFields invitation { status revokedAt } }",
    CONTACT_FIELDS,
)

REACTIVATE_CONTACT = mutation("reactivateContact", "contact { ...ContactFields }", CONTACT_FIELDS)

SET_PRIMARY_CONTACT = mutation(
    "setPrimaryContact",
    "contact { id isPrimary version } previousPrimaryContact { id isPrimary }",
)

CONTACT = (
    """
query Contact($id: ID!) {
  node(id: $id) { ... on Contact { ...ContactFields invitation { status } } }
}
"""
    + CONTACT_FIELDS
)

CONTACTS = """
query Contacts($id: ID!, $filter: ContactFilter) {
  organization(id: $id) {
    primaryContact { id }
    contacts(first: 100, filter: $filter) { totalCount nodes { id isPrimary isActive } }
  }
}
"""

ORGANIZATION = """
query Organization($id: ID!) {
  organization(id: $id) { id viewerIsAdministrator }
}
"""

AUDIT_EVENTS = """
query AuditEvents($id: ID!) {
  organization(id: $id) {
    auditEvents(first: 100) {
      totalCount
      nodes { action actor { id } contact { id } changes { field oldValue newValue } }
    }
  }
}
"""

ALL_PROFILES = [
    "ORG_ADMIN",
    "FA_ADMIN",
    "FA_SUBMITTER",
    "FA_SIGNER",
    "FA_VIEWER",
    "CM_ADMIN",
    "CM_PRACTITIONER",
    "CM_VIEWER",
]


def profile(code: str) -> str:
    return gid(NodeType.SECURITY_PROFILE, code)


def problems(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    """The (field, code) of each user error of a payload."""
    return [(error["field"], error["code"]) for error in payload["userErrors"]]


def changes(event: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {
        change["field"]: (change["oldValue"], change["newValue"]) for change in event["changes"]
    }


@dataclass(frozen=True)
class Scene:
    """An organization whose primary contact is its administrator, and staff."""

    organization: Organization
    administrator: Person
    staff: Person

    @property
    def id(self) -> str:
        return gid(NodeType.ORGANIZATION, self.organization.id)


async def scene(factory: Factory, *, case_management: bool = False) -> Scene:
    organization = await factory.organization("Harbour Works", case_management=case_management)
    administrator = await factory.member(organization, "ORG_ADMIN", first_name="Ada", primary=True)
    return Scene(organization, administrator, await factory.staff())


def contact_id(contact: Contact) -> str:
    return gid(NodeType.CONTACT, contact.id)


async def add(
    api: Api, scene: Scene, *, token: str | None = None, language: str | None = None, **fields: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organizationId": scene.id,
        "firstName": "Dana",
        "lastName": "Fraser",
        "email": "dana.fraser@example.org",
    }
    if scene.organization.provides_case_management:
        values |= {"officeLocation": "Halifax", "positionType": "Counsellor", "fte": 1}
    data = await api.data(
        ADD_CONTACT,
        {"input": values | fields},
        token=token or scene.administrator.token,
        language=language,
    )
    payload: dict[str, Any] = data["addContact"]
    return payload


async def update(
    api: Api, contact: Contact | str, token: str, language: str | None = None, **fields: Any
) -> dict[str, Any]:
    target = contact if isinstance(contact, str) else contact_id(contact)
    data = await api.data(
        UPDATE_CONTACT, {"input": {"contactId": target, **fields}}, token=token, language=language
    )
    payload: dict[str, Any] = data["updateContact"]
    return payload


async def read(api: Api, contact: Contact | str, token: str) -> dict[str, Any]:
    target = contact if isinstance(contact, str) else contact_id(contact)
    data = await api.data(CONTACT, {"id": target}, token=token)
    node: dict[str, Any] = data["node"]
    return node


async def audit(api: Api, scene: Scene) -> dict[str, Any]:
    """The organization's audit events, newest first, as staff reads them."""
    data = await api.data(AUDIT_EVENTS, {"id": scene.id}, token=scene.staff.token)
    events: dict[str, Any] = data["organization"]["auditEvents"]
    return events


async def audit_count(api: Api, scene: Scene) -> int:
    return int((await audit(api, scene))["totalCount"])


# createOrganization


async def test_staff_creates_an_organization(api: Api, factory: Factory) -> None:
    staff = await factory.staff()

    data = await api.data(
        CREATE_ORGANIZATION,
        {"input": {"name": "  Cape Breton Works  ", "providesCaseManagement": True}},
        token=staff.token,
    )

    payload = data["createOrganization"]
    assert payload["userErrors"] == []
    organization = payload["organization"]
    assert organization["name"] == "Cape Breton Works"
    assert organization["providesCaseManagement"] is True
    assert organization["primaryContact"] is None
    assert organization["contacts"] == {"totalCount": 0}
    events = organization["auditEvents"]
    assert events["totalCount"] == 1
    [event] = events["nodes"]
    assert event["action"] == "ORGANIZATION_CREATED"
    assert event["actor"] == {"id": gid(NodeType.ACCOUNT, staff.account_id)}
    assert event["contact"] is None
    assert changes(event) == {
        "name": (None, "Cape Breton Works"),
        "providesCaseManagement": (None, "true"),
    }
    found = await api.data(ORGANIZATION, {"id": organization["id"]}, token=staff.token)
    assert found["organization"]["id"] == organization["id"]


@pytest.mark.parametrize(
    ("name", "code"), [("", "REQUIRED"), ("   ", "REQUIRED"), ("x" * 1000, "TOO_LONG")]
)
async def test_an_organization_name_is_required_and_not_too_long(
    api: Api, factory: Factory, name: str, code: str
) -> None:
    staff = await factory.staff()

    data = await api.data(
        CREATE_ORGANIZATION,
        {"input": {"name": name, "providesCaseManagement": False}},
        token=staff.token,
    )

    payload = data["createOrganization"]
    assert payload["organization"] is None
    assert problems(payload) == [(["input", "name"], code)]
    organizations = await api.data(
        "query { viewer { organizations { totalCount } } }", token=staff.token
    )
    assert organizations["viewer"]["organizations"]["totalCount"] == 0


# addContact without invitation


async def test_an_administrator_adds_a_contact_without_access(api: Api, factory: Factory) -> None:
    s = await scene(factory)

    payload = await add(
        api,
        s,
        firstName="  Dana ",
        lastName=" Fraser  ",
        email="  dana.fraser@example.org ",
        title="  Program Manager ",
        phoneNumbers=[
            {"kind": "WORK", "number": "902 555 0123", "extension": " 12 "},
            {"kind": "MOBILE", "number": "+33 1 23 45 67 89"},
        ],
        preferredLanguage="FRENCH",
    )

    assert payload["userErrors"] == []
    assert payload["invitation"] is None
    contact = payload["contact"]
    assert contact.pop("id")
    assert contact == {
        "firstName": "Dana",
        "lastName": "Fraser",
        "title": "Program Manager",
        "email": "dana.fraser@example.org",
        "phoneNumbers": [
            {
                "kind": "WORK",
                "number": "+19025550123",
                "extension": "12",
                "display": "(902) 555-0123 ext. 12",
            },
            {
                "kind": "MOBILE",
                "number": "+33123456789",
                "extension": None,
                "display": "+33 1 23 45 67 89",
            },
        ],
        "preferredLanguage": "FRENCH",
        "isPrimary": False,
        "isActive": True,
        "hasAccess": False,
        "isAdministrator": False,
        "securityProfiles": [],
        "officeLocation": None,
        "positionType": None,
        "fte": None,
        "version": 1,
    }


async def test_adding_a_contact_writes_a_contact_added_event(api: Api, factory: Factory) -> None:
    s = await scene(factory)

    payload = await add(api, s, title="Manager")

    events = await audit(api, s)
    assert events["totalCount"] == 1
    [event] = events["nodes"]
    assert event["action"] == "CONTACT_ADDED"
    assert event["actor"] == {"id": gid(NodeType.ACCOUNT, s.administrator.account_id)}
    assert event["contact"] == {"id": payload["contact"]["id"]}
    recorded = changes(event)
    assert recorded["firstName"] == (None, "Dana")
    assert recorded["lastName"] == (None, "Fraser")
    assert recorded["email"] == (None, "dana.fraser@example.org")
    assert recorded["title"] == (None, "Manager")


async def test_preferred_language_is_english_when_left_out(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    payload = await add(api, s)
    assert payload["contact"]["preferredLanguage"] == "ENGLISH"


@pytest.mark.parametrize("blank", ["", "   "])
async def test_names_and_email_are_required(api: Api, factory: Factory, blank: str) -> None:
    s = await scene(factory)

    payload = await add(api, s, firstName=blank, lastName=blank, email=blank)

    assert payload["contact"] is None
    assert problems(payload) == [
        (["input", "firstName"], "REQUIRED"),
        (["input", "lastName"], "REQUIRED"),
        (["input", "email"], "REQUIRED"),
    ]
    assert await audit_count(api, s) == 0


@pytest.mark.parametrize("field", ["firstName", "lastName"])
async def test_names_are_at_most_100_characters(api: Api, factory: Factory, field: str) -> None:
    s = await scene(factory)

    too_long = await add(api, s, **{field: "é" * 101})
    longest = await add(api, s, **{field: "é" * 100})

    assert problems(too_long) == [(["input", field], "TOO_LONG")]
    assert longest["userErrors"] == []
    assert longest["contact"][field] == "é" * 100


@pytest.mark.parametrize("field", ["title", "officeLocation", "positionType"])
async def test_other_text_is_at_most_150_characters(api: Api, factory: Factory, field: str) -> None:
    s = await scene(factory)

    too_long = await add(api, s, **{field: "x" * 151})
    longest = await add(api, s, **{field: "x" * 150})

    assert problems(too_long) == [(["input", field], "TOO_LONG")]
    assert longest["userErrors"] == []


@pytest.mark.parametrize("email", ["not-an-email", "dana@", "dana@@example.org"])
async def test_an_email_must_be_valid(api: Api, factory: Factory, email: str) -> None:
    s = await scene(factory)
    payload = await add(api, s, email=email)
    assert problems(payload) == [(["input", "email"], "INVALID")]


async def test_an_email_is_taken_ignoring_case_inactive_contacts_included(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    await factory.contact(s.organization, email="dana.fraser@example.org", active=False)
    elsewhere = await factory.organization()
    await factory.contact(elsewhere, email="sam@example.org")

    taken = await add(api, s, email="Dana.Fraser@EXAMPLE.org")
    free = await add(api, s, email="sam@example.org")

    assert taken["contact"] is None
    assert problems(taken) == [(["input", "email"], "TAKEN")]
    assert free["userErrors"] == []


async def test_phone_numbers_at_most_five(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    phones = [{"kind": "WORK", "number": f"902 555 012{index}"} for index in range(6)]

    too_many = await add(api, s, phoneNumbers=phones)
    five = await add(api, s, phoneNumbers=phones[:5])

    assert problems(too_many) == [(["input", "phoneNumbers"], "TOO_LONG")]
    assert five["userErrors"] == []
    assert [phone["number"] for phone in five["contact"]["phoneNumbers"]] == [
        f"+1902555012{index}" for index in range(5)
    ]


@pytest.mark.parametrize(
    ("phone", "path", "code"),
    [
        ({"kind": "WORK", "number": "123"}, "number", "INVALID"),
        ({"kind": "WORK", "number": "not a number"}, "number", "INVALID"),
        ({"kind": "FAX", "number": "902 555 0123", "extension": "12a"}, "extension", "INVALID"),
        ({"kind": "FAX", "number": "902 555 0123", "extension": "1" * 11}, "extension", "TOO_LONG"),
    ],
)
async def test_a_bad_phone_number(
    api: Api, factory: Factory, phone: dict[str, str], path: str, code: str
) -> None:
    s = await scene(factory)
    payload = await add(api, s, phoneNumbers=[phone])
    assert problems(payload) == [(["input", "phoneNumbers", "0", path], code)]


@pytest.mark.parametrize(
    ("fte", "code"),
    [(0, "OUT_OF_RANGE"), (-1, "OUT_OF_RANGE"), (1.5, "OUT_OF_RANGE"), (0.333, "INVALID")],
)
async def test_a_bad_fte(api: Api, factory: Factory, fte: float, code: str) -> None:
    s = await scene(factory)
    payload = await add(api, s, fte=fte)
    assert problems(payload) == [(["input", "fte"], code)]


@pytest.mark.parametrize("fte", [1, 0.01, 0.25, 0.5])
async def test_a_good_fte(api: Api, factory: Factory, fte: float) -> None:
    s = await scene(factory)
    payload = await add(api, s, fte=fte)
    assert payload["userErrors"] == []
    assert payload["contact"]["fte"] == fte


async def test_case_management_fields_are_required_on_add(api: Api, factory: Factory) -> None:
    s = await scene(factory, case_management=True)

    missing = await add(api, s, officeLocation=None, positionType="  ", fte=None)
    complete = await add(
        api,
        s,
        email="sam@example.org",
        officeLocation=" Sydney ",
        positionType="Counsellor",
        fte=0.8,
    )

    assert missing["contact"] is None
    assert problems(missing) == [
        (["input", "officeLocation"], "REQUIRED"),
        (["input", "positionType"], "REQUIRED"),
        (["input", "fte"], "REQUIRED"),
    ]
    assert complete["userErrors"] == []
    contact = complete["contact"]
    assert (contact["officeLocation"], contact["positionType"], contact["fte"]) == (
        "Sydney",
        "Counsellor",
        0.8,
    )


async def test_case_management_fields_are_optional_elsewhere(api: Api, factory: Factory) -> None:
    s = await scene(factory, case_management=False)
    payload = await add(api, s, officeLocation=None, positionType=None, fte=None)
    assert payload["userErrors"] == []


async def test_every_problem_is_reported_at_once(api: Api, factory: Factory) -> None:
    s = await scene(factory, case_management=True)
    await factory.contact(s.organization, email="taken@example.org")

    payload = await add(
        api,
        s,
        firstName=" ",
        lastName="x" * 101,
        email="TAKEN@example.org",
        phoneNumbers=[{"kind": "WORK", "number": "902 555 0123"}, {"kind": "WORK", "number": "1"}],
        officeLocation=None,
        positionType=None,
        fte=2,
    )

    assert sorted(problems(payload)) == sorted(
        [
            (["input", "firstName"], "REQUIRED"),
            (["input", "lastName"], "TOO_LONG"),
            (["input", "email"], "TAKEN"),
            (["input", "phoneNumbers", "1", "number"], "INVALID"),
            (["input", "officeLocation"], "REQUIRED"),
            (["input", "positionType"], "REQUIRED"),
            (["input", "fte"], "OUT_OF_RANGE"),
        ]
    )


async def test_adding_to_an_organization_the_viewer_cannot_see_is_not_found(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    outsider = await factory.member(await factory.organization(), "ORG_ADMIN")

    payload = await add(api, s, token=outsider.token)
    missing = await add(
        api, s, token=outsider.token, organizationId=gid(NodeType.ORGANIZATION, 999_999)
    )

    assert problems(payload) == [(["input", "organizationId"], "NOT_FOUND")]
    assert missing["userErrors"] == payload["userErrors"]
    assert await audit_count(api, s) == 0


async def test_adding_to_an_organization_that_does_not_exist_is_not_found_even_for_staff(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)

    body = await api.execute(
        ADD_CONTACT,
        {
            "input": {
                "organizationId": gid(NodeType.ORGANIZATION, 999_999),
                "firstName": "Dana",
                "lastName": "Fraser",
                "email": "dana@example.org",
            }
        },
        token=s.staff.token,
    )

    assert "errors" not in body, body["errors"]
    assert problems(body["data"]["addContact"]) == [(["input", "organizationId"], "NOT_FOUND")]


@pytest.mark.parametrize(
    "organization_id", ["nope", "", gid(NodeType.CONTACT, 1), "T3JnYW5pemF0aW9uOi0x"]
)
async def test_a_malformed_organization_id_is_invalid(
    api: Api, factory: Factory, organization_id: str
) -> None:
    s = await scene(factory)
    payload = await add(api, s, organizationId=organization_id)
    assert problems(payload) == [(["input", "organizationId"], "INVALID")]


# Messages in the request's language


async def test_user_errors_are_in_the_callers_language(api: Api, factory: Factory) -> None:
    s = await scene(factory)

    english = await add(api, s, firstName="", fte=3, language="en")
    french = await add(api, s, firstName="", fte=3, language="fr-CA,fr;q=0.9,en;q=0.5")

    assert problems(english) == problems(french)
    assert [error["message"] for error in english["userErrors"]] == [
        "First name is required.",
        "The full-time equivalent must be above 0 and at most 1.",
    ]
    assert [error["message"] for error in french["userErrors"]] == [
        "Prénom\u00a0: ce champ est obligatoire.",
        "L'équivalent temps plein doit être supérieur à 0 et d'au plus 1.",
    ]


async def test_state_errors_are_in_the_callers_language_too(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    primary = s.administrator.contact_gid

    english = await api.data(
        DEACTIVATE_CONTACT, {"input": {"contactId": primary}}, token=s.staff.token, language="en"
    )
    french = await api.data(
        DEACTIVATE_CONTACT, {"input": {"contactId": primary}}, token=s.staff.token, language="fr"
    )

    [english_error] = english["deactivateContact"]["userErrors"]
    [french_error] = french["deactivateContact"]["userErrors"]
    assert english_error["code"] == french_error["code"] == "PRIMARY_CONTACT"
    assert english_error["message"].startswith("The primary contact cannot be deactivated")
    assert french_error["message"].startswith("La personne-ressource principale")


async def test_forbidden_is_in_the_callers_language(api: Api, factory: Factory) -> None:
    member = await factory.member(await factory.organization(), "FA_VIEWER")
    variables = {"input": {"name": "X", "providesCaseManagement": False}}

    english = await api.execute(CREATE_ORGANIZATION, variables, token=member.token)
    french = await api.execute(CREATE_ORGANIZATION, variables, token=member.token, language="fr")

    assert error_codes(english) == error_codes(french) == ["FORBIDDEN"]
    assert english["errors"][0]["message"] == "You do not have permission to do this."
    assert french["errors"][0]["message"] == "Vous n'avez pas l'autorisation de faire ceci."


# updateContact


async def test_an_update_changes_only_the_fields_given(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(
        s.organization, first_name="Dana", last_name="Fraser", title="Clerk", email="d@example.org"
    )

    payload = await update(api, contact, s.administrator.token, title="  Manager ")

    assert payload["userErrors"] == []
    updated = payload["contact"]
    assert (updated["firstName"], updated["lastName"], updated["email"]) == (
        "Dana",
        "Fraser",
        "d@example.org",
    )
    assert updated["title"] == "Manager"
    assert updated["version"] == 2
    assert (await read(api, contact, s.administrator.token))["title"] == "Manager"


async def test_an_update_of_every_field(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)

    payload = await update(
        api,
        contact,
        s.administrator.token,
        firstName=" Éloïse ",
        lastName="Émond",
        email="eloise@example.org",
        title="Director",
        phoneNumbers=[{"kind": "FAX", "number": "(902) 555-0199"}],
        preferredLanguage="FRENCH",
        officeLocation="Truro",
        positionType="Coordinator",
        fte=0.75,
    )

    assert payload["userErrors"] == []
    updated = payload["contact"]
    assert updated["firstName"] == "Éloïse"
    assert updated["lastName"] == "Émond"
    assert updated["email"] == "eloise@example.org"
    assert updated["phoneNumbers"] == [
        {"kind": "FAX", "number": "+19025550199", "extension": None, "display": "(902) 555-0199"}
    ]
    assert updated["preferredLanguage"] == "FRENCH"
    assert (updated["officeLocation"], updated["positionType"], updated["fte"]) == (
        "Truro",
        "Coordinator",
        0.75,
    )
    assert updated["version"] == 2


async def test_an_optional_field_set_to_null_is_cleared(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(
        s.organization, title="Clerk", office_location="Halifax", position_type="Clerk", fte=0.5
    )
    await update(
        api, contact, s.administrator.token, phoneNumbers=[{"kind": "WORK", "number": "9025550123"}]
    )

    payload = await update(
        api,
        contact,
        s.administrator.token,
        title=None,
        phoneNumbers=None,
        officeLocation=None,
        positionType=None,
        fte=None,
    )

    assert payload["userErrors"] == []
    updated = payload["contact"]
    assert updated["title"] is None
    assert updated["phoneNumbers"] == []
    assert updated["officeLocation"] is updated["positionType"] is updated["fte"] is None


@pytest.mark.parametrize("field", ["firstName", "lastName", "email"])
async def test_a_required_field_cannot_be_cleared(api: Api, factory: Factory, field: str) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)

    cleared = await update(api, contact, s.administrator.token, **{field: None})
    blank = await update(api, contact, s.administrator.token, **{field: "  "})

    assert problems(cleared) == [(["input", field], "REQUIRED")]
    assert problems(blank) == [(["input", field], "REQUIRED")]
    assert (await read(api, contact, s.administrator.token))["version"] == 1


@pytest.mark.parametrize("field", ["officeLocation", "positionType", "fte"])
async def test_case_management_fields_cannot_be_cleared(
    api: Api, factory: Factory, field: str
) -> None:
    s = await scene(factory, case_management=True)
    contact = await factory.contact(
        s.organization, office_location="Halifax", position_type="Counsellor", fte=1.0
    )

    payload = await update(api, contact, s.administrator.token, **{field: None})

    assert problems(payload) == [(["input", field], "REQUIRED")]
    after = await read(api, contact, s.administrator.token)
    assert (after["officeLocation"], after["positionType"], after["fte"], after["version"]) == (
        "Halifax",
        "Counsellor",
        1.0,
        1,
    )


async def test_an_update_validates_like_an_add(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)

    payload = await update(
        api,
        contact,
        s.administrator.token,
        firstName="x" * 101,
        email="nope",
        phoneNumbers=[{"kind": "WORK", "number": "12", "extension": "a"}],
        fte=0.333,
    )

    assert sorted(problems(payload)) == [
        (["input", "email"], "INVALID"),
        (["input", "firstName"], "TOO_LONG"),
        (["input", "fte"], "INVALID"),
        (["input", "phoneNumbers", "0", "number"], "INVALID"),
    ]


async def test_an_email_taken_by_another_contact_on_update(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    await factory.contact(s.organization, email="taken@example.org", active=False)
    contact = await factory.contact(s.organization, email="dana@example.org")

    taken = await update(api, contact, s.administrator.token, email="Taken@Example.org")
    own = await update(api, contact, s.administrator.token, email="DANA@example.org")

    assert problems(taken) == [(["input", "email"], "TAKEN")]
    assert own["userErrors"] == []
    assert own["contact"]["email"] == "DANA@example.org"


async def test_version_grows_by_one_per_change_and_not_without_change(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, first_name="Dana", title="Clerk")
    token = s.administrator.token

    versions = [(await update(api, contact, token, title="Manager"))["contact"]["version"]]
    versions.append((await update(api, contact, token, title=" Manager "))["contact"]["version"])
    versions.append((await update(api, contact, token, firstName="Dana"))["contact"]["version"])
    versions.append((await update(api, contact, token))["contact"]["version"])
    versions.append(
        (await update(api, contact, token, firstName="Danielle", lastName="Roy"))["contact"][
            "version"
        ]
    )

    assert versions == [2, 2, 2, 2, 3]
    assert [event["action"] for event in (await audit(api, s))["nodes"]] == [
        "CONTACT_UPDATED",
        "CONTACT_UPDATED",
    ]


async def test_a_security_change_grows_the_version(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER"])

    payload = await update(
        api, contact, s.administrator.token, securityProfileIds=[profile("FA_VIEWER")]
    )

    assert payload["userErrors"] == []
    assert payload["contact"]["version"] == 2


async def test_the_expected_version_must_be_current(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, title="Clerk")
    token = s.administrator.token
    await update(api, contact, token, title="Manager")

    stale = await update(api, contact, token, expectedVersion=1, title="Director")
    current = await update(api, contact, token, expectedVersion=2, title="Director")

    assert stale["contact"] is None
    assert problems(stale) == [(["input", "expectedVersion"], "STALE")]
    assert current["userErrors"] == []
    assert current["contact"]["title"] == "Director"
    assert current["contact"]["version"] == 3
    assert (await audit(api, s))["totalCount"] == 2


async def test_a_stale_update_changes_nothing(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, title="Clerk", profiles=["FA_SIGNER"])
    before = await read(api, contact, s.administrator.token)

    stale = await update(
        api,
        contact,
        s.administrator.token,
        expectedVersion=7,
        title="Director",
        securityProfileIds=[profile("FA_VIEWER")],
    )

    assert problems(stale) == [(["input", "expectedVersion"], "STALE")]
    assert await read(api, contact, s.administrator.token) == before
    assert await audit_count(api, s) == 0


async def test_an_area_administrator_replaces_the_profiles_of_its_area(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory, case_management=True)
    fa_admin = await factory.member(s.organization, "FA_ADMIN")
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER"])

    payload = await update(
        api,
        contact,
        fa_admin.token,
        securityProfileIds=[profile("FA_VIEWER"), profile("FA_SUBMITTER")],
    )

    assert payload["userErrors"] == []
    assert [p["code"] for p in payload["contact"]["securityProfiles"]] == [
        "FA_SUBMITTER",
        "FA_VIEWER",
    ]
    events = await audit(api, s)
    [event] = events["nodes"]
    assert event["action"] == "SECURITY_CHANGED"
    assert event["actor"] == {"id": gid(NodeType.ACCOUNT, fa_admin.account_id)}
    assert event["contact"] == {"id": contact_id(contact)}
    assert changes(event) == {"securityProfiles": ("FA_SIGNER", "FA_SUBMITTER, FA_VIEWER")}


async def test_an_area_administrator_may_grant_its_own_administrator_profile(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory, case_management=True)
    cm_admin = await factory.member(s.organization, "CM_ADMIN")
    contact = await factory.contact(s.organization, profiles=["CM_VIEWER"])

    payload = await update(api, contact, cm_admin.token, securityProfileIds=[profile("CM_ADMIN")])

    assert payload["userErrors"] == []
    assert [p["code"] for p in payload["contact"]["securityProfiles"]] == ["CM_ADMIN"]
    assert payload["contact"]["isAdministrator"] is True


async def test_an_organization_administrator_replaces_every_profile(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory, case_management=True)
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER", "CM_VIEWER"])

    payload = await update(
        api,
        contact,
        s.administrator.token,
        securityProfileIds=[profile("CM_PRACTITIONER"), profile("ORG_ADMIN")],
    )

    assert payload["userErrors"] == []
    assert [p["code"] for p in payload["contact"]["securityProfiles"]] == [
        "ORG_ADMIN",
        "CM_PRACTITIONER",
    ]


async def test_an_empty_list_of_profiles_removes_them(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER", "FA_VIEWER"])

    payload = await update(api, contact, s.administrator.token, securityProfileIds=[])

    assert payload["userErrors"] == []
    assert payload["contact"]["securityProfiles"] == []


async def test_profiles_left_out_stay(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER"])

    payload = await update(api, contact, s.administrator.token, title="Signer")

    assert [p["code"] for p in payload["contact"]["securityProfiles"]] == ["FA_SIGNER"]


async def test_a_profile_the_viewer_may_not_assign(api: Api, factory: Factory) -> None:
    s = await scene(factory, case_management=True)
    fa_admin = await factory.member(s.organization, "FA_ADMIN")
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER"])

    payload = await update(
        api,
        contact,
        fa_admin.token,
        securityProfileIds=[profile("CM_VIEWER"), profile("FA_VIEWER"), profile("ORG_ADMIN")],
    )

    assert payload["contact"] is None
    assert problems(payload) == [
        (["input", "securityProfileIds", "0"], "NOT_ASSIGNABLE"),
        (["input", "securityProfileIds", "2"], "NOT_ASSIGNABLE"),
    ]
    after = await read(api, contact, s.administrator.token)
    assert [p["code"] for p in after["securityProfiles"]] == ["FA_SIGNER"]
    assert await audit_count(api, s) == 0


async def test_case_management_profiles_are_not_assignable_without_case_management(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory, case_management=False)
    contact = await factory.contact(s.organization)

    payload = await update(
        api, contact, s.staff.token, securityProfileIds=[profile("FA_VIEWER"), profile("CM_VIEWER")]
    )

    assert problems(payload) == [(["input", "securityProfileIds", "1"], "NOT_ASSIGNABLE")]


async def test_a_malformed_profile_id_is_invalid(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)

    payload = await update(
        api, contact, s.administrator.token, securityProfileIds=[profile("FA_VIEWER"), "nope"]
    )

    assert problems(payload) == [(["input", "securityProfileIds", "1"], "INVALID")]


async def test_the_last_administrator_keeps_an_administrator_profile(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)

    own = await update(
        api,
        s.administrator.contact_gid,
        s.administrator.token,
        securityProfileIds=[profile("FA_VIEWER")],
    )

    assert own["contact"] is None
    assert [error["code"] for error in own["userErrors"]] == ["LAST_ADMINISTRATOR"]
    after = await read(api, s.administrator.contact_gid, s.staff.token)
    assert [p["code"] for p in after["securityProfiles"]] == ["ORG_ADMIN"]
    assert await audit_count(api, s) == 0


async def test_an_administrator_profile_may_go_when_another_administrator_remains(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    await factory.member(s.organization, "FA_ADMIN")

    payload = await update(
        api,
        s.administrator.contact_gid,
        s.administrator.token,
        securityProfileIds=[profile("FA_VIEWER")],
    )

    assert payload["userErrors"] == []
    assert payload["contact"]["isAdministrator"] is False


async def test_an_administrator_without_access_does_not_count(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    await factory.contact(s.organization, profiles=["ORG_ADMIN"])  # no account
    await factory.member(s.organization, "ORG_ADMIN", active=False)

    payload = await update(
        api, s.administrator.contact_gid, s.administrator.token, securityProfileIds=[]
    )

    assert [error["code"] for error in payload["userErrors"]] == ["LAST_ADMINISTRATOR"]


async def test_staff_may_remove_the_last_administrator_profile(api: Api, factory: Factory) -> None:
    s = await scene(factory)

    payload = await update(
        api, s.administrator.contact_gid, s.staff.token, securityProfileIds=[profile("FA_VIEWER")]
    )

    assert payload["userErrors"] == []
    assert [p["code"] for p in payload["contact"]["securityProfiles"]] == ["FA_VIEWER"]


async def test_updating_a_contact_the_viewer_cannot_see_is_not_found(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, title="Clerk")
    outsider = await factory.member(await factory.organization(), "ORG_ADMIN")

    hidden = await update(api, contact, outsider.token, title="Hacked")
    missing = await update(api, gid(NodeType.CONTACT, 999_999), outsider.token, title="Hacked")
    malformed = await update(api, "nope", s.administrator.token, title="Hacked")

    assert problems(hidden) == [(["input", "contactId"], "NOT_FOUND")]
    assert missing["userErrors"] == hidden["userErrors"]
    assert problems(malformed) == [(["input", "contactId"], "INVALID")]
    assert (await read(api, contact, s.administrator.token))["title"] == "Clerk"


async def test_an_update_writes_each_changed_field_with_old_and_new_values(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    contact = await factory.contact(
        s.organization, first_name="Dana", title="Clerk", profiles=["FA_SIGNER"]
    )

    await update(
        api,
        contact,
        s.administrator.token,
        firstName="Dana",
        title=None,
        fte=0.5,
        phoneNumbers=[{"kind": "WORK", "number": "902 555 0123", "extension": "7"}],
        securityProfileIds=[profile("FA_SIGNER"), profile("FA_ADMIN")],
    )

    events = (await audit(api, s))["nodes"]
    assert {event["action"] for event in events} == {"CONTACT_UPDATED", "SECURITY_CHANGED"}
    for event in events:
        assert event["actor"] == {"id": gid(NodeType.ACCOUNT, s.administrator.account_id)}
        assert event["contact"] == {"id": contact_id(contact)}
    updated = next(event for event in events if event["action"] == "CONTACT_UPDATED")
    assert changes(updated) == {
        "title": ("Clerk", None),
        "fte": (None, "0.5"),
        "phoneNumbers": ("", "(902) 555-0123 ext. 7"),
    }
    security = next(event for event in events if event["action"] == "SECURITY_CHANGED")
    assert changes(security) == {"securityProfiles": ("FA_SIGNER", "FA_ADMIN, FA_SIGNER")}


# deactivateContact


async def test_a_deactivated_contact_is_inactive_and_hidden_by_default(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, profiles=["FA_SIGNER"])

    data = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": contact_id(contact)}},
        token=s.administrator.token,
    )

    payload = data["deactivateContact"]
    assert payload["userErrors"] == []
    assert payload["contact"]["isActive"] is False
    assert payload["contact"]["hasAccess"] is False
    assert payload["contact"]["version"] == 2
    listed = await api.data(CONTACTS, {"id": s.id}, token=s.administrator.token)
    assert contact_id(contact) not in [n["id"] for n in listed["organization"]["contacts"]["nodes"]]
    everyone = await api.data(
        CONTACTS, {"id": s.id, "filter": {"activeOnly": False}}, token=s.administrator.token
    )
    nodes = everyone["organization"]["contacts"]["nodes"]
    assert {"id": contact_id(contact), "isPrimary": False, "isActive": False} in nodes
    [event] = (await audit(api, s))["nodes"]
    assert event["action"] == "CONTACT_DEACTIVATED"
    assert event["actor"] == {"id": gid(NodeType.ACCOUNT, s.administrator.account_id)}
    assert event["contact"] == {"id": contact_id(contact)}
    assert changes(event) == {"isActive": ("true", "false")}


async def test_the_deactivated_persons_token_no_longer_opens_the_organization(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    member = await factory.member(s.organization, "FA_ADMIN")
    assert (await api.data(ORGANIZATION, {"id": s.id}, token=member.token))["organization"]

    await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": member.contact_gid}},
        token=s.administrator.token,
    )

    closed = await api.data(ORGANIZATION, {"id": s.id}, token=member.token)
    assert closed["organization"] is None
    body = await api.execute(
        UPDATE_CONTACT,
        {"input": {"contactId": s.administrator.contact_gid, "title": "x"}},
        token=member.token,
    )
    assert problems(body["data"]["updateContact"]) == [(["input", "contactId"], "NOT_FOUND")]


async def test_deactivating_revokes_a_pending_invitation(
    api: Api, factory: Factory, clock: Clock
) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)
    await factory.invitation(contact, "FA_VIEWER", inviter=s.administrator)
    clock.advance(hours=1)

    data = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": contact_id(contact)}},
        token=s.administrator.token,
    )

    invitation = data["deactivateContact"]["contact"]["invitation"]
    assert invitation["status"] == "REVOKED"
    assert invitation["revokedAt"] is not None
    actions = [event["action"] for event in (await audit(api, s))["nodes"]]
    assert sorted(actions) == ["CONTACT_DEACTIVATED", "INVITATION_REVOKED"]
    clock.advance(days=1)
    assert (await read(api, contact, s.administrator.token))["invitation"]["status"] == "REVOKED"


async def test_the_primary_contact_cannot_be_deactivated(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    await factory.member(s.organization, "ORG_ADMIN")

    data = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": s.administrator.contact_gid}},
        token=s.administrator.token,
    )

    payload = data["deactivateContact"]
    assert payload["contact"] is None
    assert [error["code"] for error in payload["userErrors"]] == ["PRIMARY_CONTACT"]
    assert (await read(api, s.administrator.contact_gid, s.staff.token))["isActive"] is True
    assert await audit_count(api, s) == 0


async def test_the_last_administrator_cannot_be_deactivated(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    await factory.contact(organization, primary=True)
    administrator = await factory.member(organization, "FA_ADMIN")
    staff = await factory.staff()
    s = Scene(organization, administrator, staff)

    refused = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": administrator.contact_gid}},
        token=administrator.token,
    )
    allowed = await api.data(
        DEACTIVATE_CONTACT, {"input": {"contactId": administrator.contact_gid}}, token=staff.token
    )

    assert [error["code"] for error in refused["deactivateContact"]["userErrors"]] == [
        "LAST_ADMINISTRATOR"
    ]
    assert allowed["deactivateContact"]["userErrors"] == []
    assert allowed["deactivateContact"]["contact"]["isActive"] is False
    assert [event["action"] for event in (await audit(api, s))["nodes"]] == ["CONTACT_DEACTIVATED"]


async def test_an_administrator_may_deactivate_another_administrator(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    other = await factory.member(s.organization, "ORG_ADMIN")

    data = await api.data(
        DEACTIVATE_CONTACT, {"input": {"contactId": other.contact_gid}}, token=s.administrator.token
    )

    assert data["deactivateContact"]["userErrors"] == []


async def test_deactivating_with_a_stale_version(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)

    stale = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": contact_id(contact), "expectedVersion": 2}},
        token=s.administrator.token,
    )
    current = await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": contact_id(contact), "expectedVersion": 1}},
        token=s.administrator.token,
    )

    assert problems(stale["deactivateContact"]) == [(["input", "expectedVersion"], "STALE")]
    assert current["deactivateContact"]["userErrors"] == []
    assert current["deactivateContact"]["contact"]["version"] == 2


async def test_deactivating_a_contact_the_viewer_cannot_see_is_not_found(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization)
    outsider = await factory.member(await factory.organization(), "ORG_ADMIN")

    data = await api.data(
        DEACTIVATE_CONTACT, {"input": {"contactId": contact_id(contact)}}, token=outsider.token
    )

    assert problems(data["deactivateContact"]) == [(["input", "contactId"], "NOT_FOUND")]
    assert (await read(api, contact, s.administrator.token))["isActive"] is True


# reactivateContact


async def test_a_reactivated_contact_has_access_again(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    member = await factory.member(s.organization, "FA_VIEWER")
    await api.data(
        DEACTIVATE_CONTACT,
        {"input": {"contactId": member.contact_gid}},
        token=s.administrator.token,
    )
    assert (await api.data(ORGANIZATION, {"id": s.id}, token=member.token))["organization"] is None

    data = await api.data(
        REACTIVATE_CONTACT,
        {"input": {"contactId": member.contact_gid, "expectedVersion": 2}},
        token=s.administrator.token,
    )

    payload = data["reactivateContact"]
    assert payload["userErrors"] == []
    assert payload["contact"]["isActive"] is True
    assert payload["contact"]["hasAccess"] is True
    assert payload["contact"]["version"] == 3
    assert [p["code"] for p in payload["contact"]["securityProfiles"]] == ["FA_VIEWER"]
    reopened = await api.data(ORGANIZATION, {"id": s.id}, token=member.token)
    assert reopened["organization"] == {"id": s.id, "viewerIsAdministrator": False}
    listed = await api.data(CONTACTS, {"id": s.id}, token=s.administrator.token)
    assert member.contact_gid in [n["id"] for n in listed["organization"]["contacts"]["nodes"]]
    event = (await audit(api, s))["nodes"][0]
    assert event["action"] == "CONTACT_REACTIVATED"
    assert event["actor"] == {"id": gid(NodeType.ACCOUNT, s.administrator.account_id)}
    assert event["contact"] == {"id": member.contact_gid}
    assert changes(event) == {"isActive": ("false", "true")}


async def test_reactivating_with_a_stale_version(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    contact = await factory.contact(s.organization, active=False)

    data = await api.data(
        REACTIVATE_CONTACT,
        {"input": {"contactId": contact_id(contact), "expectedVersion": 5}},
        token=s.administrator.token,
    )

    assert problems(data["reactivateContact"]) == [(["input", "expectedVersion"], "STALE")]
    assert (await read(api, contact, s.administrator.token))["isActive"] is False
    assert await audit_count(api, s) == 0


# setPrimaryContact


async def test_an_organization_administrator_sets_the_primary_contact(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    await factory.contact(s.organization, last_name="Aucoin")
    zed = await factory.contact(s.organization, first_name="Zed", last_name="Zwicker")

    data = await api.data(
        SET_PRIMARY_CONTACT, {"input": {"contactId": contact_id(zed)}}, token=s.administrator.token
    )

    payload = data["setPrimaryContact"]
    assert payload["userErrors"] == []
    assert payload["contact"] == {"id": contact_id(zed), "isPrimary": True, "version": 2}
    assert payload["previousPrimaryContact"] == {
        "id": s.administrator.contact_gid,
        "isPrimary": False,
    }
    listed = await api.data(CONTACTS, {"id": s.id}, token=s.administrator.token)
    organization = listed["organization"]
    assert organization["primaryContact"] == {"id": contact_id(zed)}
    nodes = organization["contacts"]["nodes"]
    assert nodes[0] == {"id": contact_id(zed), "isPrimary": True, "isActive": True}
    assert [node["isPrimary"] for node in nodes[1:]] == [False] * (len(nodes) - 1)
    events = (await audit(api, s))["nodes"]
    assert {event["action"] for event in events} == {"PRIMARY_CONTACT_CHANGED"}
    assert {event["contact"]["id"]: changes(event)["isPrimary"] for event in events} == {
        contact_id(zed): ("false", "true"),
        s.administrator.contact_gid: ("true", "false"),
    }
    assert {event["actor"]["id"] for event in events} == {
        gid(NodeType.ACCOUNT, s.administrator.account_id)
    }


async def test_staff_sets_the_first_primary_contact(api: Api, factory: Factory) -> None:
    organization = await factory.organization()
    contact = await factory.contact(organization)
    staff = await factory.staff()

    data = await api.data(
        SET_PRIMARY_CONTACT, {"input": {"contactId": contact_id(contact)}}, token=staff.token
    )

    payload = data["setPrimaryContact"]
    assert payload["userErrors"] == []
    assert payload["contact"]["isPrimary"] is True
    assert payload["previousPrimaryContact"] is None


async def test_an_inactive_contact_cannot_become_primary(api: Api, factory: Factory) -> None:
    s = await scene(factory)
    inactive = await factory.contact(s.organization, active=False)

    data = await api.data(
        SET_PRIMARY_CONTACT,
        {"input": {"contactId": contact_id(inactive)}},
        token=s.administrator.token,
    )

    payload = data["setPrimaryContact"]
    assert payload["contact"] is None
    assert problems(payload) == [(["input", "contactId"], "CONTACT_INACTIVE")]
    listed = await api.data(CONTACTS, {"id": s.id}, token=s.administrator.token)
    assert listed["organization"]["primaryContact"] == {"id": s.administrator.contact_gid}
    assert await audit_count(api, s) == 0


async def test_an_area_administrator_may_not_set_the_primary_contact(
    api: Api, factory: Factory
) -> None:
    s = await scene(factory)
    fa_admin = await factory.member(s.organization, "FA_ADMIN")
    contact = await factory.contact(s.organization)

    body = await api.execute(
        SET_PRIMARY_CONTACT, {"input": {"contactId": contact_id(contact)}}, token=fa_admin.token
    )

    assert error_codes(body) == ["FORBIDDEN"]
    assert await audit_count(api, s) == 0
