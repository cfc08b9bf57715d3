"""The served schema holds the whole contract, and the migrations build the models' schema.

The contract is the repository's copy (`contract/`); when the shared one is beside the
checkout, the copy must be identical, so that a change there is noticed here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from graphql import build_schema, find_breaking_changes, find_dangerous_changes
from sqlalchemy import Connection, inspect

from contacts_api.models import Base
from contacts_api.models.database import create_engine
from contacts_api.runtime.settings import Settings
from contacts_api.schema import schema

CONTRACT_COPY = Path(__file__).resolve().parents[1] / "contract"
CONTRACT = CONTRACT_COPY / "schema.graphql"
SHARED_CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"


@pytest.mark.parametrize("name", ["schema.graphql", "README.md"])
def test_the_copy_of_the_contract_is_the_shared_one(name: str) -> None:
    if not SHARED_CONTRACT.is_dir():
        pytest.skip(f"no shared contract at {SHARED_CONTRACT} to compare the copy with")
    assert (CONTRACT_COPY / name).read_bytes() == (SHARED_CONTRACT / name).read_bytes(), (
        f"contract/{name} differs from {SHARED_CONTRACT / name}: copy the new contract in"
    )


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
