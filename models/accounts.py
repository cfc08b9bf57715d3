from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from contacts_api.models.base import Base
from contacts_api.models.emails import email_key


class Account(Base):
    """A My NS Account, created or refreshed from the token's claims on each request.

    `subject` is null only for staff accounts announced by the command line before their
    first sign-in; the first verified sign-in with the same email (its key, see
    `models.emails`) claims them. `email_key` is derived from `email`: write it through
    `set_email`.
    """

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    email_key: Mapped[str] = mapped_column(String(254), index=True)
    email_verified: Mapped[bool | None]
    name: Mapped[str | None] = mapped_column(String(200))
    is_staff: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    def set_email(self, email: str, *, verified: bool | None) -> None:
        self.email, self.email_key, self.email_verified = email, email_key(email), verified
