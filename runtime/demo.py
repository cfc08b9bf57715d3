"""Demo data: a few organizations that show every state the contacts page can show.

Idempotent: an organization that already exists (by name) is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.edge.authentication import development_subject
from contacts_api.models import (
    Account,
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationSecurityProfile,
    Language,
    Organization,
    PhoneKind,
    PhoneNumber,
)
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.models.text import folded
from contacts_api.rules.invitation_tokens import new_token
from contacts_api.runtime.settings import Settings


@dataclass(frozen=True)
class DemoAccount:
    role: str
    name: str
    email: str


ACCESS_GRANTED_AGO = timedelta(days=400)
STAFF = DemoAccount("Department staff", "Samira Staff", "staff@novascotia.example")
ORGANIZATION_ADMINISTRATOR = DemoAccount(
    "Organization administrator",
    "Marie-Ève Thériault",
    "marieeve.theriault@halifaxcareercentre.example",
)
HALIFAX = "Nova Scotia Works — Halifax Career Centre"
CAPE_BRETON = "Cape Breton Literacy Network"
VALLEY = "Annapolis Valley Trades Association"

# first, last, language, profiles, active, demo account role (signs in) or None
Person = tuple[str, str, Language, tuple[str, ...], bool, str | None]
HALIFAX_CONTACTS: list[Person] = [
    ("Marie-Ève", "Thériault", Language.FRENCH, ("ORG_ADMIN",), True, "Organization administrator"),
    (
        "Daniel",
        "Doucet",
        Language.ENGLISH,
        ("FA_ADMIN", "FA_SIGNER"),
        True,
        "Funding agreements administrator",
    ),
    (
        "Chloé",
        "Émond",
        Language.FRENCH,
        ("CM_ADMIN", "CM_PRACTITIONER"),
        True,
        "Case management administrator",
    ),
    ("Gregory", "Fraser", Language.ENGLISH, ("FA_SUBMITTER",), True, "Member without security"),
    ("Amélie", "Arsenault", Language.FRENCH, ("CM_PRACTITIONER",), True, None),
    ("Brian", "MacDonald", Language.ENGLISH, ("FA_VIEWER",), True, None),
    ("Siobhan", "MacNeil", Language.ENGLISH, ("CM_VIEWER",), True, None),
    ("Hélène", "Cormier", Language.FRENCH, (), True, None),
    ("Kevin", "O'Brien", Language.ENGLISH, (), True, None),
    ("Josée", "LeBlanc", Language.FRENCH, ("FA_SIGNER",), True, None),
    ("Patrick", "Boudreau", Language.ENGLISH, (), True, None),
    ("Noémie", "Gaudet", Language.FRENCH, ("CM_PRACTITIONER",), True, None),
    ("Ahmed", "Haddad", Language.ENGLISH, (), True, None),
    ("Élodie", "Robichaud", Language.FRENCH, (), True, None),
    ("Connor", "MacLeod", Language.ENGLISH, ("FA_SUBMITTER",), True, None),
    ("Zoë", "Comeau", Language.FRENCH, (), True, None),
    ("Liam", "Chisholm", Language.ENGLISH, (), True, None),
    ("Geneviève", "Landry", Language.FRENCH, (), True, None),
    ("Priya", "Sharma", Language.ENGLISH, (), True, None),
    ("François", "Poirier", Language.FRENCH, (), True, None),
    ("Emily", "Campbell", Language.ENGLISH, (), True, None),
    ("Jérôme", "Bélanger", Language.FRENCH, (), True, None),
    ("Olivia", "Stewart", Language.ENGLISH, (), True, None),
    ("Renée", "Aucoin", Language.FRENCH, (), True, None),
    ("Mohammed", "Ali", Language.ENGLISH, (), True, None),
    ("Ève", "Daigle", Language.FRENCH, (), True, None),
    ("Sarah", "d'Entremont", Language.ENGLISH, (), True, None),
    ("Benoît", "Saulnier", Language.FRENCH, (), True, None),
    ("Heather", "MacKinnon", Language.ENGLISH, (), False, None),
    ("Réjean", "Surette", Language.FRENCH, ("FA_VIEWER",), False, None),
    ("Megan", "Whyte", Language.ENGLISH, (), False, None),
    ("Ines", "Ortiz", Language.ENGLISH, (), True, None),
    ("Anaïs", "Pothier", Language.FRENCH, (), True, None),
]
# Contacts (by last name) invited but not yet in: pending, and one expired.
PENDING_INVITATIONS = {"Cormier": ("FA_VIEWER",), "O'Brien": ("FA_SUBMITTER",)}
EXPIRED_INVITATIONS = {"Boudreau": ("CM_VIEWER",)}
PRIMARY = "Thériault"

SMALL_ORGANIZATIONS: dict[str, list[Person]] = {
    CAPE_BRETON: [
        ("Fiona", "MacIsaac", Language.ENGLISH, ("ORG_ADMIN",), True, "Administrator elsewhere"),
        ("Luc", "Deveau", Language.FRENCH, ("FA_SIGNER",), True, None),
        ("Rachel", "Beaton", Language.ENGLISH, (), True, None),
    ],
    VALLEY: [
        ("Tom", "Eisner", Language.ENGLISH, ("FA_ADMIN",), True, None),
        ("Claire", "Robicheau", Language.FRENCH, (), True, None),
    ],
}


async def seed(settings: Settings, now: datetime | None = None) -> list[DemoAccount]:
    """Write the demo organizations that do not exist yet; return the accounts to try."""
    now = now or datetime.now(UTC)
    engine = create_engine(settings.database_url, settings.database_pool)
    try:
        async with create_session_factory(engine).begin() as session:
            staff = await _account(session, STAFF, now)
            staff.is_staff = True
            accounts = [STAFF]
            accounts += await _organization(
                session, HALIFAX, True, HALIFAX_CONTACTS, staff, now, settings
            )
            for name, contacts in SMALL_ORGANIZATIONS.items():
                accounts += await _organization(
                    session, name, False, contacts, staff, now, settings
                )
        return accounts
    finally:
        await engine.dispose()


async def _organization(
    session: AsyncSession,
    name: str,
    provides_case_management: bool,
    people: list[Person],
    staff: Account,
    now: datetime,
    settings: Settings,
) -> list[DemoAccount]:
    existing = await session.scalar(select(Organization).where(Organization.name == name))
    organization = existing or Organization(
        name=name,
        provides_case_management=provides_case_management,
        created_at=now,
        updated_at=now,
    )
    session.add(organization)
    await session.flush()
    domain = "".join(ch for ch in name.split("—")[-1].lower() if ch.isalnum())[:20] + ".example"
    demo_accounts: list[DemoAccount] = []
    for index, (first, last, language, profiles, active, role) in enumerate(people):
        email = f"{_ascii(first)}.{_ascii(last)}@{domain}"
        if role is not None:
            demo_accounts.append(DemoAccount(role, f"{first} {last}", email))
        if existing is not None:
            continue
        contact = Contact(
            organization_id=organization.id,
            title="Coordinator" if index % 3 == 0 else None,
            phone_numbers=(
                PhoneNumber(
                    PhoneKind.WORK, f"+1902555{index:04d}", "12" if index % 4 == 0 else None
                ),
            ),
            preferred_language=language,
            is_primary=last == PRIMARY or (not provides_case_management and index == 0),
            is_active=active,
            office_location="Halifax" if provides_case_management else None,
            position_type="Career practitioner" if provides_case_management else None,
            fte=1.0 if provides_case_management else None,
            created_at=now,
            updated_at=now,
        )
        contact.set_names(first_name=first, last_name=last)
        contact.set_email(email)
        if role is not None:
            account = await _account(session, DemoAccount(role, f"{first} {last}", email), now)
            # Granted over a year ago, as on a system in use: their reviews are due.
            contact.link_account(account.id, account.email, now=now - ACCESS_GRANTED_AGO)
        session.add(contact)
        await session.flush()
        for code in profiles:
            session.add(ContactSecurityProfile(contact_id=contact.id, security_profile_code=code))
        if last in PENDING_INVITATIONS:
            await _invite(session, contact, PENDING_INVITATIONS[last], staff, now, settings)
        if last in EXPIRED_INVITATIONS:
            sent = now - timedelta(days=settings.invitation_ttl_days + 5)
            await _invite(session, contact, EXPIRED_INVITATIONS[last], staff, sent, settings)
    return demo_accounts


async def _invite(
    session: AsyncSession,
    contact: Contact,
    profiles: tuple[str, ...],
    inviter: Account,
    sent_at: datetime,
    settings: Settings,
) -> None:
    _token, token_hash = new_token()
    invitation = Invitation(
        organization_id=contact.organization_id,
        contact_id=contact.id,
        email=contact.email,
        message="Bienvenue! Welcome to LaMPSS.",
        token_hash=token_hash,
        invited_by_id=inviter.id,
        sent_at=sent_at,
        expires_at=sent_at + timedelta(days=settings.invitation_ttl_days),
    )
    session.add(invitation)
    await session.flush()
    session.add_all(
        InvitationSecurityProfile(invitation_id=invitation.id, security_profile_code=code)
        for code in profiles
    )


async def _account(session: AsyncSession, demo: DemoAccount, now: datetime) -> Account:
    subject = development_subject(demo.email)
    account = await session.scalar(select(Account).where(Account.subject == subject))
    if account is None:
        account = Account(subject=subject, name=demo.name, created_at=now, updated_at=now)
        account.set_email(demo.email, verified=True)
        session.add(account)
        await session.flush()
    return account


def _ascii(text: str) -> str:
    return "".join(ch for ch in folded(text) if ch.isalnum())
