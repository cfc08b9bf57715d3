"""An index for the last-name prefix search.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contacts_last_name", "contacts", ["organization_id", "sort_last_name"])


def downgrade() -> None:
    op.drop_index("ix_contacts_last_name", "contacts")
