"""Each organization's number of contacts, all and active, kept exact by triggers.

`totalCount` of an organization's contact list (the page everyone opens) reads these instead
of counting the organization's rows: an organization of 100,000 contacts costs what one of
10 does. The triggers run in the transaction that adds, (de)activates, moves or deletes a
contact, whatever writes it (the API, the demo, a bulk load, a console), so the counts never
drift; the row lock they take on the organization is one every change already holds.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BACKFILL = """
UPDATE organizations SET
    contact_count = (
        SELECT count(*) FROM contacts WHERE contacts.organization_id = organizations.id
    ),
    active_contact_count = (
        SELECT count(*) FROM contacts
        WHERE contacts.organization_id = organizations.id AND contacts.is_active
    )
"""

POSTGRESQL = [
    """
    CREATE FUNCTION count_organization_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE organizations SET
                contact_count = contact_count - 1,
                active_contact_count = active_contact_count - OLD.is_active::int
            WHERE id = OLD.organization_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            UPDATE organizations SET
                contact_count = contact_count + 1,
                active_contact_count = active_contact_count + NEW.is_active::int
            WHERE id = NEW.organization_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER contacts_counted_on_insert_or_delete AFTER INSERT OR DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION count_organization_contacts()
    """,
    """
    CREATE TRIGGER contacts_counted_on_update AFTER UPDATE OF organization_id, is_active
    ON contacts FOR EACH ROW
    WHEN (OLD.organization_id IS DISTINCT FROM NEW.organization_id
          OR OLD.is_active IS DISTINCT FROM NEW.is_active)
    EXECUTE FUNCTION count_organization_contacts()
    """,
]

SQLITE = [
    """
    CREATE TRIGGER contacts_counted_on_insert AFTER INSERT ON contacts
    BEGIN
        UPDATE organizations SET
            contact_count = contact_count + 1,
            active_contact_count = active_contact_count + NEW.is_active
        WHERE id = NEW.organization_id;
    END
    """,
    """
    CREATE TRIGGER contacts_counted_on_delete AFTER DELETE ON contacts
    BEGIN
        UPDATE organizations SET
            contact_count = contact_count - 1,
            active_contact_count = active_contact_count - OLD.is_active
        WHERE id = OLD.organization_id;
    END
    """,
    """
    CREATE TRIGGER contacts_counted_on_update AFTER UPDATE OF organization_id, is_active
    ON contacts
    WHEN OLD.organization_id IS NOT NEW.organization_id OR OLD.is_active IS NOT NEW.is_active
    BEGIN
        UPDATE organizations SET
            contact_count = contact_count - 1,
            active_contact_count = active_contact_count - OLD.is_active
        WHERE id = OLD.organization_id;
        UPDATE organizations SET
            contact_count = contact_count + 1,
            active_contact_count = active_contact_count + NEW.is_active
        WHERE id = NEW.organization_id;
    END
    """,
]


def upgrade() -> None:
    with op.batch_alter_table("organizations") as table:
        table.add_column(
            sa.Column("contact_count", sa.Integer(), server_default="0", nullable=False)
        )
        table.add_column(
            sa.Column("active_contact_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(BACKFILL)
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER contacts_counted_on_update ON contacts")
        op.execute("DROP TRIGGER contacts_counted_on_insert_or_delete ON contacts")
        op.execute("DROP FUNCTION count_organization_contacts()")
    else:
        for name in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER contacts_counted_on_{name}")
    with op.batch_alter_table("organizations") as table:
        table.drop_column("active_contact_count")
        table.drop_column("contact_count")
