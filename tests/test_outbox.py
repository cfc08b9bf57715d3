"""The invitation email: what it says, and how the outbox delivers it over real SMTP.

The mail server is aiosmtpd on loopback. It is stopped to play a mail server that is down;
the tests' clock is moved forward to make retries due.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import email.utils
import html
import re
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from contacts_api.mail.outbox import OutboxSender
from contacts_api.models import Invitation, Language, OutboundEmail
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.resolvers.ids import NodeType
from contacts_api.runtime.settings import Settings
from tests.clock import Clock
from tests.factories import Factory, Person, gid
from tests.graphql import Api
from tests.operations import mutation
from tests.smtp import Delivery, SmtpServer, invitation_token, serve

INVITE_CONTACT = mutation("inviteContact", "invitation { id deliveryStatus }")

ACCEPT_INVITATION = mutation(
    "acceptInvitation",
    "contact { id hasAccess securityProfiles { code } }",
)

INVITATION = """
query Invitation($id: ID!) {
  node(id: $id) { ... on Invitation { status deliveryStatus } }
}
"""

INVITATIONS = """
query Invitations($id: ID!) {
  organization(id: $id) {
    invitations(first: 100) {
      totalCount
      nodes { id email status deliveryStatus }
    }
  }
}
"""


async def _invite(
    api: Api, viewer: Person, contact_id: int, *codes: str, message: str | None = None
) -> str:
    """The id of a new invitation, made through the API."""
    data = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact_id),
                "securityProfileIds": [
                    gid(NodeType.SECURITY_PROFILE, code) for code in codes or ("FA_VIEWER",)
                ],
                "message": message,
            }
        },
        token=viewer.token,
    )
    payload = data["inviteContact"]
    assert payload["userErrors"] == []
    invitation_id: str = payload["invitation"]["id"]
    return invitation_id


async def _delivery_status(api: Api, viewer: Person, invitation_id: str) -> str:
    data = await api.data(INVITATION, {"id": invitation_id}, token=viewer.token)
    status: str = data["node"]["deliveryStatus"]
    return status


async def _accept(api: Api, token: str, viewer: Person) -> dict[str, Any]:
    data = await api.data(ACCEPT_INVITATION, {"input": {"token": token}}, token=viewer.token)
    payload: dict[str, Any] = data["acceptInvitation"]
    return payload


async def _emails(factory: Factory) -> list[OutboundEmail]:
    async with factory.sessions() as session:
        return list(await session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)))


def _parts(delivery: Delivery) -> list[str]:
    return [part.get_content_type() for part in delivery.message.walk()]


# What the email says


async def test_the_invitation_email_in_french(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization("Services d'emploi Acadie")
    administrator = await factory.member(
        organization, "ORG_ADMIN", first_name="Morgan", last_name="Leblanc"
    )
    contact = await factory.contact(
        organization,
        first_name="Élise",
        last_name="Thériault",
        email="elise@acadie.example",
        language=Language.FRENCH,
    )
    message = "Bienvenue parmi nous, Élise"

    async with serve(smtp_server.settings(settings), clock) as served:
        invitation_id = await _invite(
            served.api, administrator, contact.id, "FA_SIGNER", message=message
        )
        assert await served.outbox.send_due() == 1

        assert len(smtp_server.deliveries) == 1
        delivery = smtp_server.deliveries[0]
        assert delivery.recipients == ["elise@acadie.example"]
        assert delivery.message["To"] == "elise@acadie.example"
        assert delivery.message.get_content_type() == "multipart/alternative"
        assert _parts(delivery) == ["multipart/alternative", "text/plain", "text/html"]
        subject = delivery.message["Subject"]
        assert "vous invite" in subject
        assert "Services d'emploi Acadie" in subject
        link = f"{settings.public_url}/invitations/"
        for body in (delivery.text, html.unescape(delivery.html)):
            assert "vous invite" in body
            assert "Élise" in body
            assert "Services d'emploi Acadie" in body
            assert "Morgan Leblanc" in body
            assert message in body
            assert link in body
            # Sent on 2 March 2026 at 14:00 UTC: it expires on 1 April 2026 in Halifax.
            assert "1er avril 2026" in body, body
            assert "Signataire des ententes de financement" in body
            assert "invites you" not in body
        assert email.utils.parsedate_to_datetime(delivery.message["Date"]) == clock.now()
        mail_from_domain = settings.mail_from.rpartition("@")[2].rstrip(">")
        assert delivery.message["Message-ID"].endswith(f"@{mail_from_domain}>")
        token = invitation_token(delivery.text, settings.public_url)
        assert token in delivery.html
        assert await _delivery_status(served.api, administrator, invitation_id) == "SENT"

        payload = await _accept(served.api, token, await factory.account())

        assert payload["userErrors"] == []
        assert payload["contact"]["hasAccess"] is True
        assert payload["contact"]["securityProfiles"] == [{"code": "FA_SIGNER"}]


async def test_the_invitation_email_in_english(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization("Harbour Works")
    administrator = await factory.member(
        organization, "ORG_ADMIN", first_name="Morgan", last_name="Leblanc"
    )
    contact = await factory.contact(organization, first_name="Dana", email="dana@harbour.example")

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, administrator, contact.id, message="Welcome aboard")
        await served.outbox.send_due()

    [delivery] = smtp_server.deliveries
    assert delivery.recipients == ["dana@harbour.example"]
    assert "Harbour Works" in delivery.message["Subject"]
    for body in (delivery.text, html.unescape(delivery.html)):
        assert "invites you" in body
        assert "Dana" in body
        assert "Harbour Works" in body
        assert "Morgan Leblanc" in body
        assert "Welcome aboard" in body
        assert f"{settings.public_url}/invitations/" in body
        assert re.search(r"April 1, 2026|1 April 2026", body), body
        assert "vous invite" not in body


async def test_user_text_is_escaped_in_the_html_part(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization("Fraser & Daughters")
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)
    script = "<script>alert(1)</script>"

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, administrator, contact.id, message=script)
        await served.outbox.send_due()

    [delivery] = smtp_server.deliveries
    assert "<script" not in delivery.html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in delivery.html
    assert "Fraser &amp; Daughters" in delivery.html
    assert "Fraser & Daughters" not in delivery.html
    assert script in delivery.text


# Fault tolerance


async def test_an_email_waits_for_the_mail_server_and_is_delivered_once(
    settings: Settings, clock: Clock, factory: Factory
) -> None:
    smtp_server = SmtpServer()
    smtp_server.start()
    smtp_server.stop()
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)
    mail_settings = smtp_server.settings(settings, outbox_retry_seconds=30, outbox_max_attempts=5)

    try:
        async with serve(mail_settings, clock) as served:
            invitation_id = await _invite(served.api, administrator, contact.id)

            assert await served.outbox.send_due() == 1

            assert await _delivery_status(served.api, administrator, invitation_id) == "QUEUED"
            [queued] = await _emails(factory)
            assert queued.attempts == 1
            assert queued.next_attempt_at > clock.now()
            assert queued.last_error
            # Not due yet: nothing is tried before the back-off.
            assert await served.outbox.send_due() == 0

            smtp_server.start()
            clock.advance(seconds=31)
            assert await served.outbox.send_due() == 1

            assert len(smtp_server.deliveries) == 1
            assert smtp_server.deliveries[0].recipients == [contact.email]
            assert await _delivery_status(served.api, administrator, invitation_id) == "SENT"
            clock.advance(hours=12)
            assert await served.outbox.send_due() == 0
            assert len(smtp_server.deliveries) == 1
    finally:
        smtp_server.stop()


async def test_an_email_fails_after_the_last_attempt(
    settings: Settings, clock: Clock, factory: Factory
) -> None:
    smtp_server = SmtpServer()  # never started: nothing listens on its port
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)
    mail_settings = smtp_server.settings(settings, outbox_retry_seconds=10, outbox_max_attempts=2)

    async with serve(mail_settings, clock) as served:
        invitation_id = await _invite(served.api, administrator, contact.id)
        assert await served.outbox.send_due() == 1
        assert await _delivery_status(served.api, administrator, invitation_id) == "QUEUED"

        clock.advance(seconds=11)
        assert await served.outbox.send_due() == 1

        assert await _delivery_status(served.api, administrator, invitation_id) == "FAILED"
        clock.advance(days=1)
        assert await served.outbox.send_due() == 0
        assert await _delivery_status(served.api, administrator, invitation_id) == "FAILED"
    assert smtp_server.deliveries == []


async def test_two_senders_deliver_each_email_exactly_once(
    backend: str, settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    if backend == "sqlite":
        pytest.skip("several sender processes share one database on PostgreSQL")
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contacts = [
        await factory.contact(organization, email=f"invitee{number:02d}@harbour.example")
        for number in range(50)
    ]
    mail_settings = smtp_server.settings(settings)
    async with serve(mail_settings, clock) as served:
        for contact in contacts:
            await _invite(served.api, administrator, contact.id)

        engines = [create_engine(settings.database_url) for _ in range(2)]
        try:
            senders = [
                OutboxSender(create_session_factory(engine), mail_settings, clock=clock.now)
                for engine in engines
            ]
            attempts = await asyncio.gather(*(sender.send_due() for sender in senders))
        finally:
            for engine in engines:
                await engine.dispose()

        assert sum(attempts) == 50
        assert min(attempts) > 0, "both senders took part"
        recipients = [r for delivery in smtp_server.deliveries for r in delivery.recipients]
        assert len(smtp_server.deliveries) == 50
        assert sorted(recipients) == sorted(contact.email for contact in contacts)
        message_ids = {delivery.message["Message-ID"] for delivery in smtp_server.deliveries}
        assert len(message_ids) == 50
        data = await served.api.data(
            INVITATIONS,
            {"id": gid(NodeType.ORGANIZATION, organization.id)},
            token=administrator.token,
        )
        invitations = data["organization"]["invitations"]
        assert invitations["totalCount"] == 50
        assert {node["deliveryStatus"] for node in invitations["nodes"]} == {"SENT"}
        assert await served.outbox.send_due() == 0


async def test_once_delivered_the_token_is_nowhere_in_the_database(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, administrator, contact.id, message="Welcome aboard")
        await served.outbox.send_due()

    [delivery] = smtp_server.deliveries
    token = invitation_token(delivery.text, settings.public_url)
    async with factory.sessions() as session:
        invitations = list(await session.scalars(select(Invitation)))
        emails = list(await session.scalars(select(OutboundEmail)))
    stored = [
        str(value)
        for row in (*invitations, *emails)
        for value in vars(row).values()
        if isinstance(value, str)
    ]
    assert stored
    assert not [value for value in stored if token in value]


# Without a mail server


async def test_without_smtp_the_email_is_an_eml_file(
    settings: Settings, clock: Clock, factory: Factory
) -> None:
    assert settings.smtp_host is None
    organization = await factory.organization("Harbour Works")
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization, email="dana@harbour.example")

    async with serve(settings, clock) as served:
        invitation_id = await _invite(served.api, administrator, contact.id)
        assert list(settings.mail_dir.glob("*.eml")) == []
        await served.outbox.send_due()

        [path] = list(settings.mail_dir.glob("*.eml"))
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        assert message["To"] == "dana@harbour.example"
        text = message.get_body(("plain",))
        assert text is not None
        token = invitation_token(text.get_content(), settings.public_url)  # type: ignore[attr-defined]
        assert await _delivery_status(served.api, administrator, invitation_id) == "SENT"

        payload = await _accept(served.api, token, await factory.account())
        assert payload["userErrors"] == []
        assert payload["contact"]["hasAccess"] is True
