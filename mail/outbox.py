"""The outbox: emails written with the change that causes them, delivered afterwards.

`enqueue` adds an email to the caller's transaction, so an email exists exactly when its
change was committed. `OutboxSender` delivers what is due. It claims one email at a time
with a lease (skipping rows another sender has locked, on PostgreSQL), sends it outside any
transaction, then records the outcome: SENT, or a retry after an exponential back-off, or
FAILED after the last attempt. Several senders on PostgreSQL never claim the same email; a
sender that dies mid-send leaves a lease that expires, so the email is retried, not lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Protocol

import aiosmtplib
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contacts_api.mail.rendering import EmailContent
from contacts_api.models import EmailDeliveryStatus, OutboundEmail
from contacts_api.models.database import SQLITE_BEGIN_OPTION
from contacts_api.runtime.settings import Settings

logger = logging.getLogger("contacts.mail")

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


def enqueue(
    session: AsyncSession, *, recipient: str, content: EmailContent, now: datetime
) -> OutboundEmail:
    email = OutboundEmail(
        recipient=recipient,
        subject=content.subject,
        text_body=content.text,
        html_body=content.html,
        status=EmailDeliveryStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(email)
    return email


class Transport(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host is not None
        self._settings = settings

    async def send(self, message: EmailMessage) -> None:
        settings = self._settings
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=30,
        )


class DirectoryTransport:
    """Development: each email becomes an .eml file; its invitation link goes to the log."""

    def __init__(self, directory: Path, public_url: str) -> None:
        self._directory = directory
        self._link = re.compile(re.escape(f"{public_url}/invitations/") + r"\S+")

    async def send(self, message: EmailMessage) -> None:
        self._directory.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").split("@")[0]
        path = self._directory / f"{name}.eml"
        path.write_bytes(bytes(message))
        text = message.get_body(("plain",))
        link = self._link.search(text.get_content()) if text else None
        logger.info(
            "email to %s written to %s%s",
            message["To"],
            path,
            f"; its link: {link.group(0)}" if link else "",
        )


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return DirectoryTransport(settings.mail_dir, settings.public_url)


class OutboxSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        transport: Transport | None = None,
        clock: Callable[[], datetime],
        on_attempt: Callable[[str], None] = lambda _outcome: None,
    ) -> None:
        """`on_attempt` hears the outcome of every delivery attempt: sent, retry or failed."""
        self._sessions = sessions
        self._settings = settings
        self._transport = transport or transport_for(settings)
        self._clock = clock
        self._on_attempt = on_attempt
        # Message ids name the sender's own domain (RFC 5322 wants them unique to it).
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"

    async def send_due(self) -> int:
        """Deliver every email due now; the number of attempts made."""
        attempts = 0
        while (email := await self._claim()) is not None:
            await self._deliver(email)
            attempts += 1
        return attempts

    async def run(self, stop: asyncio.Event, *, interval: float = 2.0) -> None:
        """Deliver until `stop` is set; the email being sent when it is set is finished."""
        while not stop.is_set():
            try:
                await self.send_due()
            except Exception:
                logger.exception("outbox pass failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def _claim(self) -> OutboundEmail | None:
        now = self._clock()
        if not await self._anything_due(now):
            return None
        async with self._sessions() as session, session.begin():
            # SQLite: take the write lock first, since this transaction reads, then writes.
            await session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            email = await session.scalar(
                select(OutboundEmail)
                .where(
                    OutboundEmail.status == EmailDeliveryStatus.QUEUED,
                    OutboundEmail.next_attempt_at <= now,
                )
                .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if email is None:
                return None
            email.attempts += 1
            email.next_attempt_at = now + LEASE
        return email

    async def _anything_due(self, now: datetime) -> bool:
        """A plain read first, so that an idle sender never takes SQLite's write lock."""
        async with self._sessions() as session:
            due = await session.scalar(
                select(OutboundEmail.id)
                .where(
                    OutboundEmail.status == EmailDeliveryStatus.QUEUED,
                    OutboundEmail.next_attempt_at <= now,
                )
                .limit(1)
            )
        return due is not None

    async def _deliver(self, email: OutboundEmail) -> None:
        try:
            await self._transport.send(self._message(email))
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self._failed_attempt(email, error)
            return
        await self._record(
            email.id,
            status=EmailDeliveryStatus.SENT,
            sent_at=self._clock(),
            last_error=None,
            # The link in the body is a secret: once delivered, the outbox forgets it.
            text_body="",
            html_body="",
        )
        self._on_attempt("sent")

    async def _failed_attempt(self, email: OutboundEmail, error: Exception) -> None:
        description = f"{type(error).__name__}: {error}"[:500]
        if email.attempts >= self._settings.outbox_max_attempts:
            logger.error(
                "email %s failed for good after %s attempts: %s",
                email.id,
                email.attempts,
                description,
            )
            await self._record(
                email.id,
                status=EmailDeliveryStatus.FAILED,
                last_error=description,
                text_body="",
                html_body="",
            )
            self._on_attempt("failed")
            return
        delay = min(
            timedelta(seconds=self._settings.outbox_retry_seconds * 2 ** (email.attempts - 1)),
            MAX_BACKOFF,
        )
        logger.warning(
            "email %s not sent (attempt %s), retry in %s: %s",
            email.id,
            email.attempts,
            delay,
            description,
        )
        await self._record(email.id, next_attempt_at=self._clock() + delay, last_error=description)
        self._on_attempt("retry")

    async def _record(self, email_id: int, **values: object) -> None:
        async with self._sessions.begin() as session:
            await session.execute(
                update(OutboundEmail).where(OutboundEmail.id == email_id).values(**values)
            )

    def _message(self, email: OutboundEmail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = email.recipient
        message["Subject"] = email.subject
        message["Date"] = format_datetime(self._clock())
        message["Message-ID"] = make_msgid(idstring=f"outbox-{email.id}", domain=self._domain)
        message.set_content(email.text_body)
        message.add_alternative(email.html_body, subtype="html")
        return message
