"""The measured GraphQL operations, and the ids and cursors the benchmark builds for them.

One document, under three operation names so that the server's request log (which records
the operation name and its SQL statement count) tells the kinds apart.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

FIELDS = """
  organization(id: $id) {
    contacts(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges {
        cursor
        node {
          id
          firstName
          lastName
          title
          email
          accountEmail
          emails
          preferredLanguage
          isPrimary
          isAdministrator
          isActive
          hasAccess
          officeLocation
          positionType
          fte
          version
          createdAt
          updatedAt
          viewerCanManage
          securityProfiles { code name }
          invitation { status expiresAt }
        }
      }
    }
  }
"""

PAGE = "ContactsPage"
DEEP_PAGE = "ContactsDeepPage"
SEARCH = "ContactsSearch"
OPERATIONS = (PAGE, DEEP_PAGE, SEARCH)


def document(operation: str) -> str:
    return (
        f"query {operation}($id: ID!, $first: Int, $after: String, $filter: ContactFilter) {{"
        f"{FIELDS}}}\n"
    )


def body(
    operation: str,
    organization_id: int,
    *,
    first: int = 10,
    after: str | None = None,
    last_name: str | None = None,
) -> bytes:
    variables: dict[str, Any] = {"id": global_id("Organization", organization_id), "first": first}
    if after is not None:
        variables["after"] = after
    if last_name is not None:
        variables["filter"] = {"lastName": last_name}
    return orjson.dumps(
        {"query": document(operation), "operationName": operation, "variables": variables}
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def global_id(type_name: str, key: int | str) -> str:
    """As resolvers.ids.encode: URL-safe base64 of "Type:key", unpadded."""
    return _b64(f"{type_name}:{key}".encode())


def contact_cursor(is_primary: bool, sort_last_name: str, sort_first_name: str, id_: int) -> str:
    """As resolvers.pagination.Ordering.cursor for the contacts' order."""
    return _b64(orjson.dumps(["contacts", is_primary, sort_last_name, sort_first_name, id_]))
