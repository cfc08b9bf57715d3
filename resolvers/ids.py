"""Global ids: opaque to clients, stable across releases and databases.

An id is the URL-safe base64 of "TypeName:key", as in Relay. Clients must not build them;
the server checks every one it receives and answers a malformed one as bad input.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re

MAX_ID_LENGTH = 200
# Every key is an INTEGER column: a larger one names nothing (and PostgreSQL's driver refuses
# to send it).
MAX_KEY = 2**31 - 1
PROFILE_CODE = re.compile(r"[A-Z][A-Z_]{0,39}")


class NodeType(enum.StrEnum):
    ACCOUNT = "Account"
    ORGANIZATION = "Organization"
    CONTACT = "Contact"
    SECURITY_PROFILE = "SecurityProfile"
    INVITATION = "Invitation"
    AUDIT_EVENT = "AuditEvent"


class MalformedId(ValueError):
    """The text is not a global id of this service, or not of the expected type."""


def encode(node_type: NodeType, key: int | str) -> str:
    return base64.urlsafe_b64encode(f"{node_type.value}:{key}".encode()).decode().rstrip("=")


def decode(global_id: str) -> tuple[NodeType, int | str]:
    """The type and key of `global_id`; security profiles are keyed by code, others by number."""
    if not global_id or len(global_id) > MAX_ID_LENGTH:
        raise MalformedId(global_id)
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, UnicodeError, ValueError):
        raise MalformedId(global_id) from None
    type_name, _, key = text.partition(":")
    try:
        node_type = NodeType(type_name)
    except ValueError:
        raise MalformedId(global_id) from None
    if node_type is NodeType.SECURITY_PROFILE:
        if not PROFILE_CODE.fullmatch(key):
            raise MalformedId(global_id)
        return node_type, key
    if not key.isascii() or not key.isdigit() or len(key) > 10 or not 0 < int(key) <= MAX_KEY:
        raise MalformedId(global_id)
    return node_type, int(key)


def decode_as(global_id: str, expected: NodeType) -> int:
    """The numeric key of an id that must be of type `expected`."""
    node_type, key = decode(global_id)
    if node_type is not expected or not isinstance(key, int):
        raise MalformedId(global_id)
    return key


def decode_profile_code(global_id: str) -> str:
    node_type, key = decode(global_id)
    if node_type is not NodeType.SECURITY_PROFILE or not isinstance(key, str):
        raise MalformedId(global_id)
    return key
