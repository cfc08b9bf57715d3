"""The rules as plain functions: who may do what, and how contact input is validated.

No database: the viewer, its memberships, the organization and the catalogue are built by
hand, the catalogue equal to the contract's table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models import (
    Account,
    Invitation,
    Language,
    Organization,
    PhoneKind,
    PhoneNumber,
    SecurityArea,
)
from resolvers import authorization
from resolvers.authorization import Membership, Viewer
from resolvers.catalogue import Catalogue, Profile
from resolvers.user_errors import ErrorCode
from resolvers.validation import UNSET, ContactInput, PhoneInput, Problems, clean_contact

# The contract's table: code, area, administrator, English, French.
CONTRACT_CATALOGUE = [
    (
        "ORG_ADMIN",
        SecurityArea.ORGANIZATION,
        True,
        "Organization Administrator",
        "Administrateur de l'organisme",
    ),
    (
        "FA_ADMIN",
        SecurityArea.FUNDING_AGREEMENTS,
        True,
        "Funding Agreements Administrator",
        "Administrateur des ententes de financement",
    ),
    (
        "FA_SUBMITTER",
        SecurityArea.FUNDING_AGREEMENTS,
        False,
        "Funding Agreements Submitter",
        "Soumission des ententes de financement",
    ),
    (
        "FA_SIGNER",
        SecurityArea.FUNDING_AGREEMENTS,
        False,
        "Funding Agreements Signing Authority",
        "Signataire des ententes de financement",
    ),
    (
        "FA_VIEWER",
        SecurityArea.FUNDING_AGREEMENTS,
        False,
        "Funding Agreements Read Only",
        "Ententes de financement, lecture seule",
    ),
    (
        "CM_ADMIN",
        SecurityArea.CASE_MANAGEMENT,
        True,
        "Case Management Administrator",
        "Administrateur de la gestion des dossiers",
    ),
    (
        "CM_PRACTITIONER",
        SecurityArea.CASE_MANAGEMENT,
        False,
        "Career Practitioner",
        "Praticien en développement de carrière",
    ),
    (
        "CM_VIEWER",
        SecurityArea.CASE_MANAGEMENT,
        False,
        "Case Management Read Only",
        "Gestion des dossiers, lecture seule",
    ),
]

CATALOGUE = Catalogue(
    Profile(
        code=code,
        area=area,
        is_administrator=administrator,
        name_en=english,
        name_fr=french,
        position=position,
    )
    for position, (code, area, administrator, english, french) in enumerate(
        CONTRACT_CATALOGUE, start=1
    )
)

ALL = frozenset(row[0] for row in CONTRACT_CATALOGUE)
FA = frozenset({"FA_ADMIN", "FA_SUBMITTER", "FA_SIGNER", "FA_VIEWER"})
CM = frozenset({"CM_ADMIN", "CM_PRACTITIONER", "CM_VIEWER"})
NONE: frozenset[str] = frozenset()

ORGANIZATION_ID = 10
OTHER_ORGANIZATION_ID = 20
CM_ORGANIZATION = Organization(
    id=ORGANIZATION_ID, name="Harbour Works", provides_case_management=True
)
PLAIN_ORGANIZATION = Organization(
    id=ORGANIZATION_ID, name="Harbour Works", provides_case_management=False
)


def viewer(
    *codes: str, staff: bool = False, organization_id: int | None = ORGANIZATION_ID
) -> Viewer:
    """A viewer who is an active contact of `organization_id` holding `codes` (None: of none)."""
    account = Account(id=1, email="viewer@example.org", name="Viewer", is_staff=staff)
    memberships = {}
    if organization_id is not None:
        memberships[organization_id] = Membership(contact_id=100, profile_codes=frozenset(codes))
    return Viewer(account=account, memberships=memberships)


STAFF = viewer(staff=True, organization_id=None)
VIEWERS: dict[str, Viewer | None] = {
    "anonymous": None,
    "staff": STAFF,
    "ORG_ADMIN": viewer("ORG_ADMIN"),
    "FA_ADMIN": viewer("FA_ADMIN"),
    "CM_ADMIN": viewer("CM_ADMIN"),
    "FA_ADMIN+CM_ADMIN": viewer("FA_ADMIN", "CM_ADMIN"),
    "FA_ADMIN+FA_SIGNER": viewer("FA_ADMIN", "FA_SIGNER"),
    "FA_SIGNER": viewer("FA_SIGNER"),
    "CM_PRACTITIONER": viewer("CM_PRACTITIONER"),
    "member without profile": viewer(),
    "ORG_ADMIN elsewhere": viewer("ORG_ADMIN", organization_id=OTHER_ORGANIZATION_ID),
    "account without contact": viewer(organization_id=None),
}


# The catalogue built here is the contract's


def test_the_hand_built_catalogue_is_the_contracts_table() -> None:
    assert [profile.code for profile in CATALOGUE.profiles] == [
        row[0] for row in CONTRACT_CATALOGUE
    ]
    assert {profile.code for profile in CATALOGUE.profiles if profile.is_administrator} == {
        "ORG_ADMIN",
        "FA_ADMIN",
        "CM_ADMIN",
    }
    assert CATALOGUE["CM_PRACTITIONER"].name_in(Language.FRENCH) == (
        "Praticien en développement de carrière"
    )


# assignable_profile_codes


@pytest.mark.parametrize(
    ("name", "in_case_management", "in_plain"),
    [
        ("anonymous", NONE, NONE),
        ("staff", ALL, ALL - CM),
        ("ORG_ADMIN", ALL, ALL - CM),
        ("FA_ADMIN", FA, FA),
        ("CM_ADMIN", CM, NONE),
        ("FA_ADMIN+CM_ADMIN", FA | CM, FA),
        ("FA_ADMIN+FA_SIGNER", FA, FA),
        ("FA_SIGNER", NONE, NONE),
        ("CM_PRACTITIONER", NONE, NONE),
        ("member without profile", NONE, NONE),
        ("ORG_ADMIN elsewhere", NONE, NONE),
        ("account without contact", NONE, NONE),
    ],
)
def test_assignable_profiles(
    name: str, in_case_management: frozenset[str], in_plain: frozenset[str]
) -> None:
    who = VIEWERS[name]
    assert authorization.assignable_profile_codes(who, CM_ORGANIZATION, CATALOGUE) == (
        in_case_management
    )
    assert authorization.assignable_profile_codes(who, PLAIN_ORGANIZATION, CATALOGUE) == in_plain


def test_an_area_administrator_may_assign_its_own_administrator_profile() -> None:
    assert "FA_ADMIN" in authorization.assignable_profile_codes(
        VIEWERS["FA_ADMIN"], CM_ORGANIZATION, CATALOGUE
    )
    assert "CM_ADMIN" in authorization.assignable_profile_codes(
        VIEWERS["CM_ADMIN"], CM_ORGANIZATION, CATALOGUE
    )
    assert "ORG_ADMIN" not in authorization.assignable_profile_codes(
        VIEWERS["FA_ADMIN+CM_ADMIN"], CM_ORGANIZATION, CATALOGUE
    )


# is_administrator


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anonymous", False),
        ("staff", True),
        ("ORG_ADMIN", True),
        ("FA_ADMIN", True),
        ("CM_ADMIN", True),
        ("FA_ADMIN+FA_SIGNER", True),
        ("FA_SIGNER", False),
        ("CM_PRACTITIONER", False),
        ("member without profile", False),
        ("ORG_ADMIN elsewhere", False),
        ("account without contact", False),
    ],
)
def test_is_administrator(name: str, expected: bool) -> None:
    assert authorization.is_administrator(VIEWERS[name], ORGANIZATION_ID, CATALOGUE) is expected


def test_an_administrator_elsewhere_administers_its_own_organization_only() -> None:
    elsewhere = VIEWERS["ORG_ADMIN elsewhere"]
    assert authorization.is_administrator(elsewhere, OTHER_ORGANIZATION_ID, CATALOGUE)
    assert not authorization.is_administrator(elsewhere, ORGANIZATION_ID, CATALOGUE)


# may_manage_contact: every profile held, and every profile the latest invitation can still
# grant (pending, or expired and resendable), must be assignable by the viewer

MANAGED: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    # contact: (profiles held, profiles of its latest invitation)
    "no profile": (NONE, NONE),
    "FA_SIGNER": (frozenset({"FA_SIGNER"}), NONE),
    "FA_ADMIN": (frozenset({"FA_ADMIN"}), NONE),
    "CM_PRACTITIONER": (frozenset({"CM_PRACTITIONER"}), NONE),
    "FA_SIGNER+CM_VIEWER": (frozenset({"FA_SIGNER", "CM_VIEWER"}), NONE),
    "ORG_ADMIN": (frozenset({"ORG_ADMIN"}), NONE),
    "invited FA_VIEWER": (NONE, frozenset({"FA_VIEWER"})),
    "invited CM_VIEWER": (NONE, frozenset({"CM_VIEWER"})),
    "FA_SIGNER invited CM_VIEWER": (frozenset({"FA_SIGNER"}), frozenset({"CM_VIEWER"})),
}

EVERY_CONTACT = frozenset(MANAGED)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def invitation(state: str) -> Invitation:
    """An invitation in `state`: pending, expired, accepted or revoked at NOW."""
    sent = NOW - timedelta(days=40 if state == "expired" else 1)
    return Invitation(
        sent_at=sent,
        expires_at=sent + timedelta(days=30),
        accepted_at=NOW if state == "accepted" else None,
        revoked_at=NOW if state == "revoked" else None,
    )


@pytest.mark.parametrize("state", ["pending", "expired"])
@pytest.mark.parametrize(
    ("name", "manageable"),
    [
        ("anonymous", NONE),
        ("staff", EVERY_CONTACT),
        ("ORG_ADMIN", EVERY_CONTACT),
        ("FA_ADMIN", frozenset({"no profile", "FA_SIGNER", "FA_ADMIN", "invited FA_VIEWER"})),
        ("CM_ADMIN", frozenset({"no profile", "CM_PRACTITIONER", "invited CM_VIEWER"})),
        (
            "FA_ADMIN+CM_ADMIN",
            EVERY_CONTACT - {"ORG_ADMIN"},
        ),
        ("FA_SIGNER", NONE),
        ("member without profile", NONE),
        ("ORG_ADMIN elsewhere", NONE),
        ("account without contact", NONE),
    ],
)
def test_may_manage_contact(state: str, name: str, manageable: frozenset[str]) -> None:
    # An expired invitation counts as a pending one: a resend would revive it.
    who = VIEWERS[name]
    allowed = {
        contact
        for contact, (held, granted) in MANAGED.items()
        if authorization.may_manage_contact(
            who,
            CM_ORGANIZATION,
            CATALOGUE,
            held_codes=held,
            latest_invitation=invitation(state) if granted else None,
            latest_invitation_codes=granted,
        )
    }
    assert allowed == manageable


@pytest.mark.parametrize("state", ["accepted", "revoked"])
def test_an_invitation_that_can_no_longer_grant_does_not_count(state: str) -> None:
    assert authorization.may_manage_contact(
        VIEWERS["FA_ADMIN"],
        CM_ORGANIZATION,
        CATALOGUE,
        held_codes={"FA_SIGNER"},
        latest_invitation=invitation(state),
        latest_invitation_codes={"CM_VIEWER", "ORG_ADMIN"},
    )


def test_case_management_profiles_cannot_be_managed_where_they_cannot_be_assigned() -> None:
    # In an organization without case management nobody may assign CM profiles.
    for name in ("staff", "ORG_ADMIN", "CM_ADMIN"):
        assert not authorization.may_manage_contact(
            VIEWERS[name], PLAIN_ORGANIZATION, CATALOGUE, held_codes={"CM_VIEWER"}
        )


# may_set_primary_contact: ORG_ADMIN or staff


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("anonymous", False),
        ("staff", True),
        ("ORG_ADMIN", True),
        ("FA_ADMIN", False),
        ("CM_ADMIN", False),
        ("FA_ADMIN+CM_ADMIN", False),
        ("FA_SIGNER", False),
        ("member without profile", False),
        ("ORG_ADMIN elsewhere", False),
        ("account without contact", False),
    ],
)
def test_may_set_primary_contact(name: str, expected: bool) -> None:
    assert (
        authorization.may_set_primary_contact(VIEWERS[name], ORGANIZATION_ID, CATALOGUE) is expected
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [("anonymous", False), ("staff", True), ("ORG_ADMIN", False), ("FA_ADMIN", False)],
)
def test_may_create_organization(name: str, expected: bool) -> None:
    assert authorization.may_create_organization(VIEWERS[name]) is expected


# clean_contact


def clean(
    *, case_management: bool = False, adding: bool = True, **fields: Any
) -> tuple[dict[str, Any], list[tuple[tuple[str, ...] | None, ErrorCode]]]:
    """The values and the (path, code) of each problem for contact input `fields`."""
    if adding:
        fields = {"first_name": "Dana", "last_name": "Fraser", "email": "dana@example.org"} | fields
    problems = Problems()
    values = clean_contact(
        ContactInput(**fields), case_management=case_management, adding=adding, problems=problems
    )
    return values, [(error.field, error.code) for error in problems.errors]


def phone(
    number: str, extension: str | None = None, kind: PhoneKind = PhoneKind.WORK
) -> PhoneInput:
    return PhoneInput(kind, number, extension)


def test_a_valid_contact_is_cleaned() -> None:
    values, problems = clean(
        first_name="  Dana ",
        last_name="\tFraser  ",
        email="  dana.fraser@example.org ",
        title="  Manager  ",
        phone_numbers=[phone(" 902 555 0123 ", " 12 "), phone("+33 1 23 45 67 89")],
        preferred_language=Language.FRENCH,
        office_location=" Halifax ",
        position_type=" Counsellor ",
        fte=0.5,
    )
    assert problems == []
    assert values == {
        "first_name": "Dana",
        "last_name": "Fraser",
        "email": "dana.fraser@example.org",
        "title": "Manager",
        "phone_numbers": (
            PhoneNumber(PhoneKind.WORK, "+19025550123", "12"),
            PhoneNumber(PhoneKind.WORK, "+33123456789", None),
        ),
        "preferred_language": Language.FRENCH,
        "office_location": "Halifax",
        "position_type": "Counsellor",
        "fte": 0.5,
    }


def test_adding_fills_every_field_and_english_is_the_default_language() -> None:
    values, problems = clean()
    assert problems == []
    assert values["preferred_language"] is Language.ENGLISH
    assert values["title"] is None
    assert values["phone_numbers"] == ()
    assert values["fte"] is None
    assert values["office_location"] is None


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_names_and_email_are_required(blank: str | None) -> None:
    _, problems = clean(first_name=blank, last_name=blank, email=blank)
    assert problems == [
        (("input", "firstName"), ErrorCode.REQUIRED),
        (("input", "lastName"), ErrorCode.REQUIRED),
        (("input", "email"), ErrorCode.REQUIRED),
    ]


@pytest.mark.parametrize(
    ("field", "path", "maximum"),
    [
        ("first_name", "firstName", 100),
        ("last_name", "lastName", 100),
        ("title", "title", 150),
        ("office_location", "officeLocation", 150),
        ("position_type", "positionType", 150),
    ],
)
def test_text_lengths(field: str, path: str, maximum: int) -> None:
    values, problems = clean(**{field: "x" * maximum})
    assert problems == []
    assert values[field] == "x" * maximum
    _, problems = clean(**{field: "x" * (maximum + 1)})
    assert problems == [(("input", path), ErrorCode.TOO_LONG)]
    # The length is counted after trimming.
    _, problems = clean(**{field: "  " + "x" * maximum + "  "})
    assert problems == []


@pytest.mark.parametrize(
    "text", ["Da\x00na", "Da\x07na", "Dana\x1b", "Da\u200bna", "Da\nna", "Da\rna", "Da\tna"]
)
def test_control_characters_are_refused(text: str) -> None:
    _, problems = clean(first_name=text, title=text)
    assert problems == [
        (("input", "firstName"), ErrorCode.INVALID),
        (("input", "title"), ErrorCode.INVALID),
    ]


def test_accented_and_punctuated_names_are_accepted() -> None:
    values, problems = clean(first_name="Éloïse-Marie", last_name="O'Brien d'Entremont")
    assert problems == []
    assert values["first_name"] == "Éloïse-Marie"


@pytest.mark.parametrize(
    "email", ["not-an-email", "dana@", "@example.org", "dana@@example.org", "dana example@x.org"]
)
def test_email_syntax(email: str) -> None:
    _, problems = clean(email=email)
    assert problems == [(("input", "email"), ErrorCode.INVALID)]


def test_email_at_most_254_characters() -> None:
    local = "a" * 64
    domain = ".".join(["b" * 60, "c" * 60, "d" * 60, "e" * 40]) + ".org"
    email = f"{local}@{domain}"
    assert len(email) > 254
    _, problems = clean(email=email)
    assert problems == [(("input", "email"), ErrorCode.TOO_LONG)]


def test_email_needs_no_dns_lookup() -> None:
    _, problems = clean(email="someone@unregistered-domain-for-tests.example")
    assert problems == []


@pytest.mark.parametrize(
    ("number", "e164"),
    [
        ("902 555 0123", "+19025550123"),
        ("(902) 555-0123", "+19025550123"),
        ("902.555.0123", "+19025550123"),
        ("1-902-555-0123", "+19025550123"),
        ("+1 902 555 0123", "+19025550123"),
        ("+33 1 23 45 67 89", "+33123456789"),
    ],
)
def test_phone_numbers_are_parsed_as_canadian_and_stored_as_e164(number: str, e164: str) -> None:
    values, problems = clean(phone_numbers=[phone(number, kind=PhoneKind.MOBILE)])
    assert problems == []
    assert values["phone_numbers"] == (PhoneNumber(PhoneKind.MOBILE, e164, None),)


@pytest.mark.parametrize("number", ["123", "555-0123", "not a number", "+1 000 000 0000", "9" * 41])
def test_an_invalid_phone_number(number: str) -> None:
    _, problems = clean(phone_numbers=[phone("902 555 0123"), phone(number)])
    assert problems == [(("input", "phoneNumbers", "1", "number"), ErrorCode.INVALID)]


def test_a_blank_phone_number_is_required() -> None:
    _, problems = clean(phone_numbers=[phone("  ")])
    assert problems == [(("input", "phoneNumbers", "0", "number"), ErrorCode.REQUIRED)]


def test_at_most_five_phone_numbers() -> None:
    values, problems = clean(phone_numbers=[phone("902 555 0123")] * 5)
    assert problems == []
    assert len(values["phone_numbers"]) == 5
    _, problems = clean(phone_numbers=[phone("902 555 0123")] * 6)
    assert problems == [(("input", "phoneNumbers"), ErrorCode.TOO_LONG)]


@pytest.mark.parametrize(
    ("extension", "expected"),
    [
        ("12", []),
        ("1234567890", []),
        ("12a", [(("input", "phoneNumbers", "0", "extension"), ErrorCode.INVALID)]),
        ("x12", [(("input", "phoneNumbers", "0", "extension"), ErrorCode.INVALID)]),
        ("١٢", [(("input", "phoneNumbers", "0", "extension"), ErrorCode.INVALID)]),
        ("12345678901", [(("input", "phoneNumbers", "0", "extension"), ErrorCode.TOO_LONG)]),
    ],
)
def test_extensions_are_digits_only_at_most_ten(
    extension: str, expected: list[tuple[tuple[str, ...], ErrorCode]]
) -> None:
    _, problems = clean(phone_numbers=[phone("902 555 0123", extension)])
    assert problems == expected


def test_a_blank_extension_is_none() -> None:
    values, problems = clean(phone_numbers=[phone("902 555 0123", "  ")])
    assert problems == []
    assert values["phone_numbers"][0].extension is None


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0.01, None),
        (0.5, None),
        (0.25, None),
        (1.0, None),
        (0.0, ErrorCode.OUT_OF_RANGE),
        (-0.5, ErrorCode.OUT_OF_RANGE),
        (1.01, ErrorCode.OUT_OF_RANGE),
        (1.5, ErrorCode.OUT_OF_RANGE),
        (float("inf"), ErrorCode.OUT_OF_RANGE),
        (float("nan"), ErrorCode.OUT_OF_RANGE),
        (0.333, ErrorCode.INVALID),
        (0.005, ErrorCode.INVALID),
    ],
)
def test_fte_above_0_at_most_1_with_two_decimals(value: float, code: ErrorCode | None) -> None:
    _, problems = clean(fte=value)
    assert problems == ([] if code is None else [(("input", "fte"), code)])


def test_case_management_fields_are_required_on_add() -> None:
    _, problems = clean(case_management=True)
    assert problems == [
        (("input", "officeLocation"), ErrorCode.REQUIRED),
        (("input", "positionType"), ErrorCode.REQUIRED),
        (("input", "fte"), ErrorCode.REQUIRED),
    ]
    _, problems = clean(case_management=True, office_location=" ", position_type="", fte=None)
    assert [code for _, code in problems] == [ErrorCode.REQUIRED] * 3
    values, problems = clean(
        case_management=True, office_location="Halifax", position_type="Counsellor", fte=1.0
    )
    assert problems == []
    assert values["office_location"] == "Halifax"


def test_case_management_fields_are_optional_elsewhere() -> None:
    values, problems = clean(case_management=False)
    assert problems == []
    assert values["office_location"] is values["position_type"] is values["fte"] is None


def test_case_management_fields_cannot_be_cleared_on_update() -> None:
    _, problems = clean(
        case_management=True, adding=False, office_location=None, position_type=" ", fte=None
    )
    assert problems == [
        (("input", "officeLocation"), ErrorCode.REQUIRED),
        (("input", "positionType"), ErrorCode.REQUIRED),
        (("input", "fte"), ErrorCode.REQUIRED),
    ]


def test_case_management_fields_left_out_of_an_update_are_not_required() -> None:
    values, problems = clean(case_management=True, adding=False, title="Manager")
    assert problems == []
    assert values == {"title": "Manager"}


def test_an_update_cleans_only_the_fields_given() -> None:
    values, problems = clean(adding=False, last_name="  Émond ", phone_numbers=None, title=None)
    assert problems == []
    assert values == {"last_name": "Émond", "title": None, "phone_numbers": ()}


def test_an_update_may_not_clear_a_required_field() -> None:
    _, problems = clean(adding=False, first_name=None, last_name="  ", email=None)
    assert problems == [
        (("input", "firstName"), ErrorCode.REQUIRED),
        (("input", "lastName"), ErrorCode.REQUIRED),
        (("input", "email"), ErrorCode.REQUIRED),
    ]


def test_an_update_leaving_everything_out_changes_nothing() -> None:
    values, problems = clean(adding=False)
    assert problems == []
    assert values == {}
    assert ContactInput().first_name is UNSET


def test_every_problem_is_reported_at_once() -> None:
    _, problems = clean(
        case_management=True,
        first_name="",
        last_name="x" * 101,
        email="not-an-email",
        title="Bad\x00title",
        phone_numbers=[phone("123"), phone("902 555 0123", "ext")],
        office_location=None,
        position_type="y" * 151,
        fte=1.5,
    )
    assert sorted(problems, key=str) == sorted(
        [
            (("input", "firstName"), ErrorCode.REQUIRED),
            (("input", "lastName"), ErrorCode.TOO_LONG),
            (("input", "email"), ErrorCode.INVALID),
            (("input", "title"), ErrorCode.INVALID),
            (("input", "phoneNumbers", "0", "number"), ErrorCode.INVALID),
            (("input", "phoneNumbers", "1", "extension"), ErrorCode.INVALID),
            (("input", "officeLocation"), ErrorCode.REQUIRED),
            (("input", "positionType"), ErrorCode.TOO_LONG),
            (("input", "fte"), ErrorCode.OUT_OF_RANGE),
        ],
        key=str,
    )
