from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from contacts_api.models.base import Base
from contacts_api.models.enums import AuditAction


class AuditEvent(Base):
    """One successful change: who, what, to which contact, each field's old and new value."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_organization_id_id", "organization_id", "id"),
        Index("ix_audit_events_contact_id_id", "contact_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    action: Mapped[AuditAction] = mapped_column(Enum(AuditAction, native_enum=False, length=40))
    occurred_at: Mapped[datetime]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON().with_variant(JSONB(), "postgresql"), default=list
    )

    @property
    def field_changes(self) -> list[FieldChange]:
        return [
            FieldChange(change["field"], change.get("old"), change.get("new"))
            for change in self.changes
        ]


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old_value: str | None
    new_value: str | None
