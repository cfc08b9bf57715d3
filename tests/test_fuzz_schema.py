"""Fuzzing every argument of every field that takes one, from the real schema.

For each field with arguments, at the root and on the objects a client reaches first
(an organization, a contact, the viewer), Hypothesis builds values from the argument's own
GraphQL type: good and hostile text, boundary and huge numbers, unknown enum values, real,
forged and foreign ids, long lists, missing and extra input fields, nulls where a value is
required, and values of the wrong type. Each request is sent as an administrator, as an
outsider and anonymously. Whatever it sends, the answer is HTTP 200 or 400 with a JSON body,
never a server error, never INTERNAL_SERVER_ERROR, never a trace, SQL or secret (the
client's leak check).

The list of fields comes from the schema, so a field added later is fuzzed too.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    is_composite_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacts_api.resolvers.ids import NodeType
from contacts_api.schema import schema
from tests.factories import Factory, gid
from tests.graphql import Api

GRAPHQL = schema._schema
HOSTILE_TEXT = [
    "",
    " ",
    "'; DROP TABLE contacts; --",
    "%",
    "_",
    "\\",
    "\x00",
    "\ud800",
    "\u202e",
    "é" * 300,
    "x" * 5000,
    "<script>alert(1)</script>",
    "{{7*7}}",
    "0",
    "-1",
    "1e400",
    "null",
]
ARBITRARY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=5,
)


@dataclass(frozen=True)
class Target:
    """A field with arguments, and the document around it that reaches it."""

    owner: str
    field_name: str
    definition: GraphQLField

    def document(self, arguments: dict[str, GraphQLArgument], operation: str) -> str:
        declared = ", ".join(f"${name}: {argument.type}" for name, argument in arguments.items())
        passed = ", ".join(f"{name}: ${name}" for name in arguments)
        selection = (
            " { __typename }" if is_composite_type(get_named_type(self.definition.type)) else ""
        )
        call = f"{self.field_name}({passed}){selection}"
        if self.owner == "Organization":
            call = f"organization(id: $organizationId) {{ {call} }}"
            declared += ", $organizationId: ID!"
        elif self.owner == "Contact":
            call = f"node(id: $contactId) {{ ... on Contact {{ {call} }} }}"
            declared += ", $contactId: ID!"
        elif self.owner == "Viewer":
            call = f"viewer {{ {call} }}"
        elif self.owner == "SecurityProfile":
            call = f"securityProfiles {{ {call} }}"
        return f"{operation} Fuzz({declared}) {{ {call} }}"


def targets() -> Iterator[Target]:
    for owner in ("Query", "Mutation", "Organization", "Contact", "Viewer", "SecurityProfile"):
        object_type = GRAPHQL.get_type(owner)
        assert isinstance(object_type, GraphQLObjectType)
        for name, definition in object_type.fields.items():
            if definition.args:
                yield Target(owner, name, definition)


TARGETS = list(targets())


def weighted(*choices: tuple[int, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """One of the strategies, each as often as its weight says."""
    return st.one_of(*(strategy for weight, strategy in choices for _ in range(weight)))


def values(type_: GraphQLInputType, ids: list[str], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values for `type_`: mostly of its shape, sometimes null or of another shape."""
    wrong = ARBITRARY if depth < 2 else st.none()
    if isinstance(type_, GraphQLNonNull):
        shaped = values(type_.of_type, ids, depth).filter(lambda value: value is not None)
        return weighted((8, shaped), (1, st.none()))
    if isinstance(type_, GraphQLList):
        item = values(type_.of_type, ids, depth + 1)
        return weighted(
            (1, st.none()),
            (6, st.lists(item, max_size=4)),
            (1, st.lists(item, min_size=99, max_size=102)),
            (1, wrong),
        )
    if isinstance(type_, GraphQLInputObjectType):
        fields = {name: values(field.type, ids, depth + 1) for name, field in type_.fields.items()}
        required = {
            name: strategy
            for name, strategy in fields.items()
            if isinstance(type_.fields[name].type, GraphQLNonNull)
        }
        optional = {name: strategy for name, strategy in fields.items() if name not in required}
        known = st.fixed_dictionaries(required, optional=optional)
        extra = st.dictionaries(st.sampled_from(["unknown", "__proto__"]), ARBITRARY, max_size=1)
        return weighted(
            (1, st.none()),
            (6, known),
            (1, st.builds(lambda a, b: {**a, **b}, known, extra)),
            (1, wrong),
        )
    if isinstance(type_, GraphQLEnumType):
        return weighted(
            (1, st.none()),
            (6, st.sampled_from(list(type_.values))),
            (1, st.sampled_from(["", "pending", "NOPE"])),
            (1, wrong),
        )
    assert isinstance(type_, GraphQLScalarType)
    text = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=40)
    match type_.name:
        case "Int":
            boundaries = st.sampled_from([0, -1, 1, 100, 101, 2**31 - 1, 2**31, -(2**31) - 1])
            shaped = boundaries | st.integers(-1000, 1000)
            odd = st.floats(allow_nan=False) | st.just(2**63)
        case "Float":
            shaped = st.floats(0, 1) | st.sampled_from([0.5, 1.0, 0.01, 0.001, 1e-300])
            odd = st.floats(allow_nan=False) | st.integers()
        case "Boolean":
            shaped, odd = st.booleans(), st.integers(0, 1)
        case "ID":
            shaped = st.sampled_from(ids)
            odd = text | st.sampled_from(
                [gid(NodeType.CONTACT, 2**31), gid(NodeType.ORGANIZATION, 0), "Q29udGFjdDox", "=="]
            )
        case _:
            shaped, odd = st.text(max_size=40), st.sampled_from(HOSTILE_TEXT)
    return weighted((1, st.none()), (5, shaped), (2, odd), (1, wrong))


@dataclass(frozen=True)
class World:
    ids: list[str]
    organization_id: str
    contact_id: str
    tokens: list[str | None]


@pytest.fixture
async def world(factory: Factory) -> World:
    organization = await factory.organization(case_management=True)
    other = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    outsider = await factory.member(other, "ORG_ADMIN", primary=True)
    contact = await factory.contact(organization, profiles=["FA_SIGNER"])
    invitation, _ = await factory.invitation(contact, "FA_VIEWER", inviter=administrator)
    ids = [
        gid(NodeType.ORGANIZATION, organization.id),
        gid(NodeType.ORGANIZATION, other.id),
        gid(NodeType.CONTACT, contact.id),
        administrator.contact_gid,
        outsider.contact_gid,
        gid(NodeType.INVITATION, invitation.id),
        gid(NodeType.ACCOUNT, administrator.account_id),
        gid(NodeType.SECURITY_PROFILE, "ORG_ADMIN"),
        gid(NodeType.SECURITY_PROFILE, "CM_VIEWER"),
    ]
    return World(ids, ids[0], ids[2], [administrator.token, outsider.token, None])


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_argument_makes_a_server_error(
    api: Api, world: World, data: st.DataObject
) -> None:
    target = data.draw(st.sampled_from(TARGETS), label="field")
    arguments = target.definition.args
    variables = {
        name: data.draw(values(argument.type, world.ids), label=name)
        for name, argument in arguments.items()
    }
    variables = {
        name: value
        for name, value in variables.items()
        if value is not None or data.draw(st.booleans())
    }
    if target.owner == "Organization":
        variables["organizationId"] = world.organization_id
    if target.owner == "Contact":
        variables["contactId"] = world.contact_id
    operation = "mutation" if target.owner == "Mutation" else "query"
    token = data.draw(st.sampled_from(world.tokens), label="caller")

    response = await api.post(target.document(arguments, operation), variables, token=token)

    assert response.status_code in {200, 400}, response.text
    body = response.json()
    codes = [error.get("extensions", {}).get("code") for error in body.get("errors", [])]
    assert "INTERNAL_SERVER_ERROR" not in codes, body
