"""Every test runs on its own fresh database, once on SQLite and once on PostgreSQL.

A migrated template is built once per backend per run; each test gets a copy (a file copy
for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL), so tests are isolated and fast.
PostgreSQL tests are skipped, saying why, when no server answers, unless
REQUIRE_POSTGRESQL=1 (as in CI), where that is a failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from contacts_api import migrations
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.factories import Factory
from tests.graphql import Api, CountingApi, StatementCounter
from tests.smtp import SmtpServer

POSTGRESQL_ADMIN_URL = os.environ.get(
    "TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRESQL = os.environ.get("REQUIRE_POSTGRESQL") == "1"
TEST_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"


def _database_url(admin_url: str, name: str) -> str:
    base = admin_url.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine)
    finally:
        await engine.dispose()


async def _postgresql_admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRESQL_ADMIN_URL, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def template(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy: a file path for SQLite, a database name for PostgreSQL."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
        yield str(path)
        return
    name = f"contacts_template_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(_postgresql_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        message = f"PostgreSQL at {POSTGRESQL_ADMIN_URL} is not reachable: {error}"
        if REQUIRE_POSTGRESQL:
            pytest.fail(message)
        pytest.skip(message)
    asyncio.run(_migrate(_database_url(POSTGRESQL_ADMIN_URL, name)))
    yield name
    asyncio.run(_postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.asynccontextmanager
async def copy_of(backend: str, template: str, directory: Path) -> AsyncIterator[str]:
    """A fresh database copied from `template`: its URL, dropped afterwards."""
    if backend == "sqlite":
        path = directory / f"contacts-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"contacts_test_{uuid.uuid4().hex[:12]}"
    await _postgresql_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _database_url(POSTGRESQL_ADMIN_URL, name)
    finally:
        await _postgresql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database_url(backend: str, template: str, tmp_path: Path) -> AsyncIterator[str]:
    async with copy_of(backend, template, tmp_path) as url:
        yield url


def settings_for(database_url: str, directory: Path) -> Settings:
    """The settings every test application runs with, on `database_url`."""
    return Settings.from_mapping(
        {
            "APP_ENV": "test",
            "DATABASE_URL": database_url,
            "AUTH_JWT_SECRET": TEST_SECRET,
            "PUBLIC_URL": "http://contacts.test",
            "MAIL_DIR": str(directory / "mail"),
            # Tests send many requests a minute as one account; test_rate_limits lowers these.
            "RATE_LIMIT_PER_ACCOUNT": "1000000",
            "RATE_LIMIT_PER_ADDRESS": "1000000",
            # Tests run the scheduler's passes themselves, at the time they choose.
            "SCHEDULER": "off",
        }
    )


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return settings_for(database_url, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def api(settings: Settings, clock: Clock) -> AsyncIterator[Api]:
    app = create_app(settings, clock=clock.now)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        yield Api(client, settings)
    await app.state.services.engine.dispose()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback (aiosmtpd), stopped after the test."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def factory(settings: Settings, clock: Clock) -> AsyncIterator[Factory]:
    engine = create_engine(settings.database_url)
    yield Factory(create_session_factory(engine), settings, clock)
    await engine.dispose()


@pytest.fixture
async def counting_api(settings: Settings, clock: Clock) -> AsyncIterator[CountingApi]:
    """An `api` whose engine counts every SQL statement SQLAlchemy executes (the compiled
    read path sends its own on the driver's connection: the request log counts those)."""
    async for counting in _counting_api(settings, clock):
        yield counting


@pytest.fixture
async def standard_counting_api(settings: Settings, clock: Clock) -> AsyncIterator[CountingApi]:
    """`counting_api` without the compiled read path: every statement goes through
    SQLAlchemy."""
    async for counting in _counting_api(dataclasses.replace(settings, query_planner=False), clock):
        yield counting


async def _counting_api(settings: Settings, clock: Clock) -> AsyncIterator[CountingApi]:
    app = create_app(settings, clock=clock.now)
    engine = app.state.services.engine.sync_engine
    counter = StatementCounter()
    event.listen(engine, "before_cursor_execute", counter)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        yield CountingApi(Api(client, settings), counter)
    event.remove(engine, "before_cursor_execute", counter)
    await app.state.services.engine.dispose()
