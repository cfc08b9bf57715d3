"""The audit trail: each successful mutation records what changed, in its own transaction."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.models import AuditAction, AuditEvent, Contact, PhoneNumber


def record(
    session: AsyncSession,
    *,
    action: AuditAction,
    organization_id: int,
    actor_id: int | None,
    now: datetime,
    contact_id: int | None = None,
    changes: Iterable[tuple[str, Any, Any]] = (),
) -> None:
    """Add an event; `changes` are (field, old, new) with values of any type shown as text."""
    session.add(
        AuditEvent(
            organization_id=organization_id,
            contact_id=contact_id,
            actor_id=actor_id,
            action=action,
            occurred_at=now,
            changes=[
                {"field": field, "old": as_text(old), "new": as_text(new)}
                for field, old, new in changes
            ],
        )
    )


def contact_event(
    session: AsyncSession,
    action: AuditAction,
    contact: Contact,
    *,
    actor_id: int | None,
    now: datetime,
    changes: Iterable[tuple[str, Any, Any]] = (),
) -> None:
    """Add an event about `contact`, in its organization."""
    record(
        session,
        action=action,
        organization_id=contact.organization_id,
        contact_id=contact.id,
        actor_id=actor_id,
        now=now,
        changes=changes,
    )


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each field whose value changed, named as in the API."""
    return [
        (_api_name(name), before.get(name), value)
        for name, value in after.items()
        if before.get(name) != value
    ]


def as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, PhoneNumber):
        return value.display
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [as_text(item) or "" for item in value]
        return ", ".join(sorted(items) if isinstance(value, (set, frozenset)) else items)
    return str(value)


def _api_name(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
