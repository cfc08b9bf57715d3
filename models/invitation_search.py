"""The invitations of an organization, newest first, filtered by their derived status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, or_, select

from contacts_api.models import Invitation, InvitationStatus
from contacts_api.models.pagination import Ordering, SortKey

INVITATION_ORDER = Ordering("invitations", [SortKey(Invitation.id, "id", int, descending=True)])


def status_condition(status: InvitationStatus, now: datetime) -> ColumnElement[bool]:
    """The SQL form of `Invitation.status_at(now) == status`."""
    open_ = and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    match status:
        case InvitationStatus.ACCEPTED:
            return Invitation.accepted_at.is_not(None)
        case InvitationStatus.REVOKED:
            return and_(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_not(None))
        case InvitationStatus.EXPIRED:
            return and_(open_, Invitation.expires_at <= now)
        case InvitationStatus.PENDING:
            return and_(open_, Invitation.expires_at > now)


def invitations_statement(
    organization_id: int, statuses: Sequence[InvitationStatus] | None, now: datetime
) -> Select[Any]:
    statement = select(Invitation).where(Invitation.organization_id == organization_id)
    if statuses is not None:
        # One condition a status, however often the client repeats it.
        statement = statement.where(
            or_(false(), *(status_condition(status, now) for status in sorted(set(statuses))))
        )
    return statement
