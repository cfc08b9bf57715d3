"""The audit trail: every successful change, who made it, and each field's old and new value."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import Parent

from contacts_api import models
from contacts_api.models.audit import FieldChange as FieldChangeValue
from contacts_api.resolvers import ids
from contacts_api.resolvers import invitations as invitation_fields
from contacts_api.resolvers.context import Info
from contacts_api.schema.accounts import Account
from contacts_api.schema.enums import AuditAction
from contacts_api.schema.node import Node, rows_of

if TYPE_CHECKING:
    from contacts_api.schema.contacts import Contact

ContactType = Annotated["Contact", strawberry.lazy("contacts_api.schema.contacts")]


@strawberry.type(
    description="One field changed by an audited action, with its values before and after."
)
class FieldChange:
    field: str = strawberry.field(
        description=(
            "The field's name as in the API, e.g. lastName, isActive, securityProfiles or "
            "invitation."
        )
    )
    old_value: str | None = strawberry.field(
        description=(
            "The value before, as text (booleans true or false, lists comma-separated, "
            "profiles by code); null when there was none."
        )
    )
    new_value: str | None = strawberry.field(
        description="The value after, as text like oldValue; null when it was cleared."
    )


@strawberry.type(
    description=(
        "A successful change, as the audit trail keeps it (never a token). Administrators "
        "of the organization and staff only."
    )
)
class AuditEvent(Node):
    is_type_of = rows_of(models.AuditEvent)

    @strawberry.field(description="The event's global id.")
    @staticmethod
    def id(parent: Parent[models.AuditEvent]) -> strawberry.ID:
        return strawberry.ID(ids.encode(ids.NodeType.AUDIT_EVENT, parent.id))

    occurred_at: datetime = strawberry.field(description="When the change was made.")
    action: AuditAction = strawberry.field(description="What was done.")

    @strawberry.field(
        graphql_type=Account | None,
        description="The account that made the change. Null for the system itself.",
    )
    @staticmethod
    async def actor(parent: Parent[models.AuditEvent], info: Info) -> models.Account | None:
        return await invitation_fields.account(info.context, parent.actor_id)

    @strawberry.field(
        graphql_type=ContactType | None,
        description=(
            "The contact the change concerns; null for a change to the organization itself "
            "(ORGANIZATION_CREATED)."
        ),
    )
    @staticmethod
    async def contact(parent: Parent[models.AuditEvent], info: Info) -> models.Contact | None:
        if parent.contact_id is None:
            return None
        return await info.context.loaders.contact.load(parent.contact_id)

    @strawberry.field(
        graphql_type=list[FieldChange],
        description="Each field changed, with its old and new value; empty when none is listed.",
    )
    @staticmethod
    def changes(parent: Parent[models.AuditEvent]) -> list[FieldChangeValue]:
        return parent.field_changes
