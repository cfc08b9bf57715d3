"""GraphQL over HTTP: what the specification asks beyond what Strawberry's view does.

- `application/graphql-response+json` when the client accepts it, with its status codes: a
  request that fails before execution (unparsable, invalid) answers 400; `application/json`
  keeps the legacy 200.
- Request errors (malformed JSON, no query, wrong content type, a mutation over GET, a body
  too large) answer with a GraphQL error body, never plain text.
- The request body is read with a size limit, before anything parses it.
"""

from __future__ import annotations

import json
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types.execution import ExecutionResult

from contacts_api.models.text import storable

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_BODY_BYTES = 1_000_000


class BodyTooLarge(Exception):
    pass


class UnstorableText(Exception):
    """The request holds text that no database can store (a NUL, a lone surrogate)."""


class RateLimited(Exception):
    def __init__(self, seconds: int) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def decode_body(data: str | bytes) -> object:
    """The request's JSON, which must be an object (or a list, for a batch).

    Strawberry turns only a JSONDecodeError into a 400; invalid UTF-8, nesting too deep to
    decode, or a body that is a string, a number or null would otherwise be a server error.
    """
    try:
        decoded = json.loads(data)
    except (ValueError, RecursionError):
        raise HTTPException(400, "Unable to parse request body as JSON") from None
    if not isinstance(decoded, dict | list):
        raise HTTPException(400, "The request body must be a JSON object.")
    check_text(decoded)
    return decoded


def check_text(value: object) -> None:
    """Refuse a request any of whose texts (keys included, at any depth) cannot be stored:
    JSON may spell a lone surrogate ("\\ud800") or a NUL, which no text column holds."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not storable(item):
                raise UnstorableText
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def media_type(request: Request) -> str:
    return GRAPHQL_RESPONSE if wants_graphql_response(request) else JSON


def status_for(result: ExecutionResult, request: Request) -> int:
    """400 for a document that never executed (its errors have no path), when allowed."""
    failed_before_execution = result.data is None and all(
        not error.path for error in result.errors or ()
    )
    if failed_before_execution and result.errors and wants_graphql_response(request):
        return 400
    return 200


def error_response(
    request: Request,
    status: int,
    message: str,
    code: str,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    request.state.graphql_codes = [code]
    if status == 405:
        headers = {**(headers or {}), "Allow": "GET, POST"}
    return Response(
        json.dumps(body), status_code=status, media_type=media_type(request), headers=headers
    )


def request_error_code(status: int, reason: str) -> tuple[int, str]:
    """Strawberry's request errors, with the specification's status and a code."""
    if "mutations are not allowed" in reason:
        return 405, "METHOD_NOT_ALLOWED"
    if "Unsupported content type" in reason:
        return 415, "UNSUPPORTED_MEDIA_TYPE"
    return status, "BAD_REQUEST"


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> None:
    """Read the body once, refusing more than `limit` bytes; later reads get it from cache."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    # Starlette's Request keeps the body here; Strawberry's adapter reads it from there.
    request._body = b"".join(chunks)


def adjust(response: Any, request: Request, status: int | None) -> Any:
    if isinstance(response, Response) and response.media_type == JSON:
        response.headers["content-type"] = media_type(request)
        if status is not None and response.status_code == 200:
            response.status_code = status
    return response
