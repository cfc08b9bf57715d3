"""The use cases, called directly on a real database: no HTTP, no GraphQL.

Each test opens the session a request would, calls one use case with a viewer read from the
database, and checks what the transaction holds; the wiring through the endpoint is the other
modules' business.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.edge.authentication import development_subject
from contacts_api.models import AuditAction, AuditEvent, Invitation, InvitationStatus, OutboundEmail
from contacts_api.models.database import RequestSession
from contacts_api.rules import contacts, invitations
from contacts_api.rules.authorization import Claims, Forbidden, Viewer, load_viewer
from contacts_api.rules.user_errors import ErrorCode, UserErrors
from contacts_api.rules.validation import ContactInput
from contacts_api.runtime.settings import Settings
from tests.contract_catalogue import CATALOGUE
from tests.factories import Factory, Person


@pytest.fixture
async def session(factory: Factory) -> AsyncIterator[AsyncSession]:
    async with factory.sessions() as session:
        yield session
        await session.rollback()


async def viewer_of(session: AsyncSession, person: Person, factory: Factory) -> Viewer:
    claims = Claims(subject=development_subject(person.email), email=person.email, name=person.name)
    return await load_viewer(RequestSession(session), claims, factory.clock.now())


def codes(raised: pytest.ExceptionInfo[UserErrors]) -> list[ErrorCode]:
    return [error.code for error in raised.value.errors]


async def test_adding_a_contact_with_access_writes_the_invitation_its_email_and_the_trail(
    session: AsyncSession, factory: Factory, settings: Settings
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    viewer = await viewer_of(session, administrator, factory)

    contact, invitation = await contacts.add_contact_with_access(
        session,
        viewer=viewer,
        catalogue=CATALOGUE,
        settings=settings,
        now=factory.clock.now(),
        organization_id=organization.id,
        fields=ContactInput(first_name="Dana", last_name="Fraser", email="Dana@Example.org"),
        profile_codes=["FA_VIEWER"],
        message="Welcome",
    )
    await session.flush()

    assert contact.email_key == "dana@example.org"
    assert invitation.status_at(factory.clock.now()) is InvitationStatus.PENDING
    email = await session.get_one(OutboundEmail, invitation.outbound_email_id)
    assert email.recipient == "Dana@example.org"
    actions = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.contact_id == contact.id).order_by(AuditEvent.id)
    )
    assert list(actions) == [AuditAction.CONTACT_ADDED, AuditAction.INVITATION_SENT]


async def test_an_email_taken_in_another_case_is_taken(
    session: AsyncSession, factory: Factory
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    await factory.contact(organization, email="robin@example.org")
    viewer = await viewer_of(session, administrator, factory)

    with pytest.raises(UserErrors) as raised:
        await contacts.add_contact(
            session,
            viewer=viewer,
            catalogue=CATALOGUE,
            now=factory.clock.now(),
            organization_id=organization.id,
            fields=ContactInput(first_name="R", last_name="L", email="ROBIN@Example.ORG"),
        )

    assert codes(raised) == [ErrorCode.TAKEN]


async def test_deactivating_revokes_the_pending_invitation(
    session: AsyncSession, factory: Factory
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    contact = await factory.contact(organization)
    invitation, _ = await factory.invitation(contact, "FA_VIEWER", inviter=administrator)
    viewer = await viewer_of(session, administrator, factory)

    await contacts.deactivate_contact(
        session,
        viewer=viewer,
        catalogue=CATALOGUE,
        now=factory.clock.now(),
        contact_id=contact.id,
        expected_version=None,
    )
    await session.flush()

    revoked = await session.get_one(Invitation, invitation.id, populate_existing=True)
    assert revoked.status_at(factory.clock.now()) is InvitationStatus.REVOKED


async def test_an_area_administrator_may_not_resend_what_it_could_not_assign(
    session: AsyncSession, factory: Factory, settings: Settings
) -> None:
    organization = await factory.organization(case_management=True)
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    area_administrator = await factory.member(organization, "FA_ADMIN")
    contact = await factory.contact(organization)
    sent = factory.clock.now() - timedelta(days=40)
    invitation, _ = await factory.invitation(
        contact, "CM_VIEWER", inviter=administrator, sent_at=sent
    )
    viewer = await viewer_of(session, area_administrator, factory)

    with pytest.raises(Forbidden):
        await invitations.resend_invitation(
            session,
            viewer=viewer,
            catalogue=CATALOGUE,
            settings=settings,
            now=factory.clock.now(),
            invitation_id=invitation.id,
        )
    assert await session.scalar(select(func.count()).select_from(OutboundEmail)) == 0


async def test_accepting_links_the_account_and_grants_the_profiles(
    session: AsyncSession, factory: Factory
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", primary=True)
    contact = await factory.contact(organization, profiles=["FA_SIGNER"])
    _, token = await factory.invitation(contact, "FA_VIEWER", inviter=administrator)
    invitee = await factory.account("invitee@elsewhere.example")
    viewer = await viewer_of(session, invitee, factory)

    accepted = await invitations.accept_invitation(
        session,
        viewer=viewer,
        catalogue=CATALOGUE,
        settings=factory.settings,
        now=factory.clock.now(),
        token=token,
    )

    assert (accepted.account_id, accepted.account_email) == (invitee.account_id, invitee.email)
    assert accepted.has_access
    with pytest.raises(UserErrors) as again:
        await invitations.accept_invitation(
            session,
            viewer=viewer,
            catalogue=CATALOGUE,
            settings=factory.settings,
            now=factory.clock.now(),
            token=token,
        )
    assert codes(again) == [ErrorCode.INVITATION_NOT_PENDING]
