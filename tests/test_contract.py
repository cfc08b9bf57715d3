"""The served schema holds the whole contract, and the migrations build the models' schema."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from graphql import build_schema, find_breaking_changes, find_dangerous_changes
from sqlalchemy import Connection, inspect

from models import Base
from models.database import create_engine
from schema import schema
from settings import Settings

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract" / "schema.graphql"


def test_served_schema_does_not_break_the_contract() -> None:
    contract = build_schema(CONTRACT.read_text())
    served = build_schema(str(schema))

    assert find_breaking_changes(contract, served) == []
    assert find_dangerous_changes(contract, served) == []


# Alembic cannot compare indexes with a sort direction; their presence is checked by name.
DIRECTIONAL_INDEXES = {"ix_contacts_listing", "ix_contacts_listing_all"}


async def test_migrations_build_exactly_the_models(settings: Settings) -> None:
    engine = create_engine(settings.database_url)

    def compare(connection: Connection) -> tuple[list[object], set[str]]:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "include_object": lambda _object, name, *_: name not in DIRECTIONAL_INDEXES,
            },
        )
        indexes = {index["name"] for index in inspect(connection).get_indexes("contacts")}
        return compare_metadata(context, Base.metadata), indexes

    async with engine.connect() as connection:
        differences, indexes = await connection.run_sync(compare)
    await engine.dispose()

    assert differences == []
    assert indexes >= DIRECTIONAL_INDEXES
