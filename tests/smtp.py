"""A real SMTP server on loopback for the tests, and the application wired to it.

`SmtpServer` is aiosmtpd listening on 127.0.0.1 (in its own thread, with its own event
loop); every message it accepts is parsed and kept, with its envelope. It can be stopped
and started again on the same port, as a mail server that goes down and comes back.
`serve` builds the application as the `api` fixture does, and hands over its outbox sender
and its scheduler too, so that a test decides when the emails are delivered and when the
timed work runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import email
import email.policy
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from contacts_api.mail.outbox import OutboxSender
from contacts_api.runtime.scheduler import Scheduler
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.clock import Clock
from tests.graphql import Api


@dataclass(frozen=True)
class Delivery:
    """One message as the mail server received it."""

    mail_from: str
    recipients: list[str]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body((subtype,))
        assert body is not None, f"no text/{subtype} part"
        content: str = body.get_content()  # type: ignore[attr-defined]
        return content

    @property
    def text(self) -> str:
        return self.part("plain")

    @property
    def html(self) -> str:
        return self.part("html")


class _Mailbox:
    """The aiosmtpd handler: accepts every message and keeps it."""

    def __init__(self, deliveries: list[Delivery]) -> None:
        self._deliveries = deliveries

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._deliveries.append(Delivery(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.deliveries: list[Delivery] = []
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        assert self._controller is None, "already running"
        controller = Controller(_Mailbox(self.deliveries), hostname=self.host, port=self.port)
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def settings(self, settings: Settings, **changes: Any) -> Settings:
        """`settings` sending through this server (no TLS, no login)."""
        return dataclasses.replace(
            settings,
            smtp_host=self.host,
            smtp_port=self.port,
            smtp_starttls=False,
            smtp_username=None,
            smtp_password=None,
            **changes,
        )

    def to(self, address: str) -> list[Delivery]:
        """What was delivered to `address`, oldest first."""
        wanted = address.casefold()
        return [d for d in self.deliveries if wanted in (r.casefold() for r in d.recipients)]

    def token_for(self, address: str, public_url: str) -> str:
        """The invitation token of the latest message delivered to `address`."""
        deliveries = self.to(address)
        assert deliveries, f"nothing was delivered to {address}"
        return invitation_token(deliveries[-1].text, public_url)


def invitation_token(text: str, public_url: str) -> str:
    """The token of the one invitation link in `text`."""
    links = re.findall(re.escape(f"{public_url}/invitations/") + r"([A-Za-z0-9_\-]+)", text)
    assert len(set(links)) == 1, f"expected one invitation link in {text!r}"
    token: str = links[0]
    return token


@dataclass(frozen=True)
class Served:
    """The application under test: its GraphQL client and its outbox sender."""

    api: Api
    outbox: OutboxSender
    scheduler: Scheduler
    settings: Settings


@contextlib.asynccontextmanager
async def serve(settings: Settings, clock: Clock) -> AsyncIterator[Served]:
    """The application as `create_app` builds it, on `settings`, at the tests' clock."""
    app = create_app(settings, clock=clock.now)
    services = app.state.services
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://contacts.test"
        ) as client:
            yield Served(Api(client, settings), services.outbox, services.scheduler, settings)
    finally:
        await services.engine.dispose()
