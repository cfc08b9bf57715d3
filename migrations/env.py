"""Alembic environment: always run on a connection handed over by `migrations.upgrade`."""

from __future__ import annotations

from alembic import context

from contacts_api.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `contacts db upgrade`, which opens the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
