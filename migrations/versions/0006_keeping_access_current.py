"""Keeping access current: invitation reminders and notices, access reviews, lapse.

Invitations remember their reminder (its own token's hash: the first link keeps working),
when their expiry was noticed and when their failed delivery was; contacts when their access
was granted and last reviewed, and by whom; organizations whom they notify, whether access
lapses by itself, and when their last review digest went out. A contact with access today
counts as granted when its invitation was accepted (or, without one, when it last changed).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import importlib

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("invitations", sa.Column("reminded_at", Timestamp, nullable=True))
    op.add_column("invitations", sa.Column("reminder_token_hash", sa.String(64), nullable=True))
    op.add_column("invitations", sa.Column("expiry_noticed_at", Timestamp, nullable=True))
    op.add_column("invitations", sa.Column("failure_noticed_at", Timestamp, nullable=True))
    op.create_index(
        "uq_invitations_reminder_token_hash", "invitations", ["reminder_token_hash"], unique=True
    )
    op.create_index("ix_invitations_expires_at", "invitations", ["expires_at"])

    op.add_column("contacts", sa.Column("access_granted_at", Timestamp, nullable=True))
    op.add_column("contacts", sa.Column("access_reviewed_at", Timestamp, nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a column with its reference, but no constraint to a table; a batch
        # rebuild would drop the contact counts' triggers.
        op.execute(
            "ALTER TABLE contacts ADD COLUMN access_reviewed_by_id INTEGER "
            "CONSTRAINT fk_contacts_access_reviewed_by_id REFERENCES accounts (id)"
        )
    else:
        op.add_column("contacts", sa.Column("access_reviewed_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "fk_contacts_access_reviewed_by_id",
            "contacts",
            "accounts",
            ["access_reviewed_by_id"],
            ["id"],
        )

    op.add_column(
        "organizations",
        sa.Column(
            "notify_all_administrators", sa.Boolean(), nullable=False, server_default=sa.false()
        ),
    )
    op.add_column("organizations", sa.Column("access_lapse_days", sa.Integer(), nullable=True))
    op.add_column("organizations", sa.Column("access_lapse_set_at", Timestamp, nullable=True))
    op.add_column("organizations", sa.Column("review_digest_sent_at", Timestamp, nullable=True))

    op.execute(
        "UPDATE contacts SET access_granted_at = COALESCE("
        "(SELECT MAX(invitations.accepted_at) FROM invitations"
        " WHERE invitations.contact_id = contacts.id), contacts.updated_at)"
        " WHERE account_id IS NOT NULL"
    )
    # What expired or failed before this revision is history: no notice for it now.
    op.execute(
        "UPDATE invitations SET expiry_noticed_at = expires_at"
        " WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= CURRENT_TIMESTAMP"
    )
    op.execute(
        "UPDATE invitations SET failure_noticed_at = sent_at WHERE outbound_email_id IN"
        " (SELECT id FROM outbound_emails WHERE status = 'FAILED')"
    )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # A rebuild of contacts or organizations would break the contact counts' triggers
        # (migration 0003): they go while the tables are rebuilt, and come back after.
        counts = importlib.import_module("contacts_api.migrations.versions.0003_contact_counts")
        for name in ("update", "delete", "insert"):
            op.execute(f"DROP TRIGGER contacts_counted_on_{name}")
    with op.batch_alter_table("organizations") as table:
        for column in (
            "review_digest_sent_at",
            "access_lapse_set_at",
            "access_lapse_days",
            "notify_all_administrators",
        ):
            table.drop_column(column)
    with op.batch_alter_table("contacts") as table:
        if not sqlite:  # SQLite's rebuild drops the column's reference with it
            table.drop_constraint("fk_contacts_access_reviewed_by_id", type_="foreignkey")
        for column in ("access_reviewed_by_id", "access_reviewed_at", "access_granted_at"):
            table.drop_column(column)
    op.drop_index("ix_invitations_expires_at", "invitations")
    op.drop_index("uq_invitations_reminder_token_hash", "invitations")
    with op.batch_alter_table("invitations") as table:
        for column in (
            "failure_noticed_at",
            "expiry_noticed_at",
            "reminder_token_hash",
            "reminded_at",
        ):
            table.drop_column(column)
    if sqlite:
        for statement in counts.SQLITE:
            op.execute(statement)
