"""Rate limits per account and per address, in memory or shared through Redis."""

from __future__ import annotations

import dataclasses
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime

import httpx
import pytest
from redis.asyncio import Redis

from contacts_api.edge.authentication import issue_development_token
from contacts_api.edge.rate_limits import RateLimiter, RedisCounter
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.graphql import error_codes

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
VIEWER = "{ viewer { account { email } } }"

Client = Callable[[Settings], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def client(clock: Clock) -> Client:
    @asynccontextmanager
    async def open_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings, clock=clock.now)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http
        await app.state.services.close()

    return open_client


def _token(settings: Settings) -> str:
    return issue_development_token(settings, email=f"{uuid.uuid4().hex}@example.org")


async def test_an_account_over_its_limit_waits(settings: Settings, client: Client) -> None:
    limited = dataclasses.replace(settings, rate_limit_per_account=3)
    token, other = _token(limited), _token(limited)
    async with client(limited) as http:
        answers = [
            await http.post(
                "/graphql",
                json={"query": VIEWER},
                headers={"Authorization": f"Bearer {token}", "Accept-Language": "fr"},
            )
            for _ in range(4)
        ]
        someone_else = await http.post(
            "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {other}"}
        )

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert error_codes(refused.json()) == ["RATE_LIMITED"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "réessayez" in refused.json()["errors"][0]["message"]
    assert someone_else.status_code == 200


async def test_an_address_over_its_limit_waits(settings: Settings, client: Client) -> None:
    limited = dataclasses.replace(settings, rate_limit_per_address=2)
    async with client(limited) as http:
        statuses = [
            (await http.post("/graphql", json={"query": VIEWER})).status_code for _ in range(3)
        ]

    assert statuses == [200, 200, 429]


async def test_redis_shares_the_limit_between_server_processes(
    settings: Settings, client: Client
) -> None:
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.ping()
    except OSError as error:
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {error}")
    finally:
        await redis.aclose()
    shared = dataclasses.replace(settings, redis_url=REDIS_URL, rate_limit_per_account=3)
    prefix = f"test:{uuid.uuid4().hex}"
    token = _token(shared)
    async with client(shared) as first, client(shared) as second:
        for http in (first, second):
            services = http.app.state.services  # type: ignore[attr-defined]
            await services.limiter.counter.close()
            services.limiter = RateLimiter(
                RedisCounter(REDIS_URL, prefix=prefix), per_account=3, per_address=1000
            )
        statuses = [
            (
                await http.post(
                    "/graphql", json={"query": VIEWER}, headers={"Authorization": f"Bearer {token}"}
                )
            ).status_code
            for http in (first, second, first, second)
        ]

    assert statuses == [200, 200, 200, 429]


RATE_LIMIT = "{ rateLimit { limit used remaining resetAt cost } securityProfiles { code } }"


async def test_every_answer_says_where_the_caller_stands(
    settings: Settings, client: Client
) -> None:
    limited = dataclasses.replace(settings, rate_limit_per_account=5)
    token = _token(limited)
    async with client(limited) as http:
        answers = [
            await http.post(
                "/graphql", json={"query": RATE_LIMIT}, headers={"Authorization": f"Bearer {token}"}
            )
            for _ in range(2)
        ]

    first, second = (answer.headers for answer in answers)
    assert (first["x-ratelimit-limit"], first["x-ratelimit-remaining"]) == ("5", "4")
    assert (second["x-ratelimit-used"], second["x-ratelimit-remaining"]) == ("2", "3")
    assert abs(int(first["x-ratelimit-reset"]) - time.time()) <= 61
    standing = answers[1].json()["data"]["rateLimit"]
    assert {key: standing[key] for key in ("limit", "used", "remaining", "cost")} == {
        "limit": 5,
        "used": 2,
        "remaining": 3,
        "cost": answers[1].json()["extensions"]["cost"]["requestedQueryCost"],
    }
    assert datetime.fromisoformat(standing["resetAt"]).timestamp() == int(
        second["x-ratelimit-reset"]
    )
