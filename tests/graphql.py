"""A GraphQL client for the tests, talking HTTP to the application."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx

from contacts_api.runtime.settings import Settings


class Api:
    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        language: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if language is not None:
            all_headers["Accept-Language"] = language
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        # Encoded here, ASCII-escaped, so that any text (a lone surrogate too) can be sent.
        all_headers.setdefault("Content-Type", "application/json")
        response = await self.client.post("/graphql", content=json.dumps(body), headers=all_headers)
        assert_no_leak(response.text, self.settings)
        return response

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        """The whole response body (data and errors)."""
        response = await self.post(query, variables, **options)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, **options: Any
    ) -> dict[str, Any]:
        """The data of a response that must carry no error."""
        body = await self.execute(query, variables, **options)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data


LEAKS = ("Traceback", "sqlalchemy", "asyncpg", "sqlite3", "SELECT ", "INSERT ", "UPDATE ")


def assert_no_leak(text: str, settings: Settings) -> None:
    """Every response of the suite passes here: no stack trace, no SQL, no secret."""
    for marker in LEAKS:
        assert marker not in text, f"a response leaks {marker!r}: {text[:500]}"
    if settings.auth_jwt_secret:
        assert settings.auth_jwt_secret not in text, "a response leaks the JWT secret"


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


@dataclass
class StatementCounter:
    """Listens to an engine's `before_cursor_execute`: every statement sent to the database."""

    statements: list[str] = field(default_factory=list)

    def __call__(self, _connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()


@dataclass
class CountingApi:
    api: Api
    counter: StatementCounter
