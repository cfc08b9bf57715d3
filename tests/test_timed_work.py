"""Keeping access current: reminders, notices, access reviews and lapse, end to end.

Each test drives the service through HTTP, delivers its emails to a real SMTP server
(aiosmtpd on loopback), and runs the scheduler's passes itself while it moves the tests'
clock: day 23 of an invitation is 23 days of `clock.advance`, not of waiting. Every email is
checked in both languages of its recipient.
"""

from __future__ import annotations

import asyncio
import html
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from contacts_api.models import AuditEvent, Contact, Language, OutboundEmail
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.resolvers.ids import NodeType
from contacts_api.runtime.scheduler import Scheduler
from contacts_api.runtime.settings import Settings
from tests.clock import Clock
from tests.factories import Factory, Person, gid
from tests.graphql import Api
from tests.operations import ACCEPT_INVITATION, INVITE_CONTACT, RESEND_INVITATION, mutation
from tests.smtp import SmtpServer, invitation_token, serve

CONFIRM_ACCESS = mutation(
    "confirmAccess",
    "contacts { id accessReviewedAt accessReviewedBy { id } accessReviewDueAt version }",
)
UPDATE_ORGANIZATION = mutation(
    "updateOrganization", "organization { id notifyAllAdministrators accessLapseDays }"
)
REVIEWS = """
query Reviews($id: ID!, $due: Boolean) {
  organization(id: $id) {
    accessReviewsDue
    contacts(first: 100, filter: {accessReviewDue: $due}) {
      totalCount
      nodes { id hasAccess accessReviewDueAt }
    }
  }
}
"""
CONTACT = """
query Contact($id: ID!) {
  node(id: $id) {
    ... on Contact {
      isActive hasAccess accountEmail securityProfiles { code }
      accessReviewedAt accessReviewDueAt invitation { remindedAt status }
    }
  }
}
"""
AUDIT = """
query Audit($id: ID!) {
  organization(id: $id) { auditEvents(first: 100) { nodes { action actor { id } } } }
}
"""

LANGUAGES = pytest.mark.parametrize("language", [Language.ENGLISH, Language.FRENCH])
SAYS = {
    "reminder": {Language.ENGLISH: "A reminder", Language.FRENCH: "Un rappel"},
    "accepted": {Language.ENGLISH: "accepted the invitation", Language.FRENCH: "a accepté"},
    "expired": {Language.ENGLISH: "expired on", Language.FRENCH: "a expiré le"},
    "failed": {Language.ENGLISH: "could not be", Language.FRENCH: "n'a pas pu"},
    "review": {Language.ENGLISH: "due for review", Language.FRENCH: "à réviser"},
    "lapsed": {Language.ENGLISH: "lapsed today", Language.FRENCH: "est échu aujourd'hui"},
}


def _says(delivery: Any, kind: str, language: Language) -> None:
    """The email says what `kind` says in `language`, in both parts, and not in the other."""
    other = Language.FRENCH if language is Language.ENGLISH else Language.ENGLISH
    for body in (delivery.text, html.unescape(delivery.html)):
        assert SAYS[kind][language] in body, body
        assert SAYS[kind][other] not in body, body


async def _invite(api: Api, viewer: Person, contact: Contact, *codes: str) -> str:
    data = await api.data(
        INVITE_CONTACT,
        {
            "input": {
                "contactId": gid(NodeType.CONTACT, contact.id),
                "securityProfileIds": [
                    gid(NodeType.SECURITY_PROFILE, code) for code in codes or ("FA_VIEWER",)
                ],
            }
        },
        token=viewer.token,
    )
    assert data["inviteContact"]["userErrors"] == []
    invitation_id: str = data["inviteContact"]["invitation"]["id"]
    return invitation_id


async def _accept(api: Api, token: str, invitee: Person) -> dict[str, Any]:
    data = await api.data(ACCEPT_INVITATION, {"input": {"token": token}}, token=invitee.token)
    payload: dict[str, Any] = data["acceptInvitation"]
    return payload


async def _contact(api: Api, viewer: Person, contact_id: int) -> dict[str, Any]:
    data = await api.data(CONTACT, {"id": gid(NodeType.CONTACT, contact_id)}, token=viewer.token)
    node: dict[str, Any] = data["node"]
    return node


async def _actions(api: Api, viewer: Person, organization_id: int) -> list[tuple[str, Any]]:
    data = await api.data(
        AUDIT, {"id": gid(NodeType.ORGANIZATION, organization_id)}, token=viewer.token
    )
    return [(e["action"], e["actor"]) for e in data["organization"]["auditEvents"]["nodes"]]


async def _update_organization(
    api: Api, viewer: Person, organization_id: int, **settings: Any
) -> dict[str, Any]:
    return await api.execute(
        UPDATE_ORGANIZATION,
        {"input": {"organizationId": gid(NodeType.ORGANIZATION, organization_id), **settings}},
        token=viewer.token,
    )


# Invitation reminders


@LANGUAGES
async def test_an_invitation_is_reminded_once_on_day_23_and_the_reminder_link_works(
    settings: Settings,
    clock: Clock,
    factory: Factory,
    smtp_server: SmtpServer,
    language: Language,
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization, email="dana@example.org", language=language)

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, administrator, contact, "FA_SIGNER")
        await served.outbox.send_due()
        first_link = smtp_server.token_for("dana@example.org", settings.public_url)

        clock.advance(days=22, hours=23)
        assert (await served.scheduler.run_once()).reminded == 0
        clock.advance(hours=1)
        assert (await served.scheduler.run_once()).reminded == 1
        for _ in range(3):
            clock.advance(days=1)
            assert (await served.scheduler.run_once()).reminded == 0
        await served.outbox.send_due()

        _invitation, reminder = smtp_server.to("dana@example.org")
        _says(reminder, "reminder", language)
        reminder_token = invitation_token(reminder.text, settings.public_url)
        assert reminder_token != first_link
        assert ("Rappel" if language is Language.FRENCH else "Reminder") in reminder.message[
            "Subject"
        ]
        seen = await _contact(served.api, administrator, contact.id)
        assert seen["invitation"]["remindedAt"] is not None
        assert seen["invitation"]["status"] == "PENDING"

        payload = await _accept(served.api, reminder_token, await factory.account())
        assert payload["userErrors"] == []
        assert payload["contact"]["hasAccess"] is True
        actions = await _actions(served.api, administrator, organization.id)
        assert ("INVITATION_REMINDED", None) in actions


async def test_the_first_link_still_works_after_the_reminder_and_a_resend_is_reminded_anew(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization, email="eli@example.org")

    async with serve(smtp_server.settings(settings), clock) as served:
        invitation_id = await _invite(served.api, administrator, contact)
        clock.advance(days=24)
        assert (await served.scheduler.run_once()).reminded == 1
        clock.advance(days=7)
        assert (await served.scheduler.run_once()).expired == 1
        resent = await served.api.data(
            RESEND_INVITATION, {"input": {"invitationId": invitation_id}}, token=administrator.token
        )
        assert resent["resendInvitation"]["userErrors"] == []
        clock.advance(days=23)
        assert (await served.scheduler.run_once()).reminded == 1
        await served.outbox.send_due()
        sent = smtp_server.to("eli@example.org")
        assert len(sent) == 4  # invitation, reminder, the resent invitation, its reminder
        first_link_of_resend = invitation_token(sent[2].text, settings.public_url)

        payload = await _accept(served.api, first_link_of_resend, await factory.account())
        assert payload["userErrors"] == []


async def test_a_resend_kills_the_reminders_link_too(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization, email="fay@example.org")

    async with serve(smtp_server.settings(settings), clock) as served:
        invitation_id = await _invite(served.api, administrator, contact)
        clock.advance(days=24)
        assert (await served.scheduler.run_once()).reminded == 1
        await served.outbox.send_due()
        reminder_link = smtp_server.token_for("fay@example.org", settings.public_url)
        await served.api.data(
            RESEND_INVITATION, {"input": {"invitationId": invitation_id}}, token=administrator.token
        )
        payload = await _accept(served.api, reminder_link, await factory.account())

    assert [error["code"] for error in payload["userErrors"]] == ["INVALID"]


async def test_no_reminder_for_revoked_accepted_or_expired_invitations(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN")
    accepted, revoked, deactivated = [await factory.contact(organization) for _ in range(3)]
    _, token = await factory.invitation(accepted, "FA_VIEWER", inviter=administrator)
    revoked_invitation, _ = await factory.invitation(revoked, "FA_VIEWER", inviter=administrator)
    await factory.invitation(deactivated, "FA_VIEWER", inviter=administrator)
    await factory.invitation(
        await factory.contact(organization),
        "FA_VIEWER",
        inviter=administrator,
        sent_at=clock.now() - timedelta(days=settings.invitation_ttl_days),
    )

    async with serve(smtp_server.settings(settings), clock) as served:
        assert (await _accept(served.api, token, await factory.account()))["userErrors"] == []
        revoke = mutation("revokeInvitation", "invitation { status }")
        await served.api.data(
            revoke,
            {"input": {"invitationId": gid(NodeType.INVITATION, revoked_invitation.id)}},
            token=administrator.token,
        )
        deactivate = mutation("deactivateContact", "contact { isActive }")
        await served.api.data(
            deactivate,
            {"input": {"contactId": gid(NodeType.CONTACT, deactivated.id)}},
            token=administrator.token,
        )
        clock.advance(days=25)
        done = await served.scheduler.run_once()

    assert done.reminded == 0


# Notices to administrators


@LANGUAGES
async def test_an_accepted_invitation_notifies_its_sender_in_their_language(
    settings: Settings,
    clock: Clock,
    factory: Factory,
    smtp_server: SmtpServer,
    language: Language,
) -> None:
    organization = await factory.organization("Harbour Works")
    sender = await factory.member(organization, "ORG_ADMIN", language=language)
    other_administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(
        organization, first_name="Dana", last_name="Comeau", language=Language.FRENCH
    )

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, sender, contact, "FA_SIGNER")
        await served.outbox.send_due()
        token = smtp_server.token_for(contact.email, settings.public_url)
        assert (await _accept(served.api, token, await factory.account()))["userErrors"] == []
        await served.outbox.send_due()

    [notice] = smtp_server.to(sender.email)
    _says(notice, "accepted", language)
    assert "Dana Comeau" in notice.message["Subject"]
    signer = (
        "Signataire des ententes de financement"
        if language is Language.FRENCH
        else "Funding Agreements Signing Authority"
    )
    assert signer in notice.text
    assert smtp_server.to(other_administrator.email) == []


@LANGUAGES
async def test_an_expired_invitation_is_audited_by_the_system_and_notified(
    settings: Settings,
    clock: Clock,
    factory: Factory,
    smtp_server: SmtpServer,
    language: Language,
) -> None:
    organization = await factory.organization()
    sender = await factory.member(organization, "ORG_ADMIN", language=language)
    contact = await factory.contact(organization)

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, sender, contact)
        clock.advance(days=29, hours=23)
        assert (await served.scheduler.run_once()).expired == 0
        clock.advance(hours=1)
        assert (await served.scheduler.run_once()).expired == 1
        clock.advance(days=1)
        assert (await served.scheduler.run_once()).expired == 0
        await served.outbox.send_due()
        actions = await _actions(served.api, sender, organization.id)

    [notice] = smtp_server.to(sender.email)
    _says(notice, "expired", language)
    assert actions.count(("INVITATION_EXPIRED", None)) == 1


@LANGUAGES
async def test_a_failed_delivery_notifies_the_sender(
    settings: Settings,
    clock: Clock,
    factory: Factory,
    smtp_server: SmtpServer,
    language: Language,
) -> None:
    organization = await factory.organization()
    sender = await factory.member(organization, "ORG_ADMIN", language=language)
    contact = await factory.contact(organization, email="gone@example.org")
    settings = smtp_server.settings(settings, outbox_max_attempts=2, outbox_retry_seconds=60)

    async with serve(settings, clock) as served:
        smtp_server.stop()
        await _invite(served.api, sender, contact)
        await served.outbox.send_due()
        assert (await served.scheduler.run_once()).failed == 0
        clock.advance(minutes=2)
        await served.outbox.send_due()
        smtp_server.start()
        assert (await served.scheduler.run_once()).failed == 1
        assert (await served.scheduler.run_once()).failed == 0
        await served.outbox.send_due()

    [notice] = smtp_server.to(sender.email)
    _says(notice, "failed", language)
    assert "gone@example.org" in notice.text
    assert smtp_server.to("gone@example.org") == []


async def test_all_administrators_are_notified_when_the_organization_says_so(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    sender = await factory.member(organization, "ORG_ADMIN")
    other = await factory.member(organization, "ORG_ADMIN")
    area_administrator = await factory.member(organization, "FA_ADMIN")
    member = await factory.member(organization, "FA_VIEWER")
    contact = await factory.contact(organization)

    async with serve(smtp_server.settings(settings), clock) as served:
        refused = await _update_organization(
            served.api, area_administrator, organization.id, notifyAllAdministrators=True
        )
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        changed = await _update_organization(
            served.api, other, organization.id, notifyAllAdministrators=True
        )
        assert changed["data"]["updateOrganization"]["organization"]["notifyAllAdministrators"]
        await _invite(served.api, sender, contact)
        clock.advance(days=31)
        assert (await served.scheduler.run_once()).expired == 1
        await served.outbox.send_due()

    for administrator in (sender, other, area_administrator):
        [notice] = smtp_server.to(administrator.email)
        _says(notice, "expired", Language.ENGLISH)
    assert smtp_server.to(member.email) == []


async def test_a_sender_who_is_no_longer_an_administrator_is_replaced_by_all_of_them(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    sender = await factory.member(organization, "FA_ADMIN")
    administrator = await factory.member(organization, "ORG_ADMIN")
    contact = await factory.contact(organization)

    async with serve(smtp_server.settings(settings), clock) as served:
        await _invite(served.api, sender, contact)
        deactivate = mutation("deactivateContact", "contact { isActive }")
        assert sender.contact_id is not None
        await served.api.data(
            deactivate,
            {"input": {"contactId": sender.contact_gid}},
            token=administrator.token,
        )
        clock.advance(days=31)
        await served.scheduler.run_once()
        await served.outbox.send_due()

    assert smtp_server.to(sender.email) == []
    [notice] = smtp_server.to(administrator.email)
    _says(notice, "expired", Language.ENGLISH)


async def test_two_schedulers_at_once_send_each_email_once(
    settings: Settings, clock: Clock, factory: Factory
) -> None:
    organization = await factory.organization()
    sender = await factory.member(organization, "ORG_ADMIN")
    for index in range(6):
        contact = await factory.contact(organization)
        # Three are on their day of reminder, three have just expired.
        await factory.invitation(
            contact,
            "FA_VIEWER",
            inviter=sender,
            sent_at=clock.now() - timedelta(days=24 if index % 2 else 31),
        )
    engines = [create_engine(settings.database_url) for _ in range(2)]
    schedulers = [
        Scheduler(create_session_factory(engine), settings, clock=clock.now) for engine in engines
    ]
    try:
        first, second = await asyncio.gather(*(s.run_once() for s in schedulers))
    finally:
        for engine in engines:
            await engine.dispose()

    assert first.reminded + second.reminded == 3
    assert first.expired + second.expired == 3
    async with factory.sessions() as session:
        emails = list(await session.scalars(select(OutboundEmail)))
        expired_events = list(
            await session.scalars(
                select(AuditEvent).where(AuditEvent.action == "INVITATION_EXPIRED")
            )
        )
    assert len(emails) == 6  # three reminders, three notices to the one sender
    assert len(expired_events) == 3


# Access reviews


@LANGUAGES
async def test_reviews_come_due_are_listed_confirmed_in_bulk_and_digested_weekly(
    settings: Settings,
    clock: Clock,
    factory: Factory,
    smtp_server: SmtpServer,
    language: Language,
) -> None:
    organization = await factory.organization(case_management=True)
    elsewhere = await factory.organization()
    administrator = await factory.member(organization, "FA_ADMIN", language=language)
    organization_administrator = await factory.member(organization, "ORG_ADMIN")
    signer = await factory.member(organization, "FA_SIGNER", last_name="Aucoin")
    case_worker = await factory.member(organization, "CM_VIEWER", last_name="Boudreau")
    outsider = await factory.member(elsewhere, "FA_SIGNER")
    without_access = await factory.contact(organization)
    staff = await factory.staff()
    organization_id = gid(NodeType.ORGANIZATION, organization.id)

    async with serve(smtp_server.settings(settings), clock) as served:
        before = await served.api.data(REVIEWS, {"id": organization_id}, token=administrator.token)
        assert before["organization"]["accessReviewsDue"] == 0
        clock.advance(days=settings.access_review_days, seconds=1)
        due = await served.api.data(
            REVIEWS, {"id": organization_id, "due": True}, token=administrator.token
        )
        # Everyone with access is due: two administrators, the signer, the case worker.
        assert due["organization"]["accessReviewsDue"] == 4
        assert due["organization"]["contacts"]["totalCount"] == 4
        member = await served.api.data(REVIEWS, {"id": organization_id}, token=signer.token)
        assert member["organization"]["accessReviewsDue"] == 0

        assert (await served.scheduler.run_once()).digests == 2
        assert (await served.scheduler.run_once()).digests == 0
        await served.outbox.send_due()
        [digest] = smtp_server.to(administrator.email)
        _says(digest, "review", language)
        # The area administrator hears of whom it may confirm: not the case worker.
        assert "Aucoin" in digest.text
        assert "Boudreau" not in digest.text
        [organization_digest] = smtp_server.to(organization_administrator.email)
        assert "Boudreau" in organization_digest.text

        ids = [signer.contact_gid, case_worker.contact_gid, outsider.contact_gid]
        ids += [gid(NodeType.CONTACT, without_access.id), "not-an-id", signer.contact_gid]
        confirmed = await served.api.data(
            CONFIRM_ACCESS, {"input": {"contactIds": ids}}, token=administrator.token
        )
        payload = confirmed["confirmAccess"]
        assert [contact["id"] for contact in payload["contacts"]] == [signer.contact_gid]
        [contact] = payload["contacts"]
        assert contact["accessReviewedBy"]["id"] == gid(NodeType.ACCOUNT, administrator.account_id)
        assert contact["accessReviewDueAt"] > contact["accessReviewedAt"]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "contactIds", "1"], "FORBIDDEN"),
            (["input", "contactIds", "2"], "NOT_FOUND"),
            (["input", "contactIds", "3"], "INVALID"),
            (["input", "contactIds", "4"], "INVALID"),
        ]
        still_due = await served.api.data(
            REVIEWS, {"id": organization_id, "due": True}, token=administrator.token
        )
        assert still_due["organization"]["accessReviewsDue"] == 3
        actions = await _actions(served.api, administrator, organization.id)
        assert actions.count(("ACCESS_CONFIRMED", {"id": contact["accessReviewedBy"]["id"]})) == 1

        clock.advance(days=6, hours=23)
        assert (await served.scheduler.run_once()).digests == 0
        clock.advance(hours=1)
        # A week later, reviews are still due: a digest again, to whoever may confirm some
        # (not the area administrator: only itself and whom it may not manage are left).
        assert (await served.scheduler.run_once()).digests == 1

        # Nobody confirms their own access: the organization administrator's is staff's.
        own = await served.api.data(
            CONFIRM_ACCESS,
            {"input": {"contactIds": [organization_administrator.contact_gid]}},
            token=organization_administrator.token,
        )
        assert [e["code"] for e in own["confirmAccess"]["userErrors"]] == ["FORBIDDEN"]
        others = [administrator.contact_gid, case_worker.contact_gid]
        done = await served.api.data(
            CONFIRM_ACCESS,
            {"input": {"contactIds": others}},
            token=organization_administrator.token,
        )
        assert done["confirmAccess"]["userErrors"] == []
        by_staff = await served.api.data(
            CONFIRM_ACCESS,
            {"input": {"contactIds": [organization_administrator.contact_gid]}},
            token=staff.token,
        )
        assert by_staff["confirmAccess"]["userErrors"] == []
        clock.advance(days=7)
        assert (await served.scheduler.run_once()).digests == 0


async def test_a_lapsing_organization_removes_access_on_the_right_day_and_not_before(
    settings: Settings, clock: Clock, factory: Factory, smtp_server: SmtpServer
) -> None:
    organization = await factory.organization()
    administrator = await factory.member(organization, "ORG_ADMIN", language=Language.FRENCH)
    signer = await factory.member(organization, "FA_SIGNER", last_name="Aucoin")
    reviewed = await factory.member(organization, "FA_VIEWER")
    organization_id = gid(NodeType.ORGANIZATION, organization.id)
    # Reviews fell due ten days ago; the lapse is turned on today with 30 days of grace.
    clock.advance(days=settings.access_review_days + 10)

    async with serve(smtp_server.settings(settings), clock) as served:
        invalid = await _update_organization(
            served.api, administrator, organization.id, accessLapseDays=0
        )
        errors = invalid["data"]["updateOrganization"]["userErrors"]
        assert [e["code"] for e in errors] == ["OUT_OF_RANGE"]
        changed = await _update_organization(
            served.api, administrator, organization.id, accessLapseDays=30
        )
        assert changed["data"]["updateOrganization"]["organization"]["accessLapseDays"] == 30
        confirmed = await served.api.data(
            CONFIRM_ACCESS,
            {"input": {"contactIds": [reviewed.contact_gid]}},
            token=administrator.token,
        )
        assert confirmed["confirmAccess"]["userErrors"] == []

        clock.advance(days=29, hours=23)
        assert (await served.scheduler.run_once()).lapsed == 0
        clock.advance(hours=1)
        # The signer lapses; the administrator, due as well, is the last one: it stays.
        assert (await served.scheduler.run_once()).lapsed == 1
        assert (await served.scheduler.run_once()).lapsed == 0
        await served.outbox.send_due()

        lapsed = await _contact(served.api, administrator, signer.contact_id or 0)
        assert (lapsed["isActive"], lapsed["hasAccess"], lapsed["accountEmail"]) == (
            True,
            False,
            None,
        )
        assert lapsed["securityProfiles"] == [{"code": "FA_SIGNER"}]
        kept = await _contact(served.api, administrator, reviewed.contact_id or 0)
        assert kept["hasAccess"] is True
        listed = await served.api.data(REVIEWS, {"id": organization_id}, token=administrator.token)
        assert listed["organization"]["accessReviewsDue"] == 1
        actions = await _actions(served.api, administrator, organization.id)
        assert ("ACCESS_LAPSED", None) in actions
        assert (
            "ORGANIZATION_UPDATED",
            {"id": gid(NodeType.ACCOUNT, administrator.account_id)},
        ) in (actions)

    notices = [d for d in smtp_server.to(administrator.email) if "échu" in d.text]
    [notice] = notices
    _says(notice, "lapsed", Language.FRENCH)
    assert "Aucoin" in notice.text


async def test_the_lapse_keeps_the_last_organization_administrator_whatever_the_names(
    settings: Settings, clock: Clock, factory: Factory
) -> None:
    organization = await factory.organization()
    # The organization administrator is overdue and sorts first; the area one is reviewed.
    organization_administrator = await factory.member(organization, "ORG_ADMIN", last_name="Aaa")
    area_administrator = await factory.member(organization, "FA_ADMIN", last_name="Zzz")
    staff = await factory.staff()
    clock.advance(days=settings.access_review_days + 400)

    async with serve(settings, clock) as served:
        await _update_organization(
            served.api, organization_administrator, organization.id, accessLapseDays=1
        )
        await served.api.data(
            CONFIRM_ACCESS,
            {"input": {"contactIds": [area_administrator.contact_gid]}},
            token=staff.token,
        )
        clock.advance(days=2)
        assert (await served.scheduler.run_once()).lapsed == 0
        kept = await _contact(served.api, staff, organization_administrator.contact_id or 0)
        assert kept["hasAccess"] is True


async def test_the_lapse_never_counts_from_before_it_was_turned_on(
    settings: Settings, clock: Clock, factory: Factory
) -> None:
    organization = await factory.organization()
    administrators = [await factory.member(organization, "ORG_ADMIN") for _ in range(2)]
    clock.advance(days=settings.access_review_days + 400)

    async with serve(settings, clock) as served:
        await _update_organization(
            served.api, administrators[0], organization.id, accessLapseDays=5
        )
        clock.advance(days=4, hours=23)
        assert (await served.scheduler.run_once()).lapsed == 0
        clock.advance(hours=1)
        # Both are long overdue; the one who would be the last administrator is kept.
        assert (await served.scheduler.run_once()).lapsed == 1

    async with factory.sessions() as session:
        linked = await session.scalars(
            select(Contact.id).where(
                Contact.organization_id == organization.id, Contact.account_id.is_not(None)
            )
        )
        assert len(list(linked)) == 1
