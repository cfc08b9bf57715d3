"""Factories: rows written straight to the database, as a test's starting state."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_api.edge.authentication import development_subject, issue_development_token
from contacts_api.models import (
    Account,
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationSecurityProfile,
    Language,
    Organization,
    PhoneNumber,
)
from contacts_api.resolvers.ids import NodeType, encode
from contacts_api.rules.invitation_tokens import new_token
from contacts_api.runtime.settings import Settings
from tests.clock import Clock

_sequence = itertools.count(1)


@dataclass(frozen=True)
class Person:
    """A signed-in user of the tests: an account, maybe a contact, and a token."""

    account_id: int
    email: str
    name: str | None
    token: str
    contact_id: int | None = None

    @property
    def contact_gid(self) -> str:
        assert self.contact_id is not None
        return encode(NodeType.CONTACT, self.contact_id)


def gid(node_type: NodeType, key: int | str) -> str:
    return encode(node_type, key)


class Factory:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock

    def token(self, email: str, name: str | None = None, **options: object) -> str:
        return issue_development_token(
            self.settings,
            email=email,
            name=name,
            now=self.clock.now(),
            lifetime=timedelta(days=365),
            **options,  # type: ignore[arg-type]
        )

    async def organization(
        self, name: str | None = None, *, case_management: bool = False
    ) -> Organization:
        now = self.clock.now()
        async with self.sessions.begin() as session:
            organization = Organization(
                name=name or f"Organization {next(_sequence)}",
                provides_case_management=case_management,
                created_at=now,
                updated_at=now,
            )
            session.add(organization)
        return organization

    async def account(
        self, email: str | None = None, *, name: str | None = None, staff: bool = False
    ) -> Person:
        email = email or f"person{next(_sequence)}@example.org"
        now = self.clock.now()
        async with self.sessions.begin() as session:
            account = Account(
                subject=development_subject(email),
                name=name,
                is_staff=staff,
                created_at=now,
                updated_at=now,
            )
            account.set_email(email, verified=None)
            session.add(account)
        return Person(account.id, email, name, self.token(email, name))

    async def staff(self) -> Person:
        return await self.account(name="Staff Member", staff=True)

    async def contact(
        self,
        organization: Organization,
        *,
        first_name: str = "Alex",
        last_name: str | None = None,
        email: str | None = None,
        profiles: Iterable[str] = (),
        active: bool = True,
        primary: bool = False,
        account: Person | None = None,
        language: Language = Language.ENGLISH,
        title: str | None = None,
        phone_numbers: tuple[PhoneNumber, ...] = (),
        office_location: str | None = None,
        position_type: str | None = None,
        fte: float | None = None,
        created_at: datetime | None = None,
    ) -> Contact:
        number = next(_sequence)
        now = created_at or self.clock.now()
        async with self.sessions.begin() as session:
            contact = Contact(
                organization_id=organization.id,
                title=title,
                phone_numbers=phone_numbers,
                preferred_language=language,
                is_primary=primary,
                is_active=active,
                office_location=office_location,
                position_type=position_type,
                fte=fte,
                created_at=now,
                updated_at=now,
            )
            contact.set_names(first_name=first_name, last_name=last_name or f"Person{number:05d}")
            contact.set_email(email or f"contact{number}@example.org")
            if account is not None:
                contact.link_account(account.account_id, account.email, now=now)
            session.add(contact)
            await session.flush()
            session.add_all(
                ContactSecurityProfile(contact_id=contact.id, security_profile_code=code)
                for code in profiles
            )
        return contact

    async def member(
        self,
        organization: Organization,
        *profiles: str,
        first_name: str = "Member",
        last_name: str | None = None,
        active: bool = True,
        primary: bool = False,
        language: Language = Language.ENGLISH,
    ) -> Person:
        """An account linked to a contact of `organization` that holds `profiles`."""
        number = next(_sequence)
        person = await self.account(
            f"member{number}@example.org", name=f"{first_name} {last_name or number}"
        )
        contact = await self.contact(
            organization,
            first_name=first_name,
            last_name=last_name,
            email=person.email,
            profiles=profiles,
            account=person,
            active=active,
            primary=primary,
            language=language,
        )
        return Person(person.account_id, person.email, person.name, person.token, contact.id)

    async def invitation(
        self,
        contact: Contact,
        *profiles: str,
        inviter: Person | None = None,
        message: str | None = None,
        sent_at: datetime | None = None,
    ) -> tuple[Invitation, str]:
        """An invitation as if sent at `sent_at`; returns it with its secret token."""
        token, token_hash = new_token()
        sent_at = sent_at or self.clock.now()
        async with self.sessions.begin() as session:
            invitation = Invitation(
                organization_id=contact.organization_id,
                contact_id=contact.id,
                email=contact.email,
                message=message,
                token_hash=token_hash,
                invited_by_id=inviter.account_id if inviter else None,
                sent_at=sent_at,
                expires_at=sent_at + timedelta(days=self.settings.invitation_ttl_days),
            )
            session.add(invitation)
            await session.flush()
            session.add_all(
                InvitationSecurityProfile(invitation_id=invitation.id, security_profile_code=code)
                for code in profiles
            )
        return invitation, token
