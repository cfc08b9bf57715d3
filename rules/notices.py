"""Notices to administrators: who is told about an invitation or an organization's access, and
the email each of them gets, in their own language.

An invitation's notices (accepted, expired, failed) go to the administrator who sent it, as
long as it is still one (or staff); to every administrator when the organization chose so
(`notify_all_administrators`), or when its sender no longer administers it, so that a notice
is never lost with its sender. An administrator reads in the preferred language of its
contact in that organization; staff, who have none, in English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.mail import outbox
from contacts_api.mail.rendering import NoticeKind, notice_email
from contacts_api.models import (
    Account,
    Contact,
    ContactSecurityProfile,
    Invitation,
    Language,
    Organization,
)
from contacts_api.rules.catalogue import Catalogue
from contacts_api.runtime.settings import Settings


@dataclass(frozen=True, slots=True)
class Recipient:
    """An administrator to tell: where, in which language, and what it administers."""

    account_id: int
    first_name: str
    email: str
    language: Language
    profile_codes: frozenset[str]


async def administrators(
    session: AsyncSession, organization_id: int, catalogue: Catalogue
) -> list[Recipient]:
    """The organization's administrators with access, oldest contact first."""
    administrator_codes = [
        profile.code for profile in catalogue.profiles if profile.is_administrator
    ]
    rows = (
        await session.execute(
            select(Contact, ContactSecurityProfile.security_profile_code)
            .join(ContactSecurityProfile, ContactSecurityProfile.contact_id == Contact.id)
            .where(
                Contact.organization_id == organization_id,
                Contact.is_active,
                Contact.account_id.is_not(None),
            )
            .order_by(Contact.id)
        )
    ).all()
    codes: dict[int, set[str]] = {}
    contacts: dict[int, Contact] = {}
    for contact, code in rows:
        contacts[contact.id] = contact
        codes.setdefault(contact.id, set()).add(code)
    return [
        Recipient(
            account_id=contact.account_id,
            first_name=contact.first_name,
            email=contact.email,
            language=contact.preferred_language,
            profile_codes=frozenset(codes[contact.id]),
        )
        for contact in contacts.values()
        if contact.account_id is not None and codes[contact.id] & set(administrator_codes)
    ]


async def invitation_recipients(
    session: AsyncSession, invitation: Invitation, organization: Organization, catalogue: Catalogue
) -> list[Recipient]:
    """Who hears about `invitation`: its sender, or every administrator (see the module)."""
    everyone = await administrators(session, organization.id, catalogue)
    if organization.notify_all_administrators or invitation.invited_by_id is None:
        return everyone
    sender = [person for person in everyone if person.account_id == invitation.invited_by_id]
    if sender:
        return sender
    account = await session.get(Account, invitation.invited_by_id)
    if account is not None and account.is_staff and account.email:
        name = (account.name or account.email).split()[0]
        return [Recipient(account.id, name, account.email, Language.ENGLISH, frozenset())]
    return everyone


async def tell_about_invitation(
    session: AsyncSession,
    kind: NoticeKind,
    *,
    invitation: Invitation,
    contact: Contact,
    organization: Organization,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    profile_codes: Sequence[str] = (),
) -> int:
    """Queue the notice of `kind` about `invitation` to each recipient; how many."""
    recipients = await invitation_recipients(session, invitation, organization, catalogue)
    for recipient in recipients:
        content = notice_email(
            kind,
            language=recipient.language,
            first_name=recipient.first_name,
            organization=organization.name,
            link=f"{settings.public_url}/graphql",
            contact=f"{contact.first_name} {contact.last_name}",
            email=invitation.email,
            date=now,
            profiles=[
                catalogue.localized(code).in_(recipient.language)
                for code in catalogue.codes(profile_codes)
            ],
        )
        outbox.enqueue(session, recipient=recipient.email, content=content, now=now)
    return len(recipients)


def tell_about_contacts(
    session: AsyncSession,
    kind: NoticeKind,
    *,
    recipient: Recipient,
    organization: Organization,
    names: Sequence[str],
    settings: Settings,
    now: datetime,
) -> None:
    """Queue a notice about some of the organization's contacts (reviews due, access lapsed)."""
    content = notice_email(
        kind,
        language=recipient.language,
        first_name=recipient.first_name,
        organization=organization.name,
        link=f"{settings.public_url}/graphql",
        names=names,
        lapse_days=organization.access_lapse_days,
    )
    outbox.enqueue(session, recipient=recipient.email, content=content, now=now)
