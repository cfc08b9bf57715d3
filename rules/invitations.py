"""Use cases of the access lifecycle: invite, resend, revoke, accept.

An invitation and its email are written in the caller's transaction; the outbox delivers
the email afterwards. The token exists only in the email: the database keeps its hash.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from contacts_api.mail import outbox
from contacts_api.mail.rendering import invitation_email
from contacts_api.models import (
    Account,
    AuditAction,
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationSecurityProfile,
    InvitationStatus,
    Organization,
)
from contacts_api.rules import audit as audit_trail
from contacts_api.rules import authorization, notices
from contacts_api.rules.access import (
    ManagedContact,
    invitation_profile_codes,
    latest_invitation,
    lock_organization,
    managed_contact,
    profile_codes_of,
)
from contacts_api.rules.authorization import Forbidden, Viewer
from contacts_api.rules.catalogue import Catalogue
from contacts_api.rules.invitation_tokens import MAX_TOKEN_LENGTH, hash_token, new_token
from contacts_api.rules.messages import Localized, Message
from contacts_api.rules.user_errors import ErrorCode, UserErrors, fail
from contacts_api.rules.validation import MESSAGE_MAX, Problems, optional_text
from contacts_api.runtime.settings import Settings


async def invite(
    session: AsyncSession,
    *,
    managed: ManagedContact,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    profile_codes: Sequence[str],
    message: str | None,
    path: tuple[str, ...] = (),
) -> Invitation:
    """Invite an active contact without access; `path` prefixes the input paths of errors."""
    contact, organization, viewer = managed.contact, managed.organization, managed.viewer
    if not contact.is_active:
        raise fail(ErrorCode.CONTACT_INACTIVE, Message.CONTACT_INACTIVE, "input", "contactId")
    if contact.has_access:
        raise fail(ErrorCode.ALREADY_HAS_ACCESS, Message.ALREADY_HAS_ACCESS, "input", "contactId")
    if managed.pending_invitation(now) is not None:
        raise fail(ErrorCode.ALREADY_INVITED, Message.ALREADY_INVITED, "input", "contactId")

    problems = Problems()
    cleaned_message = optional_text(
        message, "message", MESSAGE_MAX, problems, path=path, multiline=True
    )
    assignable = authorization.assignable_profile_codes(viewer, organization, catalogue)
    if not profile_codes:
        problems.add(ErrorCode.REQUIRED, Message.PROFILE_REQUIRED, *path, "securityProfileIds")
    for index, code in enumerate(profile_codes):
        if code not in assignable:
            problems.add(
                ErrorCode.NOT_ASSIGNABLE,
                Message.NOT_ASSIGNABLE,
                *path,
                "securityProfileIds",
                str(index),
                profile=catalogue.localized(code),
            )
    if problems.errors:
        raise UserErrors(problems.errors)

    token, token_hash = new_token()
    invitation = Invitation(
        organization_id=organization.id,
        contact_id=contact.id,
        email=contact.email,
        message=cleaned_message,
        token_hash=token_hash,
        invited_by_id=viewer.account.id,
        sent_at=now,
        expires_at=now + timedelta(days=settings.invitation_ttl_days),
    )
    session.add(invitation)
    await session.flush()
    session.add_all(
        InvitationSecurityProfile(invitation_id=invitation.id, security_profile_code=code)
        for code in sorted(set(profile_codes))
    )
    await _email(
        session,
        invitation,
        token,
        contact=contact,
        organization=organization,
        settings=settings,
        profiles=[catalogue.localized(code) for code in catalogue.codes(profile_codes)],
    )
    audit_trail.contact_event(
        session,
        AuditAction.INVITATION_SENT,
        contact,
        actor_id=viewer.account.id,
        now=now,
        changes=[
            ("email", None, contact.email),
            ("securityProfiles", None, catalogue.codes(profile_codes)),
        ],
    )
    return invitation


async def invite_contact(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    contact_id: int,
    profile_codes: Sequence[str],
    message: str | None,
) -> Invitation:
    return await invite(
        session,
        managed=await managed_contact(session, viewer, catalogue, now, contact_id),
        catalogue=catalogue,
        settings=settings,
        now=now,
        profile_codes=profile_codes,
        message=message,
    )


async def resend_invitation(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    invitation_id: int,
) -> Invitation:
    """A new link and a new expiry for a pending or expired invitation; the old link dies.

    The email goes to the contact's email as it is now, which the invitation then records.
    """
    invitation, managed = await _managed_invitation(session, viewer, catalogue, now, invitation_id)
    contact, organization, viewer = managed.contact, managed.organization, managed.viewer
    if invitation.status_at(now) not in {InvitationStatus.PENDING, InvitationStatus.EXPIRED}:
        raise fail(
            ErrorCode.INVITATION_NOT_PENDING,
            Message.INVITATION_NOT_PENDING,
            "input",
            "invitationId",
        )
    if not contact.is_active:
        raise fail(ErrorCode.CONTACT_INACTIVE, Message.CONTACT_INACTIVE, "input", "invitationId")
    if contact.account_id is not None:
        raise fail(
            ErrorCode.ALREADY_HAS_ACCESS, Message.ALREADY_HAS_ACCESS, "input", "invitationId"
        )
    if managed.latest_invitation is None or managed.latest_invitation.id != invitation.id:
        # A newer invitation superseded this one; resend that one instead.
        raise fail(
            ErrorCode.INVITATION_NOT_PENDING,
            Message.INVITATION_NOT_PENDING,
            "input",
            "invitationId",
        )
    # The manage rule counted this invitation's profiles; a resend grants them anew, so the
    # viewer must be able to assign each of them now, whatever that rule becomes.
    assignable = authorization.assignable_profile_codes(viewer, organization, catalogue)
    if not managed.latest_invitation_codes <= assignable:
        raise Forbidden
    previous_email, previous_expiry = invitation.email, invitation.expires_at
    token, invitation.token_hash = new_token()
    invitation.email = contact.email
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.invitation_ttl_days)
    # A new sending: it may be reminded, expire and fail once more, and be told so.
    invitation.reminded_at = invitation.reminder_token_hash = None
    invitation.expiry_noticed_at = invitation.failure_noticed_at = None
    await _email(
        session,
        invitation,
        token,
        contact=contact,
        organization=organization,
        settings=settings,
        profiles=[
            catalogue.localized(code) for code in catalogue.codes(managed.latest_invitation_codes)
        ],
    )
    audit_trail.contact_event(
        session,
        AuditAction.INVITATION_RESENT,
        contact,
        actor_id=viewer.account.id,
        now=now,
        changes=[
            ("email", previous_email, invitation.email),
            ("expiresAt", previous_expiry.isoformat(), invitation.expires_at.isoformat()),
        ],
    )
    return invitation


async def revoke_invitation(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    now: datetime,
    invitation_id: int,
) -> Invitation:
    """Withdraw a pending invitation ("LaMPSS invitation withdrawn")."""
    invitation, managed = await _managed_invitation(session, viewer, catalogue, now, invitation_id)
    if invitation.status_at(now) is not InvitationStatus.PENDING:
        raise fail(
            ErrorCode.INVITATION_NOT_PENDING,
            Message.INVITATION_NOT_PENDING,
            "input",
            "invitationId",
        )
    revoke(session, invitation, viewer=managed.viewer, now=now)
    return invitation


async def accept_invitation(
    session: AsyncSession,
    *,
    viewer: Viewer,
    catalogue: Catalogue,
    settings: Settings,
    now: datetime,
    token: str,
) -> Contact:
    """By the invitee: link the account to the contact and grant the invitation's profiles.

    The link of the invitation and that of its reminder both work; its sender is told.
    """
    token = token.strip()
    token_hash = hash_token(token) if 0 < len(token) <= MAX_TOKEN_LENGTH else None
    invitation = (
        await session.scalar(
            select(Invitation).where(
                or_(
                    Invitation.token_hash == token_hash,
                    Invitation.reminder_token_hash == token_hash,
                )
            )
        )
        if token_hash
        else None
    )
    if invitation is None or not _matches(invitation, token_hash):
        raise fail(ErrorCode.INVALID, Message.INVALID_TOKEN, "input", "token")
    await lock_organization(session, invitation.organization_id, viewer)
    await session.refresh(invitation)
    if not _matches(invitation, token_hash):
        # Resent meanwhile, between the lookup and the lock: this link died with it.
        raise fail(ErrorCode.INVALID, Message.INVALID_TOKEN, "input", "token")
    contact = await session.get_one(Contact, invitation.contact_id, populate_existing=True)

    match invitation.status_at(now):
        case InvitationStatus.EXPIRED:
            raise fail(ErrorCode.INVITATION_EXPIRED, Message.INVITATION_EXPIRED, "input", "token")
        case InvitationStatus.ACCEPTED | InvitationStatus.REVOKED:
            raise fail(
                ErrorCode.INVITATION_NOT_PENDING, Message.INVITATION_NOT_PENDING, "input", "token"
            )
    if not contact.is_active:
        raise fail(ErrorCode.CONTACT_INACTIVE, Message.CONTACT_INACTIVE, "input", "token")
    if contact.account_id is not None and contact.account_id != viewer.account.id:
        # An older invitation of a contact that someone has linked since.
        raise fail(ErrorCode.ALREADY_HAS_ACCESS, Message.ALREADY_HAS_ACCESS, "input", "token")
    already_linked = await session.scalar(
        select(Contact.id).where(
            Contact.organization_id == contact.organization_id,
            Contact.account_id == viewer.account.id,
            Contact.id != contact.id,
        )
    )
    if already_linked is not None:
        raise fail(ErrorCode.ALREADY_LINKED, Message.ALREADY_LINKED, "input", "token")

    account = await session.get_one(Account, viewer.account.id)
    held = await profile_codes_of(session, contact.id)
    granted = await invitation_profile_codes(session, invitation.id)
    session.add_all(
        ContactSecurityProfile(contact_id=contact.id, security_profile_code=code)
        for code in sorted(granted - held)
    )
    before_email = contact.account_email
    contact.link_account(account.id, account.email, now=now)
    contact.touch(now)
    invitation.accepted_at = now
    invitation.accepted_by_id = account.id
    await session.flush()
    audit_trail.contact_event(
        session,
        AuditAction.INVITATION_ACCEPTED,
        contact,
        actor_id=account.id,
        now=now,
        changes=[
            ("accountEmail", before_email, account.email),
            ("securityProfiles", catalogue.codes(held), catalogue.codes(held | granted)),
        ],
    )
    organization = await session.get_one(Organization, contact.organization_id)
    await notices.tell_about_invitation(
        session,
        "accepted",
        invitation=invitation,
        contact=contact,
        organization=organization,
        catalogue=catalogue,
        settings=settings,
        now=now,
        profile_codes=sorted(held | granted),
    )
    return contact


async def remind(
    session: AsyncSession,
    invitation: Invitation,
    token: str,
    *,
    catalogue: Catalogue,
    settings: Settings,
) -> bool:
    """Email the reminder of a claimed invitation (`reminded_at` set, and the hash of
    `token`); False, and nothing sent, when it can no longer be accepted (its contact
    deactivated, linked meanwhile, or invited again since)."""
    contact = await session.get_one(Contact, invitation.contact_id)
    latest = await latest_invitation(session, contact.id)
    if (
        not contact.is_active
        or contact.account_id is not None
        or latest is None
        or latest.id != invitation.id
    ):
        return False
    organization = await session.get_one(Organization, invitation.organization_id)
    codes = await invitation_profile_codes(session, invitation.id)
    await _email(
        session,
        invitation,
        token,
        contact=contact,
        organization=organization,
        settings=settings,
        profiles=[catalogue.localized(code) for code in catalogue.codes(codes)],
        reminder=True,
    )
    assert invitation.reminded_at is not None
    audit_trail.contact_event(
        session,
        AuditAction.INVITATION_REMINDED,
        contact,
        actor_id=None,
        now=invitation.reminded_at,
        changes=[("remindedAt", None, invitation.reminded_at)],
    )
    return True


def revoke(session: AsyncSession, invitation: Invitation, *, viewer: Viewer, now: datetime) -> None:
    """Withdraw a pending invitation: its link stops working."""
    invitation.revoked_at = now
    invitation.revoked_by_id = viewer.account.id
    audit_trail.record(
        session,
        action=AuditAction.INVITATION_REVOKED,
        organization_id=invitation.organization_id,
        actor_id=viewer.account.id,
        contact_id=invitation.contact_id,
        now=now,
        changes=[("invitation", "PENDING", "REVOKED")],
    )


def _matches(invitation: Invitation, token_hash: str | None) -> bool:
    """Whether `token_hash` is that of the invitation's link or of its reminder's."""
    return token_hash is not None and any(
        hmac.compare_digest(stored, token_hash)
        for stored in (invitation.token_hash, invitation.reminder_token_hash or "")
        if stored
    )


async def _managed_invitation(
    session: AsyncSession, viewer: Viewer, catalogue: Catalogue, now: datetime, invitation_id: int
) -> tuple[Invitation, ManagedContact]:
    contact_id = await session.scalar(
        select(Invitation.contact_id).where(Invitation.id == invitation_id)
    )
    if contact_id is None:
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "invitationId")
    try:
        managed = await managed_contact(session, viewer, catalogue, now, contact_id)
    except UserErrors:
        raise fail(ErrorCode.NOT_FOUND, Message.NOT_FOUND, "input", "invitationId") from None
    invitation = await session.get_one(Invitation, invitation_id, populate_existing=True)
    return invitation, managed


async def _email(
    session: AsyncSession,
    invitation: Invitation,
    token: str,
    *,
    contact: Contact,
    organization: Organization,
    settings: Settings,
    profiles: Sequence[Localized],
    reminder: bool = False,
) -> None:
    """Queue the invitation's email with the link of `token`; or, with `reminder`, its
    reminder (sent now)."""
    now = invitation.reminded_at if reminder and invitation.reminded_at else invitation.sent_at
    inviter = (
        await session.get(Account, invitation.invited_by_id) if invitation.invited_by_id else None
    )
    content = invitation_email(
        language=contact.preferred_language,
        first_name=contact.first_name,
        organization=organization.name,
        inviter=(inviter.name or inviter.email) if inviter else organization.name,
        message=invitation.message,
        link=f"{settings.public_url}/invitations/{token}",
        expires_at=invitation.expires_at,
        profiles=[profile.in_(contact.preferred_language) for profile in profiles],
        reminder_at=now if reminder else None,
    )
    email = outbox.enqueue(session, recipient=invitation.email, content=content, now=now)
    if reminder:
        return
    # The invitation's own email: its delivery status is the invitation's.
    await session.flush()
    invitation.outbound_email_id = email.id
