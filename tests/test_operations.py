"""Operations at scale, on the real topology: `contacts serve` processes sharing one database
and one Redis, Redis going away and coming back, several hosts starting on an empty database
at once, `--workers 2` metrics, and a proxy's `X-Forwarded-For`.

Each test starts its own server processes (and its own redis-server on a free port, never
the shared one), drives them over HTTP, and stops every process it started by its PID.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from contacts_api.models.database import create_engine
from tests.conftest import POSTGRESQL_ADMIN_URL, _database_url, _postgresql_admin
from tests.servers import (
    RedisServer,
    RunningServer,
    environment,
    run_server,
    start_server,
    wait_until_healthy,
)

VIEWER = {"query": "query ListContacts { viewer { account { email } } }"}


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def post(client: httpx.Client, server: RunningServer, token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(f"{server.url}/graphql", json=VIEWER, headers=headers)


def counted(metrics: str, operation: str, outcome: str) -> float:
    pattern = rf'graphql_requests_total\{{operation="{operation}",outcome="{outcome}"\}} (\S+)'
    found = re.search(pattern, metrics)
    return float(found.group(1)) if found else 0.0


def test_two_servers_share_limits_and_keep_serving_while_redis_is_away(
    backend: str, database_url: str, redis: RedisServer, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("several hosts share a PostgreSQL database")
    env = {
        **environment(tmp_path),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "RATE_LIMIT_PER_ACCOUNT": "10",
    }
    with (
        run_server(tmp_path, env=env, name="first") as first,
        run_server(tmp_path, env=env, name="second") as second,
        httpx.Client(timeout=10) as client,
    ):
        token = first.token("shared@example.org")

        # Shared: ten requests a minute for the account, whichever server answers.
        statuses = [post(client, server, token).status_code for server in (first, second) * 8]
        assert statuses.count(200) == 10, statuses
        assert set(statuses) == {200, 429}

        redis.stop()
        away = [post(client, server, token).status_code for server in (first, second) * 4]
        fresh = first.token("during-the-outage@example.org")
        served = [post(client, server, fresh).status_code for server in (first, second) * 3]
        ready = client.get(f"{first.url}/readyz")
        metrics = client.get(f"{first.url}/metrics").text

        assert 500 not in away + served
        assert served == [200] * 6
        assert ready.status_code == 200
        assert ready.json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}
        fallbacks = re.search(r"^rate_limit_fallbacks_total (\S+)$", metrics, re.MULTILINE)
        assert fallbacks is not None
        assert float(fallbacks.group(1)) > 0

        redis.start()
        time.sleep(5.5)  # the servers try Redis again after 5 seconds
        back = first.token("after-the-outage@example.org")
        statuses = [post(client, server, back).status_code for server in (first, second) * 8]
        assert statuses.count(200) == 10, statuses
        assert client.get(f"{second.url}/readyz").json()["status"] == "ready"


def test_three_hosts_starting_at_once_on_an_empty_database_migrate_it_once(
    backend: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite is one host's")
    name = f"contacts_empty_{uuid.uuid4().hex[:10]}"
    asyncio.run(_postgresql_admin(f'CREATE DATABASE "{name}"'))
    url = _database_url(POSTGRESQL_ADMIN_URL, name)
    try:
        env = {**environment(tmp_path), "DATABASE_URL": url}
        with ExitStack() as stack:
            servers = [
                stack.enter_context(start_server(tmp_path, env=env, name=f"host{index}"))
                for index in range(3)
            ]
            with ThreadPoolExecutor(3) as pool:
                list(pool.map(wait_until_healthy, servers))
            with httpx.Client(timeout=10) as client:
                for server in servers:
                    assert client.get(f"{server.url}/readyz").json()["status"] == "ready"
                    answer = client.post(
                        f"{server.url}/graphql", json={"query": "{ securityProfiles { code } }"}
                    )
                    assert len(answer.json()["data"]["securityProfiles"]) == 8
            logs = [server.log.read_text() for server in servers]
        assert not any("Traceback" in log for log in logs), logs

        async def versions() -> list[str]:
            engine = create_engine(url)
            async with engine.connect() as connection:
                rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
                found = [row[0] for row in rows]
            await engine.dispose()
            return found

        assert len(asyncio.run(versions())) == 1
    finally:
        asyncio.run(_postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_metrics_of_two_workers_count_every_request_once(tmp_path: Path) -> None:
    env = environment(tmp_path)
    with (
        run_server(tmp_path, env=env, workers=2, seed=True) as server,
        httpx.Client(timeout=10) as client,
    ):
        token = server.token("staff@novascotia.example")
        asked = {"ok": 0, "UNAUTHENTICATED": 0}
        for index in range(14):
            if index % 3 == 0:
                body = {"query": 'query ListContacts { node(id: "x") { id } }'}
                client.post(f"{server.url}/graphql", json=body)
                asked["UNAUTHENTICATED"] += 1
            else:
                assert post(client, server, token).status_code == 200
                asked["ok"] += 1

        scrapes = [client.get(f"{server.url}/metrics").text for _ in range(6)]

    for scrape in scrapes:
        assert counted(scrape, "ListContacts", "ok") == asked["ok"]
        assert counted(scrape, "ListContacts", "UNAUTHENTICATED") == asked["UNAUTHENTICATED"]
    assert "process_resident_memory_bytes" in scrapes[0]


def test_a_trusted_proxy_gives_each_client_its_own_address_limit(tmp_path: Path) -> None:
    def limited(trusted: str) -> list[int]:
        directory = tmp_path / trusted.replace(".", "-")
        directory.mkdir()
        env = {
            **environment(directory),
            "RATE_LIMIT_PER_ADDRESS": "3",
            "FORWARDED_ALLOW_IPS": trusted,
        }
        with run_server(directory, env=env) as server, httpx.Client(timeout=10) as client:
            return [
                client.post(
                    f"{server.url}/graphql",
                    json={"query": "{ securityProfiles { code } }"},
                    headers={"X-Forwarded-For": f"203.0.113.{index}"},
                ).status_code
                for index in range(6)
            ]

    # Each forwarded client has a limit of its own behind a trusted proxy...
    assert limited("127.0.0.1") == [200] * 6
    # ...and shares the proxy's address when the proxy is not trusted.
    assert limited("10.9.9.9") == [200, 200, 200, 429, 429, 429]
