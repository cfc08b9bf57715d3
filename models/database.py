"""Engines and sessions: the only place that knows how to reach the database."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Connection, Executable, Result, event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_BEGIN_OPTION = "sqlite_begin_mode"


@dataclass(frozen=True, slots=True)
class PoolOptions:
    """How many connections a process keeps, and how long it waits for one (PostgreSQL)."""

    size: int = 5
    max_overflow: int = 10
    timeout: float = 30
    connect_timeout: float = 10
    statement_timeout: float | None = None


SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# libpq's connection parameters that asyncpg takes another way; others are refused by name.
LIBPQ_PARAMETERS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "connect_timeout",
    "application_name",
    "target_session_attrs",
}


def create_engine(database_url: str, pool: PoolOptions | None = None) -> AsyncEngine:
    """An engine for `database_url`; SQLite gets WAL, a busy timeout and foreign keys, and a
    PostgreSQL URL may carry libpq's parameters (`sslmode`, `sslrootcert`, …), as managed
    databases give them."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(
            database_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        )
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
        return engine
    pool = pool or PoolOptions()
    url, connect_args = asyncpg_arguments(make_url(database_url))
    connect_args.setdefault("timeout", pool.connect_timeout)
    if pool.statement_timeout is not None:
        connect_args["command_timeout"] = pool.statement_timeout
    # Connections are recycled rather than pinged: a ping is a round trip on every request.
    return create_async_engine(
        url,
        connect_args=connect_args,
        pool_size=pool.size,
        max_overflow=pool.max_overflow,
        pool_timeout=pool.timeout,
        pool_recycle=1800,
    )


def asyncpg_arguments(url: URL) -> tuple[URL, dict[str, Any]]:
    """`url` without libpq's parameters, and asyncpg's connect arguments for them.

    `sslmode` keeps libpq's meaning: `require` encrypts without checking the certificate (or
    checks it against `sslrootcert` when one is given), `verify-ca` checks it, `verify-full`
    checks it and the host name. Raises ValueError naming what cannot be used.
    """
    query = {key: value for key, value in url.query.items() if isinstance(value, str)}
    unknown = sorted(set(url.query) - LIBPQ_PARAMETERS)
    if unknown:
        raise ValueError(f"unsupported parameter(s) {', '.join(unknown)}")
    arguments: dict[str, Any] = {}
    if "connect_timeout" in query:
        try:
            arguments["timeout"] = float(query["connect_timeout"])
        except ValueError:
            raise ValueError("connect_timeout must be a number of seconds") from None
    if "application_name" in query:
        arguments["server_settings"] = {"application_name": query["application_name"]}
    if "target_session_attrs" in query:
        arguments["target_session_attrs"] = query["target_session_attrs"]
    mode = query.get("sslmode")
    if mode is not None or {"sslrootcert", "sslcert"} & set(query):
        arguments["ssl"] = _ssl(
            mode or "prefer", query.get("sslrootcert"), query.get("sslcert"), query.get("sslkey")
        )
    return url.set(query={}), arguments


def _ssl(mode: str, root: str | None, cert: str | None, key: str | None) -> Any:
    if mode not in SSL_MODES:
        raise ValueError(f"sslmode must be one of {', '.join(SSL_MODES)}, not {mode!r}")
    if mode == "disable":
        return False
    if mode in {"allow", "prefer"} and not (root or cert):
        return "prefer"
    try:
        if mode in {"verify-ca", "verify-full"}:
            context = ssl.create_default_context(cafile=root)
            context.check_hostname = mode == "verify-full"
        else:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            if root:
                context.load_verify_locations(cafile=root)
            else:
                context.verify_mode = ssl.CERT_NONE
        if cert:
            context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"cannot read the certificates: {error}") from None
    return context


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
