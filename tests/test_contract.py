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
from sqlalchemy import Connection, inspect, text

from contacts_api import migrations
from contacts_api.models import Base
from contacts_api.models.database import create_engine
from contacts_api.runtime import demo
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
    dangerous = [change.description for change in find_dangerous_changes(contract, served)]
    assert sorted(dangerous) == sorted(ADDED_ON_PURPOSE)


# Changes graphql-core calls dangerous (a client's cached documents keep working), made on
# purpose, each with its reason.
ADDED_ON_PURPOSE = {
    "An optional argument PhoneNumber.display(language:) was added.": (
        "phone numbers are written as the language asked writes them, as SecurityProfile.name"
    ),
    "An optional field ContactFilter.accessReviewDue was added.": (
        "access reviews: who is due (a filter left out filters nothing, as before)"
    ),
    **{
        f"Enum value AuditAction.{action} was added.": "the audit trail of keeping access current"
        for action in (
            "INVITATION_REMINDED",
            "INVITATION_EXPIRED",
            "ACCESS_CONFIRMED",
            "ACCESS_LAPSED",
            "ORGANIZATION_UPDATED",
        )
    },
    "Enum value UserErrorCode.FORBIDDEN was added.": (
        "confirmAccess answers an id the viewer may not confirm on its own, the others go on"
    ),
}


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


async def test_a_database_with_rows_migrates_to_head(settings: Settings, tmp_path: Path) -> None:
    """Every migration runs on a database that holds data, not only on an empty one (SQLite
    rebuilds a table to change it, which its foreign keys must survive)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}" if settings.is_sqlite else None
    if url is None:
        pytest.skip("the rebuild of a table is SQLite's")
    engine = create_engine(url)
    await migrations.upgrade(engine, "0003")
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO accounts (id, subject, email, is_staff, created_at, updated_at) "
                "VALUES (1, 'idp|1', 'Robin@Example.org', 0, '2026-01-01', '2026-01-01')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO organizations (id, name, provides_case_management, created_at, "
                "updated_at) VALUES (1, 'O', 0, '2026-01-01', '2026-01-01')"
            )
        )
        await connection.execute(
            text(
                "INSERT INTO contacts (id, organization_id, first_name, last_name, email, "
                "email_key, account_id, account_email, phone_numbers, preferred_language, "
                "is_primary, is_active, sort_last_name, sort_first_name, version, created_at, "
                "updated_at) VALUES (1, 1, 'R', 'L', 'Robin@Example.org', 'robin@example.org', "
                "1, 'Robin@Example.org', '[]', 'ENGLISH', 1, 1, 'l', 'r', 1, '2026-01-01', "
                "'2026-01-01')"
            )
        )

    await migrations.upgrade(engine)

    async with engine.connect() as connection:
        keys = (
            await connection.execute(text("SELECT email_key, account_email_key FROM contacts"))
        ).all()
        account_keys = (await connection.execute(text("SELECT email_key FROM accounts"))).all()
    await engine.dispose()
    assert [tuple(row) for row in keys] == [("robin@example.org", "robin@example.org")]
    assert [tuple(row) for row in account_keys] == [("robin@example.org",)]


async def test_keeping_access_current_migrates_down_and_up_again_with_data(
    settings: Settings,
) -> None:
    """0006 on a database with rows (the demo's): down to 0005 and up again, keeping the
    contact counts' triggers (which a SQLite table rebuild would break)."""
    await demo.seed(settings)
    engine = create_engine(settings.database_url)
    try:
        await migrations.downgrade(engine, "0005")
        await migrations.upgrade(engine)
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                listed = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            else:
                listed = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            triggers = {row[0] for row in await connection.execute(text(listed))}
            counts = await connection.execute(
                text(
                    "SELECT o.contact_count, (SELECT count(*) FROM contacts c "
                    "WHERE c.organization_id = o.id) FROM organizations o"
                )
            )
            pairs = [tuple(row) for row in counts]
    finally:
        await engine.dispose()
    assert {name for name in triggers if name.startswith("contacts_counted_on_")}
    assert pairs
    assert all(kept == real for kept, real in pairs)
