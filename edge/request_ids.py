"""Every request has an id: the proxy's `X-Request-Id` when it is a plain token, else a new
one. It is kept in the request's state, written in its log line and error messages, and
echoed in the response's `X-Request-Id` header, so that a client can quote it."""

from __future__ import annotations

import re
import uuid

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
PLAIN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def of(request: Request) -> str:
    """The id of `request` (set by `RequestIds`; a new one for an app without it)."""
    known = request.scope.get("state", {}).get("request_id")
    return known if isinstance(known, str) else _choose(request.headers.get(HEADER, ""))


def _choose(given: str) -> str:
    # Echoed in headers and logs: nothing but a plain token is taken from the client.
    return given if PLAIN.fullmatch(given) else uuid.uuid4().hex


class RequestIds:
    """ASGI middleware: gives each HTTP request its id and echoes it in the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next(
            (
                value.decode("latin-1")
                for name, value in scope["headers"]
                if name == b"x-request-id"
            ),
            "",
        )
        request_id = _choose(given)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != b"x-request-id"]
                message["headers"] = [*headers, (b"x-request-id", request_id.encode("ascii"))]
            await send(message)

        await self.app(scope, receive, send_with_id)
