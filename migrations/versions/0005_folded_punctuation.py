"""Sort and search keys fold typographic apostrophes and dashes (`models.text.folded`).

"D’Amours" (U+2019, as phones and Macs type it) is found by "d'amours" and sorts with
"d'Entremont"; the stored keys of every contact are computed again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from contacts_api.models.text import folded

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, first_name, last_name, sort_first_name, sort_last_name FROM contacts")
    ).all()
    changed = [
        {"id": id_, "first": folded(first), "last": folded(last)}
        for id_, first, last, sort_first, sort_last in rows
        if (folded(first), folded(last)) != (sort_first, sort_last)
    ]
    if changed:
        connection.execute(
            sa.text(
                "UPDATE contacts SET sort_first_name = :first, sort_last_name = :last "
                "WHERE id = :id"
            ),
            changed,
        )


def downgrade() -> None:
    """The keys stay folded: the older form is a subset of this one's work."""
