"""Timed work: what falls due with the clock rather than with a request.

Each job finds its candidates with a plain read, then takes each one in a transaction of its
own by a conditional UPDATE (the claim: "reminded_at IS NULL", "expiry_noticed_at IS NULL",
"no digest this week"), and writes what it causes in that same transaction: the emails (to
the outbox), the audit events, the change. Two processes that reach the same candidate at once
claim it once: on PostgreSQL the second UPDATE waits for the first to commit, then finds its
condition false; SQLite lets one writer in at a time (BEGIN IMMEDIATE). A process that dies
mid-job has written nothing for the candidate it held, which the next pass finds again.

Every job takes "now" from its caller (the scheduler's clock), so tests move time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Select, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_api.mail.rendering import NoticeKind
from contacts_api.models import (
    AuditAction,
    Contact,
    ContactSecurityProfile,
    EmailDeliveryStatus,
    Invitation,
    Organization,
    OutboundEmail,
)
from contacts_api.models.database import SQLITE_BEGIN_OPTION
from contacts_api.rules import audit as audit_trail
from contacts_api.rules import authorization, invitations, notices
from contacts_api.rules.access_reviews import due_condition
from contacts_api.rules.catalogue import Catalogue
from contacts_api.rules.invitation_tokens import new_token
from contacts_api.runtime.settings import Settings

logger = logging.getLogger("contacts.scheduler")

DIGEST_EVERY = timedelta(days=7)
BATCH = 200


@dataclass
class Done:
    """What one pass did, job by job."""

    reminded: int = 0
    expired: int = 0
    failed: int = 0
    digests: int = 0
    lapsed: int = 0
    errors: int = 0  # candidates whose job failed (logged; tried again next pass)

    def total(self) -> int:
        return self.reminded + self.expired + self.failed + self.digests + self.lapsed


class TimedWork:
    """The jobs, on a session factory, the settings and the catalogue."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        catalogue: Callable[[AsyncSession], Awaitable[Catalogue]],
    ) -> None:
        """`catalogue(session)` awaits the security profile catalogue."""
        self._sessions = sessions
        self._settings = settings
        self._catalogue = catalogue
        self.errors = 0

    async def run_due(self, now: datetime) -> Done:
        """Every job once, for what is due at `now`."""
        self.errors = 0
        done = Done()
        done.reminded = await self._each(self._reminder_candidates(now), self._remind, now)
        done.expired = await self._each(self._expired_candidates(now), self._expire, now)
        done.failed = await self._each(self._failed_candidates(), self._notice_failure, now)
        done.digests = await self._each(self._digest_candidates(now), self._digest, now)
        done.lapsed = await self._each(lambda: self._lapsing_organizations(now), self._lapse, now)
        done.errors = self.errors
        return done

    async def _each(
        self,
        candidates: Select[int] | Callable[[], Awaitable[list[int]]],
        job: Callable[[AsyncSession, int, datetime], Awaitable[int]],
        now: datetime,
    ) -> int:
        """Run `job` on each candidate, each in its own transaction; one that fails is
        logged and counted (`errors`), and the others still run."""
        if isinstance(candidates, Select):
            async with self._sessions() as session:
                keys = list(await session.scalars(candidates.limit(BATCH)))
        else:
            keys = await candidates()
        done = 0
        for key in keys:
            try:
                async with self._writing() as session:
                    done += await job(session, key, now)
            except Exception:
                self.errors += 1
                logger.exception("%s failed for %s; the next pass tries again", job.__name__, key)
        return done

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            await session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            yield session

    # Reminders: one per sending, `INVITATION_REMINDER_DAYS` before it expires.

    def _reminder_candidates(self, now: datetime) -> Select[int]:
        days = self._settings.invitation_reminder_days
        if days == 0:
            return select(Invitation.id).where(false())
        return (
            select(Invitation.id)
            .where(*_remindable(now), Invitation.expires_at <= now + timedelta(days=days))
            .order_by(Invitation.expires_at)
        )

    async def _remind(self, session: AsyncSession, invitation_id: int, now: datetime) -> int:
        await _lock_organization_of(session, invitation_id)
        token, token_hash = new_token()
        claimed = await session.scalar(
            update(Invitation)
            .where(Invitation.id == invitation_id, *_remindable(now))
            .values(reminded_at=now, reminder_token_hash=token_hash)
            .returning(Invitation.id)
        )
        if claimed is None:
            return 0
        invitation = await session.get_one(Invitation, invitation_id, populate_existing=True)
        # Not reminded when it can no longer be accepted; claimed all the same, so that no
        # pass looks at it again.
        reminded = await invitations.remind(
            session,
            invitation,
            token,
            catalogue=await self._catalogue(session),
            settings=self._settings,
        )
        return 1 if reminded else 0

    # Expiry: audited by the system, and told to the administrators.

    def _expired_candidates(self, now: datetime) -> Select[int]:
        return select(Invitation.id).where(*_expired(now)).order_by(Invitation.expires_at)

    async def _expire(self, session: AsyncSession, invitation_id: int, now: datetime) -> int:
        await _lock_organization_of(session, invitation_id)
        claimed = await session.scalar(
            update(Invitation)
            .where(Invitation.id == invitation_id, *_expired(now))
            .values(expiry_noticed_at=now)
            .returning(Invitation.id)
        )
        if claimed is None:
            return 0
        invitation = await session.get_one(Invitation, invitation_id, populate_existing=True)
        contact = await session.get_one(Contact, invitation.contact_id)
        audit_trail.contact_event(
            session,
            AuditAction.INVITATION_EXPIRED,
            contact,
            actor_id=None,
            now=now,
            changes=[("invitation", "PENDING", "EXPIRED")],
        )
        await self._tell(session, "expired", invitation, contact, invitation.expires_at)
        return 1

    # A delivery that failed for good (FAILED after the outbox's last try).

    def _failed_candidates(self) -> Select[int]:
        return (
            select(Invitation.id)
            .join(OutboundEmail, OutboundEmail.id == Invitation.outbound_email_id)
            .where(
                OutboundEmail.status == EmailDeliveryStatus.FAILED,
                Invitation.failure_noticed_at.is_(None),
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.id)
        )

    async def _notice_failure(
        self, session: AsyncSession, invitation_id: int, now: datetime
    ) -> int:
        await _lock_organization_of(session, invitation_id)
        claimed = await session.scalar(
            update(Invitation)
            .where(Invitation.id == invitation_id, Invitation.failure_noticed_at.is_(None))
            .values(failure_noticed_at=now)
            .returning(Invitation.id)
        )
        if claimed is None:
            return 0
        invitation = await session.get_one(Invitation, invitation_id, populate_existing=True)
        contact = await session.get_one(Contact, invitation.contact_id)
        await self._tell(session, "failed", invitation, contact, now)
        return 1

    async def _tell(
        self,
        session: AsyncSession,
        kind: NoticeKind,
        invitation: Invitation,
        contact: Contact,
        when: datetime,
    ) -> None:
        organization = await session.get_one(Organization, invitation.organization_id)
        await notices.tell_about_invitation(
            session,
            kind,
            invitation=invitation,
            contact=contact,
            organization=organization,
            catalogue=await self._catalogue(session),
            settings=self._settings,
            now=when,
        )

    # The weekly digest of the reviews that are due.

    def _digest_candidates(self, now: datetime) -> Select[int]:
        return (
            select(Organization.id)
            .where(
                _digest_due(now),
                select(Contact.id)
                .where(
                    Contact.organization_id == Organization.id, due_condition(now, self._settings)
                )
                .exists(),
            )
            .order_by(Organization.id)
        )

    async def _digest(self, session: AsyncSession, organization_id: int, now: datetime) -> int:
        claimed = await session.scalar(
            update(Organization)
            .where(
                Organization.id == organization_id,
                _digest_due(now),
            )
            .values(review_digest_sent_at=now)
            .returning(Organization.id)
        )
        if claimed is None:
            return 0
        organization = await session.get_one(Organization, organization_id)
        catalogue = await self._catalogue(session)
        due = await _due_contacts(session, organization_id, now, self._settings)
        sent = 0
        for recipient in await notices.administrators(session, organization_id, catalogue):
            # Each administrator hears of the contacts it may confirm, and only if there are.
            names = [
                f"{contact.first_name} {contact.last_name}"
                for contact, codes in due
                if contact.account_id != recipient.account_id
                and codes
                <= authorization.assignable_with(recipient.profile_codes, organization, catalogue)
            ]
            if names:
                notices.tell_about_contacts(
                    session,
                    "review",
                    recipient=recipient,
                    organization=organization,
                    names=names,
                    settings=self._settings,
                    now=now,
                )
                sent += 1
        return sent

    # Access that lapses by itself, where the organization chose so.

    async def _lapsing_organizations(self, now: datetime) -> list[int]:
        """The organizations where some access lapses at `now`: one read, so that a pass
        locks (and, on SQLite, writes) only where there is something to do."""
        reviewed = func.min(func.coalesce(Contact.access_reviewed_at, Contact.access_granted_at))
        statement = (
            select(
                Organization.id,
                Organization.access_lapse_days,
                Organization.access_lapse_set_at,
                reviewed,
            )
            .join(Contact, Contact.organization_id == Organization.id)
            .where(
                Organization.access_lapse_days.is_not(None),
                Contact.account_id.is_not(None),
                Contact.is_active,
            )
            .group_by(Organization.id)
            .order_by(Organization.id)
        )
        review = timedelta(days=self._settings.access_review_days)
        async with self._sessions() as session:
            rows = (await session.execute(statement)).all()
        lapsing = []
        for organization_id, days, set_at, oldest in rows:
            if days is None:
                continue
            grace = timedelta(days=days)
            if oldest is None or (set_at is not None and set_at + grace > now):
                continue
            if _utc(oldest) + review + grace <= now:
                lapsing.append(organization_id)
        return lapsing

    async def _lapse(self, session: AsyncSession, organization_id: int, now: datetime) -> int:
        """Under the organization's lock: whoever holds access past its review and the grace
        period loses it, except the last administrator with access; its administrators get
        one notice for all of them."""
        organization = await session.scalar(
            select(Organization).where(Organization.id == organization_id).with_for_update()
        )
        if organization is None or organization.access_lapse_days is None:
            return 0
        grace = timedelta(days=organization.access_lapse_days)
        if (
            organization.access_lapse_set_at is not None
            and organization.access_lapse_set_at + grace > now
        ):
            return 0
        catalogue = await self._catalogue(session)
        lapsing = await _due_contacts(session, organization_id, now - grace, self._settings)
        if not lapsing:
            return 0
        # The last holder with access of each administrator profile is kept: the organization
        # never loses its organization administrator, nor an area its administrator.
        holders: dict[str, set[int]] = {}
        for recipient in await notices.administrators(session, organization_id, catalogue):
            for code in recipient.profile_codes:
                if catalogue[code].is_administrator:
                    holders.setdefault(code, set()).add(recipient.account_id)
        lapsed: list[str] = []
        for contact, codes in lapsing:
            account = contact.account_id or 0
            if any(holders.get(code, set()) <= {account} for code in codes if code in holders):
                continue
            for code in codes:
                holders.get(code, set()).discard(account)
            before = contact.account_email
            contact.unlink_account()
            contact.touch(now)
            await session.flush()
            audit_trail.contact_event(
                session,
                AuditAction.ACCESS_LAPSED,
                contact,
                actor_id=None,
                now=now,
                changes=[("accountEmail", before, None), ("hasAccess", True, False)],
            )
            lapsed.append(f"{contact.first_name} {contact.last_name}")
        if lapsed:
            for recipient in await notices.administrators(session, organization_id, catalogue):
                notices.tell_about_contacts(
                    session,
                    "lapsed",
                    recipient=recipient,
                    organization=organization,
                    names=lapsed,
                    settings=self._settings,
                    now=now,
                )
        return len(lapsed)


# What makes an invitation a job's candidate, and what its claim re-checks under the lock: the
# same conditions, so that a candidate taken by another process meanwhile is left alone.
def _remindable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.reminded_at.is_(None),
        Invitation.expires_at > now,
    )


def _expired(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expiry_noticed_at.is_(None),
        Invitation.expires_at <= now,
    )


def _digest_due(now: datetime) -> ColumnElement[bool]:
    """No digest went to the organization in the last week."""
    return or_(
        Organization.review_digest_sent_at.is_(None),
        Organization.review_digest_sent_at <= now - DIGEST_EVERY,
    )


async def _lock_organization_of(session: AsyncSession, invitation_id: int) -> None:
    """The invitation's organization, locked before the invitation is claimed: the order in
    which requests lock them too, so that a job and a request never deadlock."""
    organization_id = await session.scalar(
        select(Invitation.organization_id).where(Invitation.id == invitation_id)
    )
    await session.execute(
        select(Organization.id).where(Organization.id == organization_id).with_for_update()
    )


async def _due_contacts(
    session: AsyncSession, organization_id: int, now: datetime, settings: Settings
) -> list[tuple[Contact, frozenset[str]]]:
    """The contacts whose review is due at `now`, by last name, with their profiles."""
    rows = (
        await session.execute(
            select(Contact, ContactSecurityProfile.security_profile_code)
            .outerjoin(ContactSecurityProfile, ContactSecurityProfile.contact_id == Contact.id)
            .where(Contact.organization_id == organization_id, due_condition(now, settings))
            .order_by(Contact.sort_last_name, Contact.sort_first_name, Contact.id)
        )
    ).all()
    contacts: dict[int, Contact] = {}
    codes: dict[int, set[str]] = {}
    for contact, code in rows:
        contacts[contact.id] = contact
        held = codes.setdefault(contact.id, set())
        if code is not None:
            held.add(code)
    return [(contact, frozenset(codes[contact.id])) for contact in contacts.values()]


def _utc(moment: datetime) -> datetime:
    """An aggregate's timestamp (SQLite gives it back without its zone, as text's UTC)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
