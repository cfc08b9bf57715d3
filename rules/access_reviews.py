"""Access reviews: every access is confirmed as still needed once a review period.

A contact's review falls due `ACCESS_REVIEW_DAYS` after its access was granted or last
confirmed (`Contact.access_reviewed_from`). An administrator confirms in one call the
contacts it may manage, except itself (nobody reviews their own access; staff may); each
contact it may not confirm is answered on its own, and the rest are still confirmed. What happens when nobody confirms (the weekly digest, the lapse) is timed
work: see `timed_work`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.models import AuditAction, Contact
from contacts_api.rules import audit as audit_trail
from contacts_api.rules import authorization
from contacts_api.rules.access import lock_organization, managed_contact
from contacts_api.rules.authorization import Forbidden, Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.rules.messages import Message
from contacts_api.rules.user_errors import ErrorCode, UserError, UserErrors
from contacts_api.runtime.settings import Settings


def review_due_at(contact: Contact, settings: Settings) -> datetime | None:
    """When the contact's access is due for review; None without access."""
    reviewed_from = contact.access_reviewed_from()
    if not contact.has_access or reviewed_from is None:
        return None
    return reviewed_from + timedelta(days=settings.access_review_days)


def due_condition(now: datetime, settings: Settings) -> ColumnElement[bool]:
    """The SQL of "has access, and its review is due at `now`"."""
    return and_(
        Contact.account_id.is_not(None),
        Contact.is_active,
        func.coalesce(Contact.access_reviewed_at, Contact.access_granted_at)
        <= now - timedelta(days=settings.access_review_days),
    )


@dataclass(frozen=True, slots=True)
class Confirmation:
    """What confirmAccess did: the contacts confirmed, and why each other one was not."""

    confirmed: list[Contact] = field(default_factory=list)
    errors: list[UserError] = field(default_factory=list)


async def confirm_access(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    contact_ids: Sequence[int | None],
) -> Confirmation:
    """Confirm each contact the viewer may manage; `None` stands for an id that did not
    decode. A contact named twice is confirmed once."""
    confirmation = Confirmation()
    seen: set[int] = set()
    # Every organization involved, locked first and in one order, so that two bulk changes
    # over the same organizations take turns instead of deadlocking.
    organization_ids = await session.scalars(
        select(Contact.organization_id)
        .where(Contact.id.in_([key for key in contact_ids if key is not None]))
        .distinct()
        .order_by(Contact.organization_id)
    )
    for organization_id in organization_ids:
        if authorization.is_member(viewer, organization_id):
            _organization, viewer = await lock_organization(session, organization_id, viewer)
    for index, contact_id in enumerate(contact_ids):
        path = ("input", "contactIds", str(index))
        if contact_id is None:
            confirmation.errors.append(UserError(ErrorCode.INVALID, Message.INVALID_ID, path))
            continue
        if contact_id in seen:
            continue
        seen.add(contact_id)
        try:
            managed = await managed_contact(session, viewer, catalogue, now, contact_id)
        except UserErrors:
            confirmation.errors.append(UserError(ErrorCode.NOT_FOUND, Message.NOT_FOUND, path))
            continue
        except Forbidden:
            confirmation.errors.append(UserError(ErrorCode.FORBIDDEN, Message.FORBIDDEN, path))
            continue
        contact, viewer = managed.contact, managed.viewer
        if contact.account_id == viewer.account.id and not viewer.is_staff:
            # Nobody reviews their own access: another administrator, or staff, does.
            confirmation.errors.append(UserError(ErrorCode.FORBIDDEN, Message.FORBIDDEN, path))
            continue
        if not contact.has_access:
            confirmation.errors.append(
                UserError(ErrorCode.INVALID, Message.NO_ACCESS_TO_REVIEW, path)
            )
            continue
        due_before = review_due_at(contact, settings)
        contact.access_reviewed_at, contact.access_reviewed_by_id = now, viewer.account.id
        contact.touch(now)
        await session.flush()
        audit_trail.contact_event(
            session,
            AuditAction.ACCESS_CONFIRMED,
            contact,
            actor_id=viewer.account.id,
            now=now,
            changes=[("accessReviewDueAt", due_before, review_due_at(contact, settings))],
        )
        confirmation.confirmed.append(contact)
    return confirmation
