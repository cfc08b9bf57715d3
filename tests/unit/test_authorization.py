"""Who may do what, as plain functions: no database; the viewer, its memberships, the
organization and the catalogue are built by hand, the catalogue equal to the contract's table.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contacts_api.models import Account, Invitation, Language, Organization
from contacts_api.rules import authorization
from contacts_api.rules.authorization import Membership, Viewer
from tests.contract_catalogue import CATALOGUE, CONTRACT_CATALOGUE

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
