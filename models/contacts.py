from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Enum, ForeignKey, Index, Numeric, String, text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import flag_modified

from contacts_api.models.base import Base
from contacts_api.models.emails import email_key
from contacts_api.models.enums import Language
from contacts_api.models.phone_numbers import PhoneNumber, PhoneNumberList
from contacts_api.models.text import SORT_KEY_LENGTH, folded

# Sort and search keys compare byte-wise on both databases (see models.text.folded).
SortKey = String(SORT_KEY_LENGTH).with_variant(String(SORT_KEY_LENGTH, collation="C"), "postgresql")


class _ContactColumns(Protocol):
    email: str
    email_key: str
    account_id: int | None
    account_email: str | None
    account_email_key: str | None
    is_active: bool
    access_granted_at: datetime | None
    access_reviewed_at: datetime | None


class ContactFacts:
    """What follows from a contact's columns: for the mapped class, and for the rows the
    compiled read path reads without the ORM (`planner.reads`)."""

    __slots__ = ()

    @property
    def has_access(self: _ContactColumns) -> bool:
        return self.account_id is not None and self.is_active

    @property
    def emails(self: _ContactColumns) -> list[str]:
        """The email entered, then the account's when it is another address."""
        if self.account_email and self.account_email_key != self.email_key:
            return [self.email, self.account_email]
        return [self.email]

    def access_reviewed_from(self: _ContactColumns) -> datetime | None:
        """Where the review period runs from: the last review, else the grant."""
        return self.access_reviewed_at or self.access_granted_at


class Contact(ContactFacts, Base):
    """A person authorized to act for an organization, with or without system access.

    `sort_*_name`, `email_key` and `account_email_key` are derived from the names and the
    emails by `set_names`, `set_email` and `link_account`; write those through them only.
    The access review period runs from `access_reviewed_at`, or `access_granted_at` before
    the first review.
    """

    __tablename__ = "contacts"
    __table_args__ = (
        Index(
            "ix_contacts_listing",
            "organization_id",
            "is_active",
            text("is_primary DESC"),
            "sort_last_name",
            "sort_first_name",
            "id",
        ),
        Index(
            "ix_contacts_listing_all",
            "organization_id",
            text("is_primary DESC"),
            "sort_last_name",
            "sort_first_name",
            "id",
        ),
        Index("ix_contacts_last_name", "organization_id", "sort_last_name"),
        Index("uq_contacts_organization_id_email_key", "organization_id", "email_key", unique=True),
        Index(
            "uq_contacts_organization_id_account_id", "organization_id", "account_id", unique=True
        ),
        Index(
            "uq_contacts_primary",
            "organization_id",
            unique=True,
            sqlite_where=text("is_primary"),
            postgresql_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(150))
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    account_email: Mapped[str | None] = mapped_column(String(254))
    account_email_key: Mapped[str | None] = mapped_column(String(254))
    phone_numbers: Mapped[tuple[PhoneNumber, ...]] = mapped_column(PhoneNumberList(), default=())
    preferred_language: Mapped[Language] = mapped_column(
        Enum(Language, native_enum=False, length=20), default=Language.ENGLISH
    )
    is_primary: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    office_location: Mapped[str | None] = mapped_column(String(150))
    position_type: Mapped[str | None] = mapped_column(String(150))
    fte: Mapped[float | None] = mapped_column(Numeric(3, 2, asdecimal=False))
    sort_last_name: Mapped[str] = mapped_column(SortKey)
    sort_first_name: Mapped[str] = mapped_column(SortKey)
    # Access: when it was granted (an invitation accepted, a reactivation), when an
    # administrator last confirmed it is still needed, and who.
    access_granted_at: Mapped[datetime | None]
    access_reviewed_at: Mapped[datetime | None]
    access_reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    __mapper_args__ = {"version_id_col": version}

    def set_names(self, *, first_name: str, last_name: str) -> None:
        self.first_name, self.last_name = first_name, last_name
        self.sort_first_name, self.sort_last_name = folded(first_name), folded(last_name)

    def touch(self, now: datetime) -> None:
        """Record a change: the row is written even if nothing else in it changed (a change
        of security, say), so that `version` grows by one."""
        self.updated_at = now
        flag_modified(self, "updated_at")

    def set_email(self, email: str) -> None:
        self.email, self.email_key = email, email_key(email)

    def link_account(self, account_id: int, account_email: str, *, now: datetime) -> None:
        """Access granted now: its review is counted from now."""
        self.account_id, self.account_email = account_id, account_email
        self.account_email_key = email_key(account_email)
        self.restart_access(now)

    def unlink_account(self) -> None:
        """Access lapsed: the account goes, the security profiles stay for the record."""
        self.account_id = self.account_email = self.account_email_key = None
        self.access_granted_at = self.access_reviewed_at = self.access_reviewed_by_id = None

    def restart_access(self, now: datetime) -> None:
        self.access_granted_at, self.access_reviewed_at, self.access_reviewed_by_id = (
            now,
            None,
            None,
        )
