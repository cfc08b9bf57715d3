"""The identity rules, checked by a machine: random token claims against sign-in and staff
announcements, over HTTP, on a real database.

A state machine announces staff addresses (`contacts staff add`) and signs in with random
claims: subjects that differ by case or spaces, emails that differ by ASCII case (the same
mailbox) or by a confusable character (another mailbox: the Kelvin sign, the long s, a
ligature, a decomposed accent), lone surrogates, NUL, control characters, odd types, and
`email_verified` as true, false, a string, or left out. A reference model decides, from the
rules written in `models.emails` and `resolvers.authorization`, who each request is: an
anonymous caller, or which account, staff or not. After every step the server agrees with
the model and the accounts table holds the model's accounts.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select

from contacts_api.models import Account
from contacts_api.rules import authorization
from tests import operations
from tests.test_authorization_model import Run

LONG = os.environ.get("MODEL_CHECK_PROFILE") == "long"
EXAMPLES = int(os.environ.get("MODEL_CHECK_EXAMPLES", 200 if LONG else 15))
STEPS = int(os.environ.get("MODEL_CHECK_STEPS", 50 if LONG else 25))

STAFF = "kirk.staff@novascotia.example"
# Each email, and the mailbox it names (None: not an address a token may carry).
EMAILS: dict[str, str | None] = {
    STAFF: "kirk",
    "Kirk.Staff@NovaScotia.EXAMPLE": "kirk",
    "KIRK.STAFF@novascotia.example": "kirk",
    "\u212airk.staff@novascotia.example": "kelvin",  # Kelvin sign
    "kirk.\u017ftaff@novascotia.example": "long s",
    "kirk.sta\ufb00@novascotia.example": "ligature",
    "andré@novascotia.example": "andré",
    "ANDRé@NovaScotia.example": "andré",
    "andre\u0301@novascotia.example": "andré decomposed",
    "other@example.org": "other",
    "kirk.staff@novascotia.example ": None,  # trailing space
    "kirk\ud800@novascotia.example": None,
    "kirk\x00@novascotia.example": None,
    "not an address": None,
}
SUBJECTS = ["idp|1", "idp|2", "IDP|1", " idp|1", "idp|\ud800", "idp|\x00", "idp|\x1b", "x" * 256]
VALID_SUBJECTS = {"idp|1", "idp|2", "IDP|1", " idp|1"}
NAMES = ["Kirk Staff", None, "Ki\ud83drk", "Kirk\x00", 42]
VERIFIED: list[Any] = ["left out", True, False, "true", "false", "yes", 1]

COVERAGE: Counter[str] = Counter()


def verified_claim(value: Any) -> bool | None:
    """What the rules read of `email_verified`."""
    if value == "left out":
        return None
    if isinstance(value, bool):
        return value
    return value in {"true", "True"}


@dataclass
class ModelAccount:
    subject: str | None
    email: str
    verified: bool | None
    staff: bool

    @property
    def mailbox(self) -> str | None:
        return EMAILS[self.email]


@dataclass
class IdentityModel:
    accounts: list[ModelAccount] = field(default_factory=list)

    def announce(self, email: str) -> None:
        mailbox = EMAILS[email]
        candidates = [a for a in self.accounts if a.mailbox == mailbox and a.verified is not False]
        signed_in = [a for a in candidates if a.subject is not None]
        if signed_in:
            signed_in[0].staff = True
        elif not candidates:
            self.accounts.append(ModelAccount(None, email, None, True))

    def sign_in(self, subject: str, email: str, verified: bool | None) -> ModelAccount:
        for account in self.accounts:
            if account.subject == subject:
                account.email, account.verified = email, verified
                return account
        if verified is not False:
            for account in self.accounts:
                if account.subject is None and account.mailbox == EMAILS[email]:
                    account.subject, account.email, account.verified = subject, email, verified
                    return account
        account = ModelAccount(subject, email, verified, False)
        self.accounts.append(account)
        return account


class IdentityMachine(RuleBasedStateMachine):
    backend: str
    template: str
    directory: Path

    def __init__(self) -> None:
        super().__init__()
        self.run = Run(self.backend, self.template, self.directory)
        self.model = IdentityModel()

    def teardown(self) -> None:
        self.run.close()

    @rule(
        email=st.sampled_from([e for e, mailbox in EMAILS.items() if mailbox]),
        now=st.integers(0, 3),
    )
    def announce_staff(self, email: str, now: int) -> None:
        """An announcement, a quarter of the times it is drawn (each rule is drawn as often)."""
        if now:
            return

        async def announce() -> None:
            async with self.run.factory.sessions.begin() as session:
                await authorization.mark_staff(session, email, now=self.run.clock.now())

        self.run.wait(announce())
        self.model.announce(email)
        COVERAGE["announce"] += 1

    @rule(
        subject=st.sampled_from(sorted(VALID_SUBJECTS)) | st.sampled_from([*SUBJECTS, None, 7]),
        email=st.sampled_from([e for e, mailbox in EMAILS.items() if mailbox])
        | st.sampled_from([*EMAILS, None, 3]),
        name=st.sampled_from(NAMES),
        verified=st.sampled_from(VERIFIED),
    )
    def sign_in(self, subject: Any, email: Any, name: Any, verified: Any) -> None:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {"iat": now, "exp": now + timedelta(hours=1)}
        for key, value in (("sub", subject), ("email", email), ("name", name)):
            if value is not None:
                claims[key] = value
        if verified != "left out":
            claims["email_verified"] = verified
        token = jwt.encode(claims, self.run.settings.auth_jwt_secret, algorithm="HS256")

        body = self.run.wait(self.run.post(operations.VIEWER, {}, token))

        mailbox = EMAILS.get(email) if isinstance(email, str) else None
        usable = (
            subject in VALID_SUBJECTS
            and mailbox is not None
            and (name is None or not isinstance(name, str) or name == "Kirk Staff")
        )
        assert "errors" not in body, body
        viewer = body["data"]["viewer"]
        if not usable:
            COVERAGE["sign-in refused"] += 1
            assert viewer is None, f"{claims!r} signed in"
            return
        account = self.model.sign_in(subject, email, verified_claim(verified))
        COVERAGE["sign-in as staff" if account.staff else "sign-in"] += 1
        assert viewer is not None, f"{claims!r} was refused"
        assert (viewer["account"]["email"], viewer["account"]["isStaff"]) == (email, account.staff)

    @invariant()
    def the_accounts_are_the_models(self) -> None:
        async def accounts() -> list[Account]:
            async with self.run.factory.sessions() as session:
                return list(await session.scalars(select(Account).order_by(Account.id)))

        stored = self.run.wait(accounts())
        assert [(a.subject, a.email, a.is_staff) for a in stored] == [
            (a.subject, a.email, a.staff) for a in self.model.accounts
        ]


def test_the_identity_model(backend: str, template: str, tmp_path: Path) -> None:
    machine = type(
        "Machine",
        (IdentityMachine,),
        {"backend": backend, "template": template, "directory": tmp_path},
    )
    machine.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not LONG,
    )
    COVERAGE.clear()
    machine.TestCase().runTest()
    print(f"\nidentity model on {backend}: " + ", ".join(f"{k}: {v}" for k, v in COVERAGE.items()))
