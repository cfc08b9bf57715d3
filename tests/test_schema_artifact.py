"""schema.graphql at the project's root is the served schema, exported by `contacts export-schema`."""

from __future__ import annotations

from pathlib import Path

from contacts_api.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "schema.graphql"


def test_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text() == str(schema) + "\n", (
        "schema.graphql is stale: run `.venv/bin/contacts export-schema`"
    )
