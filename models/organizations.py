from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column

from contacts_api.models.base import Base


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    provides_case_management: Mapped[bool]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Notices about invitations go to every administrator, not only to the one who sent it.
    notify_all_administrators: Mapped[bool] = mapped_column(server_default=false(), default=False)
    # Access lapses this many days after its review fell due (None: never), counted at the
    # earliest from `access_lapse_set_at`, when the setting was last changed.
    access_lapse_days: Mapped[int | None]
    access_lapse_set_at: Mapped[datetime | None]
    review_digest_sent_at: Mapped[datetime | None]
    # Kept exact by the database's triggers (migration 0003), in the transaction of every
    # change to a contact. Never loaded with the row, which a change later in the same
    # request would leave stale: the organization loader reads them as columns.
    contact_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )
    active_contact_count: Mapped[int] = mapped_column(
        server_default="0", deferred=True, deferred_raiseload=True
    )
