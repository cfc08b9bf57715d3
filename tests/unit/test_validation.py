"""Validation of contact input, as plain functions: every problem at once, with its path."""

from __future__ import annotations

from typing import Any

import pytest

from contacts_api.models import Language, PhoneKind, PhoneNumber
from contacts_api.rules.user_errors import ErrorCode
from contacts_api.rules.validation import UNSET, ContactInput, PhoneInput, Problems, clean_contact

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
