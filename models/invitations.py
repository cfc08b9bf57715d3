from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from contacts_api.models.base import Base
from contacts_api.models.enums import InvitationStatus


class _InvitationColumns(Protocol):
    expires_at: datetime
    accepted_at: datetime | None
    revoked_at: datetime | None


class InvitationFacts:
    """What follows from an invitation's columns: for the mapped class, and for the rows the
    compiled read path reads without the ORM (`planner.reads`)."""

    __slots__ = ()

    @property
    def may_still_grant(self: _InvitationColumns) -> bool:
        """Neither accepted nor revoked: pending, or expired and resendable (if it is the
        contact's latest), so its profiles may still become access."""
        return self.accepted_at is None and self.revoked_at is None

    def status_at(self: _InvitationColumns, now: datetime) -> InvitationStatus:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if now >= self.expires_at:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class Invitation(InvitationFacts, Base):
    """An emailed invitation to link a My NS Account to a contact.

    Only a hash of the token is stored (and of the reminder's, once reminded). The status is not stored: it follows from the
    timestamps and the clock (see `status_at`).
    """

    __tablename__ = "invitations"
    __table_args__ = (
        Index("ix_invitations_expires_at", "expires_at"),
        Index("uq_invitations_reminder_token_hash", "reminder_token_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    message: Mapped[str | None] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    sent_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    outbound_email_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_emails.id"))
    # The reminder carries a token of its own, so that the first link keeps working too.
    reminded_at: Mapped[datetime | None]
    reminder_token_hash: Mapped[str | None] = mapped_column(String(64))
    # When the scheduler told the sender about its expiry, or about its failed delivery.
    expiry_noticed_at: Mapped[datetime | None]
    failure_noticed_at: Mapped[datetime | None]
