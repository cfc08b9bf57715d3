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
import re
from dataclasses import dataclass, field
from typing import Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from strawberry.types.execution import ExecutionResult

from contacts_api.models import Language
from contacts_api.models.text import all_storable
from contacts_api.rules.messages import Message, Quoted

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
MAX_BODY_BYTES = 1_000_000


NOT_AN_OBJECT = "The request body must be a JSON object."


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
        raise HTTPException(400, NOT_AN_OBJECT)
    check_text(decoded)
    return decoded


def check_text(value: object) -> None:
    """Refuse a request any of whose texts (keys included, at any depth) cannot be stored:
    JSON may spell a lone surrogate ("\\ud800") or a NUL, which no text column holds."""
    if not all_storable(value):
        raise UnstorableText


def wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def media_type(request: Request) -> str:
    return GRAPHQL_RESPONSE if wants_graphql_response(request) else JSON


def never_ran(result: ExecutionResult) -> bool:
    """Whether `result` is the refusal of a document before it executed: no data, errors
    without a path (parsing, validation, variables, the service's limits)."""
    return (
        bool(result.errors)
        and result.data is None
        and all(not error.path for error in result.errors or ())
    )


def status_for(result: ExecutionResult, request: Request) -> int:
    """400 for a document that never executed, when the client accepts that media type."""
    return 400 if never_ran(result) and wants_graphql_response(request) else 200


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


@dataclass(frozen=True, slots=True)
class RequestError:
    """A request refused before any operation ran: its status, code and message."""

    status: int
    code: str
    message: Message
    fields: dict[str, object] = field(default_factory=dict)


REQUEST_ERRORS: dict[str, tuple[int, str, Message]] = {
    "No GraphQL query found in the request": (400, "BAD_REQUEST", Message.NO_QUERY),
    "Unable to parse request body as JSON": (400, "BAD_REQUEST", Message.MALFORMED_JSON),
    NOT_AN_OBJECT: (400, "BAD_REQUEST", Message.NOT_A_JSON_OBJECT),
    "Unsupported content type": (415, "UNSUPPORTED_MEDIA_TYPE", Message.UNSUPPORTED_MEDIA_TYPE),
    "mutations are not allowed when using GET": (
        405,
        "METHOD_NOT_ALLOWED",
        Message.MUTATION_OVER_GET,
    ),
    "GraphQL only supports GET and POST requests.": (
        405,
        "METHOD_NOT_ALLOWED",
        Message.METHOD_NOT_ALLOWED,
    ),
    "Can't get GraphQL operation type": (
        400,
        "OPERATION_RESOLUTION_FAILURE",
        Message.OPERATION_NAME_REQUIRED,
    ),
}
UNKNOWN_OPERATION = re.compile(r'^Unknown operation named "(?P<name>.*)"\.$')
WRONG_PART = re.compile(r"^The GraphQL operation's `(?P<part>\w+)` must be")


def request_error(status: int, reason: str) -> RequestError:
    """Strawberry's (and this module's) request refusals, with the specification's status, a
    code and a message of the catalogue."""
    for prefix, (known_status, code, message) in REQUEST_ERRORS.items():
        if reason.startswith(prefix) or prefix in reason:
            return RequestError(known_status, code, message)
    if match := UNKNOWN_OPERATION.match(reason):
        name = Quoted(match.group("name"))
        return RequestError(
            400, "OPERATION_RESOLUTION_FAILURE", Message.UNKNOWN_OPERATION, {"name": name}
        )
    if match := WRONG_PART.match(reason):
        return RequestError(
            400, "BAD_REQUEST", Message.BAD_REQUEST_PART, {"part": match.group("part")}
        )
    return RequestError(
        status if 400 <= status < 500 else 400, "BAD_REQUEST", Message.BAD_REQUEST, {}
    )


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


def describe_language(response: Response, language: Language) -> None:
    """Say which language the body is in, and that it depends on the request's
    `Accept-Language` (and its media type on `Accept`), so that caches keep them apart."""
    response.headers["Content-Language"] = "fr-CA" if language is Language.FRENCH else "en-CA"
    varies = [part.strip() for part in response.headers.get("vary", "").split(",") if part.strip()]
    for header in ("Accept", "Accept-Language"):
        if header.lower() not in {part.lower() for part in varies}:
            varies.append(header)
    response.headers["Vary"] = ", ".join(varies)
