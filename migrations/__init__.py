"""Alembic migrations: the same scripts build the schema on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contacts_api.models.database import SQLITE_BEGIN_OPTION

SCRIPT_LOCATION = files(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["connection"] = connection
    return config


# Any number of processes on any number of hosts may start on one database: the first to hold
# this lock migrates, the others wait and then find nothing left to do.
MIGRATION_LOCK = 0x636F6E74  # "cont"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database behind `engine` to `revision`, one process at a time: under a
    PostgreSQL advisory lock, or SQLite's write lock, held until the migration commits."""
    await _migrate(engine, command.upgrade, revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database back to `revision`, the same way (an operator's way back)."""
    await _migrate(engine, command.downgrade, revision)


async def _migrate(engine: AsyncEngine, step: Callable[[Config, str], None], revision: str) -> None:
    def run(connection: Connection) -> None:
        step(alembic_config(connection), revision)

    async with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite changes a table by rebuilding it, which its foreign keys would refuse on
            # a database with rows: they are checked once, at the end, instead (SQLite's own
            # procedure; the pragma only takes effect outside a transaction).
            await _sqlite_pragma(connection, "foreign_keys=OFF")
        writing = await connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        async with writing.begin():
            if not sqlite:
                await writing.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await writing.run_sync(run)
            if sqlite:
                broken = (await writing.exec_driver_sql("PRAGMA foreign_key_check")).all()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        if sqlite:
            await _sqlite_pragma(connection, "foreign_keys=ON")


async def _sqlite_pragma(connection: AsyncConnection, pragma: str) -> None:
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    await driver.execute(f"PRAGMA {pragma}")
