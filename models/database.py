"""Engines and sessions: the only place that knows how to reach the database."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Executable, Result, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_BEGIN_OPTION = "sqlite_begin_mode"


def create_engine(database_url: str, **options: Any) -> AsyncEngine:
    """An engine for `database_url`; SQLite gets WAL, a busy timeout and foreign keys."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **options
        )
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
        return engine
    # Connections are recycled rather than pinged: a ping is a round trip on every request.
    return create_async_engine(database_url, pool_recycle=1800, **options)


def _configure_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # The driver's own implicit transactions break SAVEPOINTs; SQLAlchemy emits BEGIN instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class RequestSession:
    """The one session of a request, safe to share between concurrently running resolvers.

    GraphQL resolves sibling fields concurrently, and an AsyncSession allows one operation
    at a time; reads go through `execute` and friends, which take turns. Writes use
    `session` directly inside a mutation, which GraphQL runs alone.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._turn = asyncio.Lock()
        self._writing = False

    async def begin_write(self) -> None:
        """Start writing: on SQLite, take the database's write lock before reading.

        A SQLite transaction that read first and writes later fails at once if another
        writer committed in between; BEGIN IMMEDIATE waits for its turn instead. What the
        request read so far is committed first: it wrote nothing. Objects already loaded stay
        usable (the session does not expire them on commit).
        """
        if self._writing:
            return
        self._writing = True
        if self.session.get_bind().dialect.name != "sqlite":
            return
        if self.session.in_transaction():
            await self.session.commit()
        await self.session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Result[*tuple[Any, ...]]:
        async with self._turn:
            return await self.session.execute(statement, parameters)

    async def scalars(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> list[Any]:
        return list((await self.execute(statement, parameters)).scalars())

    async def scalar(self, statement: Executable) -> Any:
        return (await self.execute(statement)).scalar()
