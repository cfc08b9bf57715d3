from __future__ import annotations

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from contacts_api.models.base import Base
from contacts_api.models.enums import SecurityArea


class SecurityProfile(Base):
    """The catalogue of security profiles: reference data written by a migration."""

    __tablename__ = "security_profiles"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    area: Mapped[SecurityArea] = mapped_column(Enum(SecurityArea, native_enum=False, length=40))
    is_administrator: Mapped[bool]
    name_en: Mapped[str] = mapped_column(String(100))
    name_fr: Mapped[str] = mapped_column(String(100))
    position: Mapped[int]


class ContactSecurityProfile(Base):
    __tablename__ = "contact_security_profiles"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    security_profile_code: Mapped[str] = mapped_column(
        ForeignKey("security_profiles.code"), primary_key=True, index=True
    )


class InvitationSecurityProfile(Base):
    __tablename__ = "invitation_security_profiles"

    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("invitations.id", ondelete="CASCADE"), primary_key=True
    )
    security_profile_code: Mapped[str] = mapped_column(
        ForeignKey("security_profiles.code"), primary_key=True
    )
