"""Email keys in the one canonical form of `models.emails`, for accounts too.

Contacts' `email_key` was Python's `casefold()`, which makes distinct mailboxes equal (the
Kelvin sign is "k", a ligature is "ff"); it is recomputed. Accounts get the same key, which
staff announcements are matched on, and whether the identity provider verified the email;
a contact's account email gets a key for the email search.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contacts_api.models.emails import email_key

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    op.add_column("accounts", sa.Column("email_key", sa.String(254), nullable=True))
    op.add_column("accounts", sa.Column("email_verified", sa.Boolean(), nullable=True))
    op.add_column("contacts", sa.Column("account_email_key", sa.String(254), nullable=True))

    accounts = connection.execute(sa.text("SELECT id, email FROM accounts")).all()
    if accounts:
        connection.execute(
            sa.text("UPDATE accounts SET email_key = :key WHERE id = :id"),
            [{"id": id_, "key": email_key(email)} for id_, email in accounts],
        )
    contacts = connection.execute(
        sa.text("SELECT id, email, email_key, account_email FROM contacts")
    ).all()
    changed = [
        {
            "id": id_,
            "key": email_key(email),
            "account_key": email_key(account_email) if account_email is not None else None,
        }
        for id_, email, key, account_email in contacts
        if email_key(email) != key or account_email is not None
    ]
    if changed:
        connection.execute(
            sa.text(
                "UPDATE contacts SET email_key = :key, account_email_key = :account_key "
                "WHERE id = :id"
            ),
            changed,
        )

    with op.batch_alter_table("accounts") as accounts_table:
        accounts_table.alter_column("email_key", existing_type=sa.String(254), nullable=False)
        accounts_table.drop_index("ix_accounts_email")
        accounts_table.create_index("ix_accounts_email_key", ["email_key"])


def downgrade() -> None:
    with op.batch_alter_table("accounts") as accounts_table:
        accounts_table.drop_index("ix_accounts_email_key")
        accounts_table.create_index("ix_accounts_email", ["email"])
        accounts_table.drop_column("email_verified")
        accounts_table.drop_column("email_key")
    op.drop_column("contacts", "account_email_key")
