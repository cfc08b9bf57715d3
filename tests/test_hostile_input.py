"""Hostile input, generated: every mutation's input, and the reads that take ids or text.

Hypothesis draws long, empty, blank and unicode text (combining marks, right-to-left, emoji,
characters that grow when case-folded or decomposed), control characters and NUL, lone
surrogates (sent as JSON "\\ud800" escapes in a raw body), huge and odd numbers (2**63,
1e308, 1e400, -0.0, 5e-324, NaN as a bare token), wrong types (numbers for strings, lists
for objects, null for required values) and forged ids. Whatever it sends:

- the answer is HTTP 200 or 400 with a JSON body: the payload (with or without user errors)
  or GraphQL errors; never a 500, never INTERNAL_SERVER_ERROR, never a trace, SQL or secret;
- a rejected mutation changes nothing (every table compared, row by row);
- the database stays consistent: each contact's email_key is its email's canonical key, its
  sort keys are `models.text.folded` of its names, its values are within the contract's
  limits, an organization has at most one primary contact and keeps an administrator.

Each test builds one application and runs its examples against it, on SQLite and on
PostgreSQL; the examples are derandomized so that a run is reproducible.
"""

from __future__ import annotations

import base64
import json
import math
import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select

from contacts_api.models import (
    Base,
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationStatus,
)
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.models.emails import email_key
from contacts_api.models.text import folded
from contacts_api.resolvers.ids import NodeType, encode
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.factories import Factory

# Derandomized, so that every run sends the same examples; no example database written to
# the working tree; no shrinking: an example costs a fresh organization and a few requests,
# and the failing example is reported as it was sent (the tests of known values below pin
# the minimal cases).
EXAMPLES = hypothesis_settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)

USER_ERRORS = "userErrors { field message code }"
CONTACT = "id firstName lastName email title officeLocation positionType fte version"
DOCUMENTS = {
    "createOrganization": f"""
mutation CreateOrganization($input: CreateOrganizationInput!) {{
  createOrganization(input: $input) {{ organization {{ id name }} {USER_ERRORS} }}
}}""",
    "addContact": f"""
mutation AddContact($input: AddContactInput!) {{
  addContact(input: $input) {{
    contact {{ {CONTACT} phoneNumbers {{ kind number extension display }} }}
    invitation {{ id message status }}
    {USER_ERRORS}
  }}
}}""",
    "updateContact": f"""
mutation UpdateContact($input: UpdateContactInput!) {{
  updateContact(input: $input) {{
    contact {{ {CONTACT} phoneNumbers {{ number display }} securityProfiles {{ code }} }}
    {USER_ERRORS}
  }}
}}""",
    "inviteContact": f"""
mutation InviteContact($input: InviteContactInput!) {{
  inviteContact(input: $input) {{ invitation {{ id message }} contact {{ id }} {USER_ERRORS} }}
}}""",
    "resendInvitation": f"""
mutation ResendInvitation($input: ResendInvitationInput!) {{
  resendInvitation(input: $input) {{ invitation {{ id status }} {USER_ERRORS} }}
}}""",
    "revokeInvitation": f"""
mutation RevokeInvitation($input: RevokeInvitationInput!) {{
  revokeInvitation(input: $input) {{ invitation {{ id status }} {USER_ERRORS} }}
}}""",
    "acceptInvitation": f"""
mutation AcceptInvitation($input: AcceptInvitationInput!) {{
  acceptInvitation(input: $input) {{ contact {{ id }} {USER_ERRORS} }}
}}""",
    "deactivateContact": f"""
mutation DeactivateContact($input: DeactivateContactInput!) {{
  deactivateContact(input: $input) {{ contact {{ id isActive version }} {USER_ERRORS} }}
}}""",
    "reactivateContact": f"""
mutation ReactivateContact($input: ReactivateContactInput!) {{
  reactivateContact(input: $input) {{ contact {{ id isActive version }} {USER_ERRORS} }}
}}""",
    "setPrimaryContact": f"""
mutation SetPrimaryContact($input: SetPrimaryContactInput!) {{
  setPrimaryContact(input: $input) {{
    contact {{ id isPrimary }} previousPrimaryContact {{ id isPrimary }} {USER_ERRORS}
  }}
}}""",
}
PAYLOAD_OBJECTS = {
    "createOrganization": ("organization",),
    "addContact": ("contact",),
    "updateContact": ("contact",),
    "inviteContact": ("invitation",),
    "resendInvitation": ("invitation",),
    "revokeInvitation": ("invitation",),
    "acceptInvitation": ("contact",),
    "deactivateContact": ("contact",),
    "reactivateContact": ("contact",),
    "setPrimaryContact": ("contact",),
}
READS = """
query Reads($id: ID!, $ids: [ID!]!, $token: String!, $first: Int, $last: Int,
            $after: String, $before: String, $filter: ContactFilter) {
  node(id: $id) { id }
  nodes(ids: $ids) { id }
  invitationPreview(token: $token) { organizationName status }
  viewer {
    contacts {
      organization {
        contacts(first: $first, last: $last, after: $after, before: $before, filter: $filter) {
          totalCount
          nodes { id lastName }
        }
      }
    }
  }
}
"""
LEAK_MARKERS = (
    "Traceback",
    'File "',
    "sqlalchemy",
    "SELECT ",
    "asyncpg",
    "sqlite3",
    "psycopg",
    "INTERNAL_SERVER_ERROR",
)
E164 = re.compile(r"\+[1-9][0-9]{1,14}")
PROFILES = [
    "ORG_ADMIN",
    "FA_ADMIN",
    "FA_SUBMITTER",
    "FA_SIGNER",
    "FA_VIEWER",
    "CM_ADMIN",
    "CM_PRACTITIONER",
    "CM_VIEWER",
]
ADMINISTRATOR_PROFILES = {"ORG_ADMIN", "FA_ADMIN", "CM_ADMIN"}


# --- raw JSON ----------------------------------------------------------------------------------


class Raw(str):
    """A JSON fragment sent as it is: 1e400, -0, NaN, a deep nesting."""

    __slots__ = ()


class Omitted:
    """A key left out of its object (not even null)."""

    def __repr__(self) -> str:
        return "OMIT"


OMIT = Omitted()


def to_json(value: Any) -> str:
    """JSON text, ASCII only: lone surrogates go out as "\\ud800" escapes."""
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        members = [
            f"{json.dumps(key)}:{to_json(item)}"
            for key, item in value.items()
            if not isinstance(item, Omitted)
        ]
        return "{" + ",".join(members) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=True, allow_nan=False)


# --- strategies --------------------------------------------------------------------------------

WHITESPACE = " \t\n\r\x0b\x0c\x85\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f"
COMBINING = "\u0300\u0301\u0308\u0327\u0489\u20dd\u1ab0\u0e47"
RIGHT_TO_LEFT = "\u05d0\u05e9\u0627\u0644\u0639\u202e\u202b\u200f\u061c\u2067"
EMOJI = ["🙂", "👩‍👩‍👧", "🏳️‍🌈", "🇨🇦", "🧑‍🔬", "👍🏿", "\U0001f600", "©️"]
GROWING = "ß\ufb03\ufdfa\u0390\u0149\u3392\u0130\u1e9e\u01c4\u2474"  # longer once folded
CONTROL = "\x00\x01\x07\x08\x1b\x7f\x80\x9f\u200e\u2066\ufff9\U000e0001"
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
NAMES = ["Émond", "O'Brien", "Nguyễn", "Zoë", "李", "Ødegård", "Łukasz", "ʻOkina", "Mc-Neil"]


def _joined(pieces: st.SearchStrategy[str], *, min_size: int = 1, max_size: int = 12):
    return st.lists(pieces, min_size=min_size, max_size=max_size).map("".join)


def _repeated(pieces: list[str], sizes: list[int]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda piece, size: piece * size, st.sampled_from(pieces), st.sampled_from(sizes)
    )


TEXT_BRANCHES = [
    st.just(""),
    st.text(alphabet=WHITESPACE + INVISIBLE, min_size=1, max_size=12),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=30),
    _joined(st.sampled_from(list(COMBINING + RIGHT_TO_LEFT) + EMOJI + NAMES)),
    st.builds(
        lambda name, marks, space: f"{space}{name}{marks}{space}",
        st.sampled_from(NAMES),
        st.text(alphabet=COMBINING + INVISIBLE, max_size=4),
        st.sampled_from(["", " ", "\t", "\u3000"]),
    ),
    _joined(st.sampled_from(list(GROWING)), max_size=130),
    _repeated(
        ["a", "é", "🙂", " ", "ß", "\ufdfa", "e\u0301"],
        [50, 99, 100, 101, 150, 151, 254, 2000, 2001, 5000],
    ),
    _joined(st.sampled_from([*CONTROL, "a", "b"]), max_size=8),
    _joined(st.sampled_from([*SURROGATES, "a", "é"]), max_size=6),
    st.sampled_from(["null", "None", "undefined", "NaN", "0", "-1", "true", "{}", "[]"]),
    st.sampled_from(["' OR '1'='1", "%", "_", "\\", "%_\\%", "); DROP TABLE contacts; --"]),
    st.sampled_from(
        ["<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://x}", "../../etc/passwd"]
    ),
]

RAW_NUMBERS = [Raw("1e400"), Raw("-1e400"), Raw("-0"), Raw("1E-400"), Raw("NaN"), Raw("Infinity")]

WRONG_TYPES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.lists(st.integers(max_value=9), max_size=3),
    st.dictionaries(
        st.sampled_from(["a", "kind", "number", "__proto__"]), st.integers(), max_size=2
    ),
    st.sampled_from(RAW_NUMBERS),
    st.none(),
)

# Names that fit the 100 characters but not once folded into their sort keys.
GROWING_NAMES = _repeated(["ß", "\ufb03", "\ufdfa", "\u0390", "\u3392"], [34, 51, 60, 100])
NAME_VALUES = st.one_of(st.sampled_from(NAMES), GROWING_NAMES)
HOSTILE_TEXT = st.one_of(*TEXT_BRANCHES)


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, chosen in proportion to its weight (st.one_of flattens and
    weighs every branch alike, however nested)."""
    pool = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.sampled_from(pool).flatmap(lambda strategy: strategy)


HOSTILE = weighted((4, HOSTILE_TEXT), (1, WRONG_TYPES))


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Left out, null, or a value."""
    return st.one_of(st.just(OMIT), st.none(), strategy)


NUMBERS = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.decimals(min_value=0, max_value=1, places=2).map(float),
    st.sampled_from(
        [
            0,
            1,
            0.5,
            -0.0,
            0.0,
            5e-324,
            1e-12,
            4e-3,
            0.005,
            0.015,
            0.1 + 0.2,
            0.999999999999,
            1.0000000001,
            1.01,
            1e308,
            -1e308,
            2**31,
            2**53 + 1,
            2**63,
            2**64,
            -(2**63),
            *RAW_NUMBERS,
        ]
    ),
    st.integers(min_value=-(2**65), max_value=2**65),
    HOSTILE_TEXT,
)

INTEGERS = st.one_of(
    st.integers(min_value=-5, max_value=5),
    st.sampled_from([2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**53 + 1, 2**63, 10**30, 1.0, 1.5]),
    st.sampled_from(RAW_NUMBERS),
    HOSTILE_TEXT,
)

EMAILS = st.one_of(
    st.emails(),
    st.builds(lambda name: f"{name}@example.org", st.text(max_size=30)),
    st.builds(
        lambda local, domain: f"{local}@{domain}",
        _joined(st.sampled_from([*GROWING, "a", "\u0390"]), max_size=40),
        st.sampled_from(
            [
                "example.org",
                "bücher.example",
                "ß.example",
                ".".join(["a" * 63, "b" * 63, "c" * 50]) + ".org",
            ]
        ),
    ),
    st.sampled_from(
        [
            "a@b",
            "A@EXAMPLE.ORG",
            "a@example.org",
            "user@[127.0.0.1]",
            '"quoted spaces"@example.org',
            "a" * 64 + "@example.org",
            "a" * 65 + "@example.org",
            "x@" + "a" * 250 + ".org",
            "\u0390" * 32 + "@" + ".".join(["a" * 63, "b" * 63, "c" * 50]) + ".org",
            "İ" * 30 + "@example.org",
            "admin@example.org\x00@evil.example",
            "a@example.org\nBcc: victim@example.org",
            "=?utf-8?q?a?=@example.org",
        ]
    ),
    HOSTILE,
)

PHONE_NUMBERS = st.one_of(
    st.from_regex(r"\+?[0-9 ()\-.]{0,25}", fullmatch=True),
    st.sampled_from(
        [
            "902-555-0142",
            "(902) 555-0123",
            "+33 1 23 45 67 89",
            "1-800-FLOWERS",
            "911",
            "+1 902 555 0142 0142",
            "٩٠٢٥٥٥٠١٤٢",
            "９０２５５５０１４２",
            "+999 123",
            "0" * 40,
            "9" * 41,
            "902-555-0142 ext. 12",
        ]
    ),
    HOSTILE,
)

PHONE = st.fixed_dictionaries(
    {
        "kind": st.one_of(st.sampled_from(["WORK", "MOBILE", "FAX", "OTHER"]), HOSTILE),
        "number": PHONE_NUMBERS,
        "extension": optional(st.one_of(st.from_regex(r"[0-9]{0,12}", fullmatch=True), HOSTILE)),
    }
)
PHONES = st.one_of(st.lists(PHONE, max_size=7), WRONG_TYPES, PHONE)
LANGUAGES = st.one_of(st.sampled_from(["ENGLISH", "FRENCH"]), HOSTILE)
MESSAGES = st.one_of(
    HOSTILE,
    _repeated(["a", "\n", "🙂", "é"], [1999, 2000, 2001]),
    st.just("line one\r\nline two\ttab"),
)


def _b64(text: str) -> str:
    raw = text.encode("utf-8", "surrogatepass")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def forged_ids() -> st.SearchStrategy[Any]:
    type_names = [node_type.value for node_type in NodeType] + ["contact", "Node", "User", ""]
    keys = st.one_of(
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.sampled_from(["0", "2147483647", "2147483648", "99999999999999999", "1" * 19]),
        st.sampled_from([*PROFILES, "org_admin", "ROOT", "A" * 41]),
        HOSTILE_TEXT,
    )
    return st.one_of(
        st.builds(lambda name, key: _b64(f"{name}:{key}"), st.sampled_from(type_names), keys),
        st.binary(max_size=40).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
        HOSTILE,
    )


def ids(real: list[str]) -> st.SearchStrategy[Any]:
    """Mostly real ids (so that the resolvers run), else forged or hostile ones."""
    return st.one_of(st.sampled_from(real), st.sampled_from(real), forged_ids())


def profile_ids() -> st.SearchStrategy[Any]:
    real = [encode(NodeType.SECURITY_PROFILE, code) for code in PROFILES]
    return st.one_of(
        st.lists(st.one_of(st.sampled_from(real), forged_ids()), max_size=10),
        st.lists(st.sampled_from(real), max_size=4),
        WRONG_TYPES,
    )


# --- the scene ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arena:
    """A fresh organization for one example: what the example does stays in it, so that
    Hypothesis replays a failing example against the same starting state."""

    kind: str
    organization_id: str
    admin: str  # the ORG_ADMIN's token
    admin_contact: str
    contacts: list[str]  # plain, inactive, FA_VIEWER, invited
    invitations: list[str]


@dataclass(repr=False)
class Scene:
    client: httpx.AsyncClient
    factory: Factory
    sessions: Any
    settings: Settings
    staff: str
    foreign: list[str]  # ids in an organization nobody here belongs to
    outsider: str
    secrets: set[str]

    def __repr__(self) -> str:
        return "Scene(an application, staff, an outsider and another organization)"

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        """How Hypothesis shows the scene in a failing example: briefly."""
        printer.text(repr(self))

    async def arena(self, kind: str) -> Arena:
        factory = self.factory
        case_management = kind == "case management"
        organization = await factory.organization(
            "Harbour Works" if case_management else "Plain Society",
            case_management=case_management,
        )
        admin = await factory.member(organization, "ORG_ADMIN", first_name="Admin", primary=True)
        extra: dict[str, Any] = (
            {"office_location": "Halifax", "position_type": "Counsellor", "fte": 0.5}
            if case_management
            else {}
        )
        plain = await factory.contact(organization, first_name="Target", **extra)
        inactive = await factory.contact(organization, first_name="Gone", active=False)
        viewer = await factory.contact(organization, first_name="Viewer", profiles=["FA_VIEWER"])
        invited = await factory.contact(organization, first_name="Invited")
        invitation, token = await factory.invitation(invited, "FA_VIEWER", message="Hi")
        self.secrets.add(token)
        return Arena(
            kind=kind,
            organization_id=encode(NodeType.ORGANIZATION, organization.id),
            admin=admin.token,
            admin_contact=admin.contact_gid,
            contacts=[
                encode(NodeType.CONTACT, contact.id)
                for contact in (plain, inactive, viewer, invited)
            ],
            invitations=[encode(NodeType.INVITATION, invitation.id)],
        )

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        tables = {}
        async with self.sessions() as session:
            for table in Base.metadata.sorted_tables:
                rows = await session.execute(select(table).order_by(*table.primary_key.columns))
                tables[table.name] = [tuple(map(_hashable, row)) for row in rows]
        return tables

    async def post(self, body: str | bytes, token: str | None) -> httpx.Response:
        headers = {"content-type": "application/json"}
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        content = body.encode("ascii") if isinstance(body, str) else body
        return await self.client.post("/graphql", content=content, headers=headers)

    async def attempt(self, field: str, input_value: Any, token: str) -> dict[str, Any]:
        """Run mutation `field` with `input_value`; check the answer and the database."""
        before = await self.snapshot()
        inconsistent_before = set(await self.inconsistencies())
        body = to_json({"query": DOCUMENTS[field], "variables": {"input": input_value}})
        response = await self.post(body, token)
        answer = checked_answer(response, self.secrets, body)
        errors = answer.get("errors")
        payload = (answer.get("data") or {}).get(field)
        if not errors:
            assert isinstance(payload, dict), (body, answer)
            assert isinstance(payload.get("userErrors"), list), (body, answer)
            for error in payload["userErrors"]:
                assert error["code"], (body, answer)
                assert error["message"], (body, answer)
            if not payload["userErrors"]:
                assert any(payload.get(name) for name in PAYLOAD_OBJECTS[field]), (body, answer)
        rejected = bool(errors) or bool(payload and payload["userErrors"])
        if currently_in_test_context():
            # What the examples met, for --hypothesis-show-statistics.
            if errors:
                event(f"{field}: GraphQL error")
            elif rejected:
                event(f"{field}: " + ",".join(sorted({e["code"] for e in payload["userErrors"]})))
            else:
                event(f"{field}: accepted")
        after = await self.snapshot()
        if rejected:
            changed = differences(before, after)
            assert not changed, (
                "a rejected mutation changed the database\n"
                f"request: {body[:3000]}\nresponse: {response.text[:3000]}\n" + "\n".join(changed)
            )
        problems = [p for p in await self.inconsistencies() if p not in inconsistent_before]
        assert not problems, (
            f"the database is inconsistent\nrequest: {body[:3000]}\n"
            f"response: {response.text[:3000]}\n" + "\n".join(problems)
        )
        return answer

    async def inconsistencies(self) -> list[str]:
        problems: list[str] = []
        async with self.sessions() as session:
            contacts = list((await session.scalars(select(Contact))).all())
            profiles = (
                await session.execute(
                    select(
                        ContactSecurityProfile.contact_id,
                        ContactSecurityProfile.security_profile_code,
                    )
                )
            ).all()
            primaries = (
                await session.execute(
                    select(Contact.organization_id, func.count())
                    .where(Contact.is_primary)
                    .group_by(Contact.organization_id)
                )
            ).all()
            invitations = list((await session.scalars(select(Invitation))).all())
        held: dict[int, set[str]] = {}
        for contact_id, code in profiles:
            held.setdefault(contact_id, set()).add(code)
        for contact in contacts:
            problems.extend(f"contact {contact.id}: {p}" for p in contact_problems(contact))
        for organization_id, count in primaries:
            if count > 1:
                problems.append(f"organization {organization_id}: {count} primary contacts")
        # An organization that has administrators keeps one that is active, with access.
        administered: dict[int, bool] = {}
        for contact in contacts:
            if held.get(contact.id, set()) & ADMINISTRATOR_PROFILES:
                organization_id = contact.organization_id
                administered[organization_id] = administered.get(organization_id, False) or (
                    contact.has_access
                )
        problems.extend(
            f"organization {organization_id} has no active administrator with access"
            for organization_id, has_one in administered.items()
            if not has_one
        )
        pending: dict[int, int] = {}
        now = self.factory.clock.now()
        for invitation in invitations:
            if invitation.status_at(now) is InvitationStatus.PENDING:
                pending[invitation.contact_id] = pending.get(invitation.contact_id, 0) + 1
        problems.extend(
            f"contact {contact_id}: {count} pending invitations"
            for contact_id, count in pending.items()
            if count > 1
        )
        return problems


def contact_problems(contact: Contact) -> list[str]:
    problems = []
    if contact.email_key != email_key(contact.email):
        problems.append(f"email_key {contact.email_key!r} is not the key of {contact.email!r}")
    if contact.sort_last_name != folded(contact.last_name):
        problems.append(f"sort_last_name {contact.sort_last_name!r} for {contact.last_name!r}")
    if contact.sort_first_name != folded(contact.first_name):
        problems.append(f"sort_first_name {contact.sort_first_name!r} for {contact.first_name!r}")
    if contact.version < 1:
        problems.append(f"version {contact.version}")
    for label, text, maximum in (
        ("first name", contact.first_name, 100),
        ("last name", contact.last_name, 100),
        ("email", contact.email, 254),
        ("title", contact.title, 150),
        ("office location", contact.office_location, 150),
        ("position type", contact.position_type, 150),
    ):
        if text is None:
            continue
        if text != text.strip() or len(text) > maximum or (label.endswith("name") and not text):
            problems.append(f"{label} {text!r} is not trimmed, or is empty or too long")
        if any(unicodedata.category(char) in {"Cc", "Cs"} for char in text):
            problems.append(f"{label} {text!r} holds control characters")
    fte = contact.fte
    if fte is not None and (
        not math.isfinite(fte) or not 0 < round(fte, 2) <= 1 or abs(fte - round(fte, 2)) > 1e-9
    ):
        problems.append(f"fte {fte!r} is not above 0, at most 1, with two decimals")
    if len(contact.phone_numbers) > 5:
        problems.append(f"{len(contact.phone_numbers)} phone numbers")
    for phone in contact.phone_numbers:
        if not E164.fullmatch(phone.number):
            problems.append(f"phone number {phone.number!r} is not E.164")
        extension = phone.extension
        if extension is not None and not (
            extension.isascii() and extension.isdigit() and len(extension) <= 10
        ):
            problems.append(f"extension {extension!r}")
    return problems


def _hashable(value: Any) -> Any:
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def differences(before: dict[str, list[Any]], after: dict[str, list[Any]]) -> list[str]:
    changes = []
    for table in before.keys() | after.keys():
        old, new = set(before.get(table, [])), set(after.get(table, []))
        changes.extend(f"{table}: - {row!r}"[:500] for row in old - new)
        changes.extend(f"{table}: + {row!r}"[:500] for row in new - old)
    return changes


def checked_answer(response: httpx.Response, secrets: set[str], body: str) -> dict[str, Any]:
    """The JSON answer, after checking its status and that it leaks nothing."""
    request = body[:3000]
    text = response.text
    assert response.status_code in (200, 400), (response.status_code, request, text[:3000])
    for marker in LEAK_MARKERS:
        assert marker not in text, f"{marker!r} in the answer\nrequest: {request}\nresponse: {text}"
    for secret in secrets:
        assert secret not in text, f"a secret in the answer\nrequest: {request}\nresponse: {text}"
    answer = json.loads(text)
    assert isinstance(answer, dict), text
    assert "data" in answer or "errors" in answer, text
    for error in answer.get("errors") or []:
        assert isinstance(error.get("message"), str), text
    return answer


@pytest.fixture
async def scene(settings: Settings, clock: Clock, factory: Factory) -> AsyncIterator[Scene]:
    """One application for the whole test; each example then builds its own organization."""
    app = create_app(settings, clock=clock.now)
    engine = create_engine(settings.database_url)
    # A crash must reach the test as the 500 a client would get, not as an exception.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        elsewhere = await factory.organization("Elsewhere")
        stranger = await factory.contact(elsewhere, first_name="Stranger")
        stranger_invitation, token = await factory.invitation(stranger, "FA_VIEWER")
        staff = await factory.staff()
        outsider = await factory.account("outsider@example.org", name="Olga Outside")
        scene = Scene(
            client=client,
            factory=factory,
            sessions=create_session_factory(engine),
            settings=settings,
            staff=staff.token,
            foreign=[
                encode(NodeType.ORGANIZATION, elsewhere.id),
                encode(NodeType.CONTACT, stranger.id),
                encode(NodeType.INVITATION, stranger_invitation.id),
            ],
            outsider=outsider.token,
            secrets={settings.auth_jwt_secret or "unset", token},
        )
        yield scene
    await app.state.services.engine.dispose()
    await engine.dispose()


KINDS = st.sampled_from(["case management", "plain"])


# --- one property per mutation -----------------------------------------------------------------


# Valid values, as nasty as the contract allows: what gets past validation to the database.
READABLE = st.characters(codec="utf-8", exclude_categories=("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))


def nice_text(maximum: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(READABLE, min_size=1, max_size=min(maximum, 40)).filter(str.strip),
        GROWING_NAMES.map(lambda text: text[:maximum]),
        _joined(st.sampled_from([*NAMES, *EMOJI, " ", "\u0301", "\u05d0"]), max_size=8).filter(
            lambda text: text.strip() and len(text) <= maximum
        ),
        _repeated(["a", "é", "🙂"], [maximum]),
    )


VALID_EMAILS = st.one_of(
    st.emails(),
    st.builds(
        lambda local, number: f"{local}.{number}@bücher.example",
        st.sampled_from(["zoë", "ΐΐΐ", "straße", "İi", "ﬃ"]),
        st.integers(0, 10**6),
    ),
    st.just("\u0390" * 32 + "@" + ".".join(["a" * 63, "b" * 63, "c" * 50]) + ".org"),
)
VALID_FTE = st.one_of(
    st.decimals(min_value="0.01", max_value=1, places=2).map(float),
    st.sampled_from([1, 0.1 + 0.2, 5e-324, 1e-12, 0.999999999999, 0.30000000000000004]),
)
VALID_PHONES = st.lists(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(["WORK", "MOBILE", "FAX", "OTHER"]),
            "number": st.sampled_from(
                ["902-555-0142", "(902) 555-0123", "+33 1 23 45 67 89", "+1 902 555 0199"]
            ),
            "extension": optional(st.from_regex(r"[0-9]{1,10}", fullmatch=True)),
        }
    ),
    max_size=5,
)
PROFILE_IDS = [encode(NodeType.SECURITY_PROFILE, code) for code in PROFILES]
VALID_PROFILE_IDS = st.lists(st.sampled_from(PROFILE_IDS), min_size=1, max_size=3)


@st.composite
def mostly_valid(
    draw: st.DrawFn,
    valid: dict[str, st.SearchStrategy[Any]],
    hostile: dict[str, st.SearchStrategy[Any]],
) -> dict[str, Any]:
    """An input whose fields are valid (if nasty) but for up to two hostile ones."""
    spoiled = draw(st.sets(st.sampled_from(sorted(hostile)), max_size=2), label="hostile fields")
    return {
        key: draw(hostile[key] if key in spoiled else strategy, label=key)
        for key, strategy in valid.items()
    }


def inputs(
    valid: dict[str, st.SearchStrategy[Any]], hostile: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[Any]:
    """Mostly well-typed inputs, so that most examples reach the resolvers; sometimes an
    input of the wrong type altogether."""
    return weighted((7, mostly_valid(valid, hostile)), (1, WRONG_TYPES))


def contact_fields(*, case_management: bool, adding: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The valid and the hostile strategies of each contact field."""

    def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return strategy if adding else st.one_of(st.just(OMIT), strategy)

    required_if_cm = maybe if case_management else optional
    valid = {
        "firstName": maybe(NAME_VALUES | nice_text(100)),
        "lastName": maybe(NAME_VALUES | nice_text(100)),
        "email": maybe(VALID_EMAILS),
        "title": optional(nice_text(150)),
        "phoneNumbers": optional(VALID_PHONES),
        "preferredLanguage": st.one_of(st.just(OMIT), st.sampled_from(["ENGLISH", "FRENCH"])),
        "officeLocation": required_if_cm(nice_text(150)),
        "positionType": required_if_cm(nice_text(150)),
        "fte": required_if_cm(VALID_FTE),
    }
    hostile = {
        "firstName": st.one_of(NAME_VALUES, HOSTILE),
        "lastName": st.one_of(NAME_VALUES, HOSTILE),
        "email": EMAILS,
        "title": HOSTILE,
        "phoneNumbers": PHONES,
        "preferredLanguage": LANGUAGES,
        "officeLocation": HOSTILE,
        "positionType": HOSTILE,
        "fte": NUMBERS,
    }
    return valid, hostile


@EXAMPLES
@given(data=st.data())
async def test_add_contact(scene: Scene, data: st.DataObject) -> None:
    kind = data.draw(KINDS, label="organization")
    arena = await scene.arena(kind)
    own = arena.organization_id
    valid, hostile = contact_fields(case_management=kind == "case management", adding=True)
    valid |= {
        "organizationId": st.just(own),
        "invitation": st.one_of(
            st.just(OMIT),
            st.fixed_dictionaries(
                {"securityProfileIds": VALID_PROFILE_IDS, "message": optional(nice_text(2000))}
            ),
        ),
    }
    hostile |= {
        "organizationId": ids([own, *scene.foreign]),
        "invitation": st.one_of(
            st.fixed_dictionaries(
                {"securityProfileIds": profile_ids(), "message": optional(MESSAGES)}
            ),
            WRONG_TYPES,
        ),
    }
    input_value = data.draw(inputs(valid, hostile), label="input")
    await scene.attempt("addContact", input_value, arena.admin)


@EXAMPLES
@given(data=st.data())
async def test_update_contact(scene: Scene, data: st.DataObject) -> None:
    kind = data.draw(KINDS, label="organization")
    arena = await scene.arena(kind)
    targets = [*arena.contacts, arena.admin_contact]
    valid, hostile = contact_fields(case_management=kind == "case management", adding=False)
    valid |= {
        "contactId": st.sampled_from(targets),
        "expectedVersion": st.one_of(st.just(OMIT), st.none(), st.integers(1, 3)),
        "securityProfileIds": st.one_of(
            st.just(OMIT),
            st.lists(st.sampled_from(PROFILE_IDS), max_size=3),
        ),
    }
    hostile |= {
        "contactId": ids([*targets, *scene.foreign]),
        "expectedVersion": INTEGERS,
        "securityProfileIds": profile_ids(),
    }
    input_value = data.draw(inputs(valid, hostile), label="input")
    await scene.attempt("updateContact", input_value, arena.admin)


@EXAMPLES
@given(data=st.data())
async def test_invite_contact(scene: Scene, data: st.DataObject) -> None:
    kind = data.draw(KINDS, label="organization")
    arena = await scene.arena(kind)
    fresh = arena.contacts[0]
    targets = [*arena.contacts, arena.admin_contact, *scene.foreign]
    valid = {
        "contactId": st.one_of(st.just(fresh), st.sampled_from(targets)),
        "securityProfileIds": VALID_PROFILE_IDS,
        "message": optional(nice_text(2000)),
    }
    hostile = {
        "contactId": ids([fresh, *targets]),
        "securityProfileIds": profile_ids(),
        "message": MESSAGES,
    }
    await scene.attempt(
        "inviteContact", data.draw(inputs(valid, hostile), label="input"), arena.admin
    )


@EXAMPLES
@given(data=st.data())
async def test_resend_and_revoke_invitation(scene: Scene, data: st.DataObject) -> None:
    kind = data.draw(KINDS, label="organization")
    field = data.draw(st.sampled_from(["resendInvitation", "revokeInvitation"]), label="mutation")
    arena = await scene.arena(kind)
    real = [*arena.invitations, scene.foreign[2]]
    valid = {"invitationId": st.sampled_from(real)}
    hostile = {"invitationId": ids(real)}
    await scene.attempt(field, data.draw(inputs(valid, hostile), label="input"), arena.admin)


TOKEN_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@EXAMPLES
@given(data=st.data())
async def test_accept_invitation(scene: Scene, data: st.DataObject) -> None:
    valid = {"token": st.text(alphabet=TOKEN_ALPHABET, min_size=43, max_size=43)}
    hostile = {
        "token": st.one_of(
            HOSTILE, _repeated(["A", "é", "\ud800", " ", "\x00"], [199, 200, 201, 8192, 50_000])
        )
    }
    input_value = data.draw(inputs(valid, hostile), label="input")
    arena = await scene.arena(data.draw(KINDS, label="organization"))
    caller = data.draw(st.sampled_from([scene.outsider, arena.admin]), label="caller")
    answer = await scene.attempt("acceptInvitation", input_value, caller)
    # No guess, however hostile, is a token.
    assert not (answer.get("data") or {}).get("acceptInvitation", {}).get("contact"), answer


@EXAMPLES
@given(data=st.data())
async def test_deactivate_reactivate_and_set_primary(scene: Scene, data: st.DataObject) -> None:
    kind = data.draw(KINDS, label="organization")
    field = data.draw(
        st.sampled_from(["deactivateContact", "reactivateContact", "setPrimaryContact"]),
        label="mutation",
    )
    arena = await scene.arena(kind)
    targets = [*arena.contacts, arena.admin_contact, *scene.foreign]
    valid: dict[str, st.SearchStrategy[Any]] = {"contactId": st.sampled_from(targets)}
    hostile: dict[str, st.SearchStrategy[Any]] = {"contactId": ids(targets)}
    if field != "setPrimaryContact":
        valid["expectedVersion"] = st.one_of(st.just(OMIT), st.none(), st.integers(1, 4))
        hostile["expectedVersion"] = INTEGERS
    await scene.attempt(field, data.draw(inputs(valid, hostile), label="input"), arena.admin)


@EXAMPLES
@given(data=st.data())
async def test_create_organization(scene: Scene, data: st.DataObject) -> None:
    valid = {
        "name": st.one_of(nice_text(200), _repeated(["a", "ß", "🙂"], [200])),
        "providesCaseManagement": st.booleans(),
    }
    hostile = {
        "name": st.one_of(HOSTILE, _repeated(["a", "ß", "🙂", " "], [199, 200, 201])),
        "providesCaseManagement": HOSTILE,
    }
    await scene.attempt(
        "createOrganization", data.draw(inputs(valid, hostile), label="input"), scene.staff
    )


# --- reads -------------------------------------------------------------------------------------


@EXAMPLES
@given(data=st.data())
async def test_reads_with_hostile_ids_cursors_filters_and_tokens(
    scene: Scene, data: st.DataObject
) -> None:
    arena = await scene.arena(data.draw(KINDS, label="organization"))
    real = [
        arena.organization_id,
        *arena.contacts,
        *arena.invitations,
        *scene.foreign,
    ]
    cursors = st.one_of(
        st.builds(
            lambda values: _b64(json.dumps(values, ensure_ascii=False)),
            st.lists(
                st.one_of(
                    st.just("contacts"), st.booleans(), HOSTILE_TEXT, st.integers(-(2**64), 2**64)
                ),
                max_size=6,
            ),
        ),
        st.builds(
            lambda flag, last, first, key: _b64(json.dumps(["contacts", flag, last, first, key])),
            st.booleans(),
            HOSTILE_TEXT,
            HOSTILE_TEXT,
            st.integers(-(2**40), 2**40),
        ),
        HOSTILE,
    )
    variables = data.draw(
        st.fixed_dictionaries(
            {
                "id": ids(real),
                "ids": st.one_of(st.lists(ids(real), max_size=5), WRONG_TYPES),
                "token": HOSTILE,
                "first": optional(INTEGERS),
                "last": st.just(OMIT),
                "after": optional(cursors),
                "before": st.just(OMIT),
                "filter": optional(
                    st.one_of(
                        st.fixed_dictionaries(
                            {
                                "lastName": optional(HOSTILE),
                                "firstName": optional(HOSTILE),
                                "email": optional(HOSTILE),
                                "securityProfileIds": optional(profile_ids()),
                                "activeOnly": optional(st.one_of(st.booleans(), HOSTILE)),
                                "hasAccess": optional(st.one_of(st.booleans(), HOSTILE)),
                            }
                        ),
                        WRONG_TYPES,
                    )
                ),
            }
        ),
        label="variables",
    )
    if data.draw(st.booleans(), label="backwards"):
        variables["last"], variables["first"] = variables["first"], OMIT
        variables["before"], variables["after"] = variables["after"], OMIT
    caller = data.draw(st.sampled_from([arena.admin, scene.outsider, None]), label="caller")
    before = await scene.snapshot()
    body = to_json({"query": READS, "variables": variables})

    response = await scene.post(body, caller)

    checked_answer(response, scene.secrets, body)
    assert not differences(before, await scene.snapshot()), body


# --- whole request bodies ----------------------------------------------------------------------


MUTATION = DOCUMENTS["updateContact"]


KNOWN_BODIES: dict[str, str | bytes] = {
    "empty": "",
    "null": "null",
    "a JSON string": '""',
    "a JSON number": "5",
    "true": "true",
    "an empty list": "[]",
    "an empty object": "{}",
    "unterminated": "{",
    "query null": '{"query": null}',
    "query a number": '{"query": 5}',
    "query a list": '{"query": ["{ __typename }"]}',
    "variables a string": '{"query": "{ __typename }", "variables": "x"}',
    "variables a list": '{"query": "{ __typename }", "variables": [1]}',
    "operationName a number": '{"query": "{ __typename }", "operationName": 5}',
    "operationName a list": '{"query": "{ __typename }", "operationName": ["a"]}',
    "extensions a string": '{"query": "{ __typename }", "extensions": "x"}',
    "trailing text": '{"query": "{ __typename }"} trailing',
    "duplicate keys": '{"query": "{ __typename }", "query": "{ __typename }"}',
    "lone surrogate in the document": '{"query": "{ __typename \\ud800 }"}',
    "lone surrogate in a string of the document": '{"query": "{ __typename(a: \\"\\ud800\\") }"}',
    "NUL document": '{"query": "\\u0000"}',
    "1e999999 in variables": '{"query": "{ __typename }", "variables": {"a": 1e999999}}',
    "NaN and -Infinity in variables": (
        '{"query": "{ __typename }", "variables": {"a": NaN, "b": -Infinity}}'
    ),
    "lists nested 50,000 deep in variables": (
        '{"query": "{ __typename }", "variables": {"a": ' + "[" * 50_000 + "]" * 50_000 + "}}"
    ),
    "objects nested 50,000 deep in variables": (
        '{"query": "{ __typename }", "variables": {"a": '
        + '{"a":' * 50_000
        + "1"
        + "}" * 50_000
        + "}}"
    ),
    "a body of lists nested 50,000 deep": "[" * 50_000 + "]" * 50_000,
    "a document nested 2,000 deep": '{"query": "' + "{ a " * 2000 + "}" * 2000 + '"}',
    "3,000 variable definitions": '{"query": "query Q(' + "$a: Int, " * 3000 + ') { __typename }"}',
    "invalid UTF-8": b"\xff\xfe\xfd",
    "invalid UTF-8 in the document": b'{"query": "{ __typename }\xff"}',
    "truncated UTF-8 in variables": b'{"query": "{ __typename }", "variables": {"a": "\xc3"}}',
    "a byte-order mark": b"\xef\xbb\xbf" + b'{"query": "{ __typename }"}',
    "UTF-16": '{"query": "{ __typename }"}'.encode("utf-16"),
    "a trailing NUL byte": b'{"query": "{ __typename }"}\x00',
}


def hostile_bodies(contact_id: str) -> st.SearchStrategy[str | bytes]:
    valid_input = {"contactId": contact_id, "title": "Changed"}
    return st.one_of(
        st.text(max_size=200).map(lambda text: to_json(text)),
        st.sampled_from(list(KNOWN_BODIES.values())),
        st.builds(
            lambda query: to_json({"query": query}),
            st.one_of(
                st.text(max_size=200),
                st.text(alphabet="{}()[]:$!@.,\"'#\n query mutation fragment on ...", max_size=200),
            ),
        ),
        st.builds(
            lambda extra: to_json(
                {"query": MUTATION, "variables": {"input": valid_input}, "operationName": extra}
            ),
            HOSTILE,
        ),
        st.builds(
            lambda variables: to_json({"query": MUTATION, "variables": variables}),
            st.one_of(
                WRONG_TYPES, HOSTILE_TEXT, st.dictionaries(HOSTILE_TEXT, HOSTILE, max_size=3)
            ),
        ),
    )


async def check_body(scene: Scene, body: str | bytes, token: str) -> None:
    """Whatever the body, a JSON answer below 500 that leaks nothing, and no change if refused."""
    before = await scene.snapshot()

    response = await scene.post(body, token)

    # Request errors may use the GraphQL-over-HTTP statuses; never a server error.
    shown = body[:300]
    assert response.status_code < 500, (response.status_code, shown, response.text[:2000])
    text = response.text
    for marker in LEAK_MARKERS:
        assert marker not in text, f"{marker!r}\nrequest: {shown!r}\nresponse: {text[:2000]}"
    answer = json.loads(text)
    assert isinstance(answer, dict), text
    assert "data" in answer or "errors" in answer, text
    if answer.get("errors") or response.status_code >= 400:
        assert not differences(before, await scene.snapshot()), shown


@EXAMPLES
@given(data=st.data())
async def test_hostile_request_bodies(scene: Scene, data: st.DataObject) -> None:
    arena = await scene.arena("plain")
    body = data.draw(hostile_bodies(arena.contacts[0]), label="body")
    await check_body(scene, body, arena.admin)


@pytest.mark.parametrize("case", list(KNOWN_BODIES))
async def test_known_hostile_bodies(scene: Scene, case: str) -> None:
    arena = await scene.arena("plain")
    await check_body(scene, KNOWN_BODIES[case], arena.admin)


# --- values known to be nasty, every run -------------------------------------------------------

KNOWN: dict[str, tuple[str, Callable[[Arena], Any]]] = {
    "fte 5e-324 (the smallest float)": (
        "addContact",
        lambda s: _add(s, fte=5e-324, email="tiny.fte@example.org"),
    ),
    "fte 1e-12": ("addContact", lambda s: _add(s, fte=1e-12, email="small.fte@example.org")),
    "fte 0.999999999999": ("addContact", lambda s: _add(s, fte=0.999999999999, email="f@e.org")),
    "fte 1e400 (infinity in JSON)": ("addContact", lambda s: _add(s, fte=Raw("1e400"))),
    "fte NaN (not JSON)": ("addContact", lambda s: _add(s, fte=Raw("NaN"))),
    "fte -0": ("addContact", lambda s: _add(s, fte=Raw("-0"))),
    "fte 2**63": ("addContact", lambda s: _add(s, fte=2**63)),
    "last name of 100 ligatures (300 once folded)": (
        "addContact",
        lambda s: _add(s, lastName="\ufb03" * 100, email="ligatures@example.org"),
    ),
    "last name of 60 sharp s (120 once folded)": (
        "addContact",
        lambda s: _add(s, lastName="ß" * 60, email="sharp.s@example.org"),
    ),
    "first name of 100 U+FDFA (1800 once decomposed)": (
        "addContact",
        lambda s: _add(s, firstName="\ufdfa" * 100, email="salla@example.org"),
    ),
    "email whose case-folded key is longer than 254": (
        "addContact",
        lambda s: _add(
            s, email="\u0390" * 32 + "@" + ".".join(["a" * 63, "b" * 63, "c" * 50]) + ".org"
        ),
    ),
    "first name with a lone surrogate": ("addContact", lambda s: _add(s, firstName="Al\ud800ex")),
    "title with NUL": ("addContact", lambda s: _add(s, title="Lead\x00")),
    "expectedVersion 2**31": (
        "updateContact",
        lambda s: {"contactId": s.contacts[0], "expectedVersion": 2**31},
    ),
    "update to a 100-ligature last name": (
        "updateContact",
        lambda s: {"contactId": s.contacts[0], "lastName": "\ufb03" * 100},
    ),
    "update fte to 5e-324": (
        "updateContact",
        lambda s: {"contactId": s.contacts[0], "fte": 5e-324},
    ),
}


def _add(arena: Arena, **fields: Any) -> dict[str, Any]:
    return {
        "organizationId": arena.organization_id,
        "firstName": "Known",
        "lastName": "Value",
        "email": "known.value@example.org",
        "officeLocation": "Halifax",
        "positionType": "Counsellor",
        "fte": 0.5,
        **fields,
    }


@pytest.mark.parametrize("case", list(KNOWN))
async def test_known_hostile_values(scene: Scene, case: str) -> None:
    field, build = KNOWN[case]
    arena = await scene.arena("case management")
    await scene.attempt(field, build(arena), arena.admin)
