"""The authorization model, checked by a machine: random sequences of every mutation, by
every kind of caller, against a real server over HTTP on a real database.

Hypothesis drives a state machine. Each step is one mutation (add, add with access, edit,
change security, invite, resend, revoke, accept, deactivate, reactivate, make primary) by a
random caller (staff, the organization administrator, the area administrators, a member, a
deactivated administrator, another organization's administrator, an account without a
contact, newcomers, anonymous) on a random target (other organizations' contacts, accepted,
revoked, expired and superseded invitations, ids that do not exist), or time passing.

A small reference model below decides, from the contract alone, what each step may do.
After every step the test checks that:
- the server agreed with the model: done, or refused with the model's codes;
- a refused step changed nothing (every table, row by row);
- the database holds what the model holds: contacts, their access and profiles, invitations;
- independently of the model: nothing in an organization changed through a caller who
  is neither staff, nor its member, nor the one accepting its invitation; an organization
  that had an active administrator with access keeps one unless staff acted; at most one
  primary contact, and it is active.

`make test` runs a short profile on SQLite and PostgreSQL; `make model-check` a long one
(MODEL_CHECK_EXAMPLES, MODEL_CHECK_STEPS), printing how many steps ran and how many
distinct states they reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from contacts_api.models import (
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationSecurityProfile,
)
from contacts_api.models.base import Base
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.models.emails import email_key
from contacts_api.resolvers.ids import NodeType, decode
from contacts_api.server import create_app
from tests import operations
from tests.clock import Clock
from tests.conftest import copy_of, settings_for
from tests.factories import Factory, Person, gid
from tests.smtp import SmtpServer, invitation_token

LONG = os.environ.get("MODEL_CHECK_PROFILE") == "long"
EXAMPLES = int(os.environ.get("MODEL_CHECK_EXAMPLES", 200 if LONG else 12))
STEPS = int(os.environ.get("MODEL_CHECK_STEPS", 50 if LONG else 25))

ADMINISTRATOR_PROFILES = {"ORG_ADMIN", "FA_ADMIN", "CM_ADMIN"}
AREAS = {
    "ORG_ADMIN": "ORGANIZATION",
    "FA_ADMIN": "FUNDING_AGREEMENTS",
    "FA_SUBMITTER": "FUNDING_AGREEMENTS",
    "FA_SIGNER": "FUNDING_AGREEMENTS",
    "FA_VIEWER": "FUNDING_AGREEMENTS",
    "CM_ADMIN": "CASE_MANAGEMENT",
    "CM_PRACTITIONER": "CASE_MANAGEMENT",
    "CM_VIEWER": "CASE_MANAGEMENT",
}
PROFILES = sorted(AREAS)
TTL = timedelta(days=30)
MISSING = 999_999  # a key no row has

# Summed over every example of a run, for the figures `make model-check` prints.
COVERAGE: Counter[str] = Counter()
STATES: set[Any] = set()


CONFIRM_ACCESS = operations.mutation("confirmAccess", "contacts { id accessReviewedAt }")
UPDATE_ORGANIZATION = operations.mutation(
    "updateOrganization", "organization { id notifyAllAdministrators accessLapseDays }"
)


# --- the reference model -------------------------------------------------------------------


@dataclass
class ModelContact:
    id: int
    organization: str
    email: str
    active: bool = True
    primary: bool = False
    account: str | None = None  # the actor whose account is linked
    profiles: set[str] = field(default_factory=set)
    reviewed: datetime | None = None  # the last access review (confirmAccess)

    @property
    def has_access(self) -> bool:
        return self.account is not None and self.active


@dataclass
class ModelInvitation:
    id: int
    contact: int
    profiles: frozenset[str]
    email: str
    expires_at: datetime
    token: str
    accepted: bool = False
    revoked: bool = False

    def status(self, now: datetime) -> str:
        if self.accepted:
            return "ACCEPTED"
        if self.revoked:
            return "REVOKED"
        return "EXPIRED" if now >= self.expires_at else "PENDING"


@dataclass
class Model:
    """The contract's rules over a few organizations, written again from the contract."""

    now: datetime
    case_management: dict[str, bool]
    organization_ids: dict[str, int]
    staff: set[str]
    contacts: dict[int, ModelContact] = field(default_factory=dict)
    invitations: dict[int, ModelInvitation] = field(default_factory=dict)

    def membership(self, actor: str, organization: str) -> ModelContact | None:
        for contact in self.contacts.values():
            if contact.organization == organization and contact.account == actor:
                return contact if contact.active else None
        return None

    def is_member(self, actor: str, organization: str) -> bool:
        return actor in self.staff or self.membership(actor, organization) is not None

    def held(self, actor: str, organization: str) -> set[str]:
        membership = self.membership(actor, organization)
        return membership.profiles if membership else set()

    def is_administrator(self, actor: str, organization: str) -> bool:
        return actor in self.staff or bool(self.held(actor, organization) & ADMINISTRATOR_PROFILES)

    def assignable(self, actor: str, organization: str) -> set[str]:
        if actor in self.staff or "ORG_ADMIN" in self.held(actor, organization):
            areas = set(AREAS.values())
        else:
            areas = {
                AREAS[code] for code in self.held(actor, organization) & ADMINISTRATOR_PROFILES
            }
        if not self.case_management[organization]:
            areas.discard("CASE_MANAGEMENT")
        return {code for code in PROFILES if AREAS[code] in areas}

    def latest(self, contact_id: int) -> ModelInvitation | None:
        own = [i for i in self.invitations.values() if i.contact == contact_id]
        return max(own, key=lambda invitation: invitation.id) if own else None

    def may_manage(self, actor: str, contact: ModelContact) -> bool:
        if not self.is_administrator(actor, contact.organization):
            return False
        involved = set(contact.profiles)
        latest = self.latest(contact.id)
        if latest is not None and not latest.accepted and not latest.revoked:
            involved |= latest.profiles  # pending, or expired and resendable
        return involved <= self.assignable(actor, contact.organization)

    def administrators_with_access(self, organization: str) -> list[ModelContact]:
        return [
            contact
            for contact in self.contacts.values()
            if contact.organization == organization
            and contact.active
            and contact.account is not None
            and contact.profiles & ADMINISTRATOR_PROFILES
        ]

    def removes_last_administrator(
        self, actor: str, contact: ModelContact, *, active: bool, profiles: set[str]
    ) -> bool:
        """Whether `contact` becoming `active` with `profiles` would leave its organization
        without an active administrator with access (which only staff may do)."""
        was = contact in self.administrators_with_access(contact.organization)
        stays = active and contact.account is not None and bool(profiles & ADMINISTRATOR_PROFILES)
        if actor in self.staff or not was or stays:
            return False
        others = self.administrators_with_access(contact.organization)
        return not any(other.id != contact.id for other in others)

    def email_taken(self, organization: str, email: str, other_than: int | None = None) -> bool:
        return any(
            c.organization == organization
            and email_key(c.email) == email_key(email)
            and c.id != other_than
            for c in self.contacts.values()
        )

    def abstract_state(self) -> Any:
        """What distinguishes one state of the rules from another (ids and emails aside)."""
        states = []
        for contact in self.contacts.values():
            latest = self.latest(contact.id)
            states.append(
                (
                    contact.organization,
                    contact.active,
                    contact.primary,
                    contact.account or "",
                    tuple(sorted(contact.profiles)),
                    (latest.status(self.now), tuple(sorted(latest.profiles))) if latest else (),
                )
            )
        return tuple(sorted(states))


# --- the world the machine starts from -----------------------------------------------------

# actor: (organization, profiles of its contact, contact active), or None for no contact.
CAST: dict[str, tuple[str, tuple[str, ...], bool] | None] = {
    "org admin": ("A", ("ORG_ADMIN",), True),
    "FA admin": ("A", ("FA_ADMIN", "FA_SIGNER"), True),
    "CM admin": ("A", ("CM_ADMIN",), True),
    "member": ("A", ("FA_SUBMITTER",), True),
    "deactivated admin": ("A", ("ORG_ADMIN",), False),
    "admin of B": ("B", ("ORG_ADMIN",), True),
    "account without contact": None,
    "newcomer": None,
    "another newcomer": None,
}
ACTORS = ["staff", *CAST, "anonymous"]
# Callers of a change, weighted towards those who may make it, so that sequences go deep.
CALLERS = st.sampled_from(
    ["staff", "org admin", "org admin", "FA admin", "FA admin", "CM admin", "CM admin", *ACTORS]
)
# Callers of an acceptance, weighted towards people who have no contact yet.
INVITEES = st.sampled_from(["newcomer", "another newcomer", "account without contact", *ACTORS])
GRANTS = st.frozensets(st.sampled_from(PROFILES), min_size=1, max_size=3)
# organization, profiles held, invitation (state, profiles it grants) or None
PLAIN_CONTACTS: list[tuple[str, tuple[str, ...], tuple[str, tuple[str, ...]] | None]] = [
    ("A", (), None),
    ("A", ("FA_VIEWER",), None),
    ("A", ("CM_PRACTITIONER",), None),
    ("A", ("FA_SIGNER", "CM_VIEWER"), None),
    ("A", (), ("pending", ("FA_VIEWER",))),
    ("A", (), ("pending", ("CM_VIEWER",))),
    ("A", (), ("expired", ("CM_VIEWER", "FA_SUBMITTER"))),  # finding 1 of issue 11
    ("A", (), ("expired", ("FA_SIGNER",))),
    ("A", (), ("revoked", ("ORG_ADMIN",))),
    ("B", (), None),
    ("B", ("FA_SIGNER",), None),
    ("B", (), ("pending", ("FA_VIEWER",))),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Run:
    """One example's real service: its database, the application under uvicorn on a loopback
    port, and the SMTP server its outbox delivers to."""

    def __init__(self, backend: str, template: str, directory: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.clock = Clock()
        self._stack = contextlib.AsyncExitStack()
        self.smtp = SmtpServer()
        self.smtp.start()
        url = self.wait(self._stack.enter_async_context(copy_of(backend, template, directory)))
        self.settings = self.smtp.settings(settings_for(url, directory))
        self.app = create_app(self.settings, clock=self.clock.now)
        port = free_port()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.serving = self.loop.create_task(self.server.serve())
        while not self.server.started:
            self.wait(asyncio.sleep(0.01))
        self.http = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30)
        self.engine: AsyncEngine = create_engine(self.settings.database_url)
        self.factory = Factory(create_session_factory(self.engine), self.settings, self.clock)

    def wait(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def close(self) -> None:
        self.server.should_exit = True
        self.wait(self.serving)
        self.wait(self.http.aclose())
        self.wait(self.engine.dispose())
        self.wait(self.app.state.services.close())
        self.wait(self._stack.aclose())
        self.smtp.stop()
        self.loop.close()

    async def post(
        self, document: str, variables: dict[str, Any], token: str | None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": document, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def tokens_sent(self) -> list[str]:
        """Deliver the outbox; the invitation tokens of what the mail server received."""
        before = len(self.smtp.deliveries)
        await self.app.state.services.outbox.send_due()
        link = f"{self.settings.public_url}/invitations/"
        return [
            invitation_token(delivery.text, self.settings.public_url)
            for delivery in self.smtp.deliveries[before:]
            if link in delivery.text  # not the notices to administrators
        ]

    async def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table but the accounts' (signing in may refresh those)."""
        tables = {}
        async with self.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                if table.name == "accounts":
                    continue
                rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
                tables[table.name] = [tuple(row) for row in rows]
        return tables


class Tables:
    """A snapshot, read for what the invariants need: whose data, whose members."""

    def __init__(self, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        self.rows = rows
        columns = {table.name: list(table.columns.keys()) for table in Base.metadata.sorted_tables}
        self.column = {
            name: {column: index for index, column in enumerate(columns[name])} for name in rows
        }

    def _value(self, table: str, row: tuple[Any, ...], column: str) -> Any:
        return row[self.column[table][column]]

    def by_organization(self) -> dict[int, list[Any]]:
        """Each organization's rows: itself, its contacts, their profiles, invitations, audit
        events."""
        contact_organization = {
            self._value("contacts", row, "id"): self._value("contacts", row, "organization_id")
            for row in self.rows["contacts"]
        }
        invitation_organization = {
            self._value("invitations", row, "id"): self._value(
                "invitations", row, "organization_id"
            )
            for row in self.rows["invitations"]
        }
        owned: dict[int, list[Any]] = {}
        for row in self.rows["organizations"]:
            owned.setdefault(self._value("organizations", row, "id"), []).append(
                ("organizations", row)
            )
        for table in ("contacts", "invitations", "audit_events"):
            for row in self.rows[table]:
                owned.setdefault(self._value(table, row, "organization_id"), []).append(
                    (table, row)
                )
        for row in self.rows["contact_security_profiles"]:
            key = contact_organization[self._value("contact_security_profiles", row, "contact_id")]
            owned.setdefault(key, []).append(("contact_security_profiles", row))
        for row in self.rows["invitation_security_profiles"]:
            key = invitation_organization[
                self._value("invitation_security_profiles", row, "invitation_id")
            ]
            owned.setdefault(key, []).append(("invitation_security_profiles", row))
        return owned

    def organizations_changed(self, after: Tables) -> set[int]:
        mine, theirs = self.by_organization(), after.by_organization()
        return {key for key in mine.keys() | theirs.keys() if mine.get(key) != theirs.get(key)}

    def members(self) -> dict[int, set[int]]:
        """Each organization's members: accounts linked to one of its active contacts."""
        members: dict[int, set[int]] = {}
        for row in self.rows["contacts"]:
            account = self._value("contacts", row, "account_id")
            if account is not None and self._value("contacts", row, "is_active"):
                members.setdefault(self._value("contacts", row, "organization_id"), set()).add(
                    account
                )
        return members

    def administered(self) -> set[int]:
        """Organizations with an active administrator with access."""
        administrators = {
            self._value("contact_security_profiles", row, "contact_id")
            for row in self.rows["contact_security_profiles"]
            if self._value("contact_security_profiles", row, "security_profile_code")
            in ADMINISTRATOR_PROFILES
        }
        return {
            self._value("contacts", row, "organization_id")
            for row in self.rows["contacts"]
            if self._value("contacts", row, "id") in administrators
            and self._value("contacts", row, "is_active")
            and self._value("contacts", row, "account_id") is not None
        }


def outcome(body: dict[str, Any], field: str) -> tuple[str, ...]:
    """("ok",) or the sorted codes the server answered with."""
    if body.get("errors"):
        return tuple(sorted(error["extensions"]["code"] for error in body["errors"]))
    payload = body["data"][field]
    if payload["userErrors"]:
        return tuple(sorted({error["code"] for error in payload["userErrors"]}))
    return ("ok",)


class AuthorizationMachine(RuleBasedStateMachine):
    backend: str
    template: str
    directory: Path

    def __init__(self) -> None:
        super().__init__()
        self.run = Run(self.backend, self.template, self.directory)
        self.people: dict[str, Person] = {}
        self.dead_tokens: list[str] = []
        self.emails = 0
        self.model = self.run.wait(self._cast())
        self.before: dict[str, list[tuple[Any, ...]]] = {}

    def teardown(self) -> None:
        self.run.close()

    async def _cast(self) -> Model:
        factory = self.run.factory
        a = await factory.organization("A", case_management=True)
        b = await factory.organization("B", case_management=False)
        organizations = {"A": a, "B": b}
        model = Model(
            now=self.run.clock.now(),
            case_management={"A": True, "B": False},
            organization_ids={"A": a.id, "B": b.id},
            staff={"staff"},
        )
        self.people["staff"] = await factory.staff()
        primaries = {"A": "org admin", "B": "admin of B"}
        for actor, role in CAST.items():
            if role is None:
                self.people[actor] = await factory.account()
                continue
            name, profiles, active = role
            person = await factory.member(
                organizations[name], *profiles, active=active, primary=primaries[name] == actor
            )
            self.people[actor] = person
            assert person.contact_id is not None
            model.contacts[person.contact_id] = ModelContact(
                person.contact_id,
                name,
                person.email,
                active=active,
                primary=primaries[name] == actor,
                account=actor,
                profiles=set(profiles),
            )
        now = self.run.clock.now()
        for name, profiles, invited in PLAIN_CONTACTS:
            contact = await factory.contact(organizations[name], profiles=profiles)
            model.contacts[contact.id] = ModelContact(
                contact.id, name, contact.email, profiles=set(profiles)
            )
            if invited is None:
                continue
            state, grants = invited
            sent = now - TTL - timedelta(days=1) if state == "expired" else now
            invitation, token = await factory.invitation(contact, *grants, sent_at=sent)
            revoked = state == "revoked"
            if revoked:
                async with factory.sessions.begin() as session:
                    await session.execute(
                        update(Invitation)
                        .where(Invitation.id == invitation.id)
                        .values(revoked_at=now)
                    )
            model.invitations[invitation.id] = ModelInvitation(
                invitation.id,
                contact.id,
                frozenset(grants),
                contact.email,
                sent + TTL,
                token,
                revoked=revoked,
            )
        return model

    # --- helpers ---------------------------------------------------------------------------

    def token(self, actor: str) -> str | None:
        return None if actor == "anonymous" else self.people[actor].token

    def step(
        self, name: str, document: str, variables: dict[str, Any], actor: str
    ) -> dict[str, Any]:
        self.before = self.run.wait(self.run.snapshot())
        body = self.run.wait(self.run.post(document, variables, self.token(actor)))
        COVERAGE[name] += 1
        return body

    def expect(
        self, name: str, body: dict[str, Any], field: str, expected: tuple[str, ...], actor: str
    ) -> None:
        got = outcome(body, field)
        COVERAGE[f"{name} {' '.join(got)}"] += 1
        assert got == expected, f"{name}: the server answered {got}, the model expected {expected}"
        self.check_effects(name, refused=expected != ("ok",), actor=actor)

    def check_effects(self, name: str, *, refused: bool, actor: str) -> None:
        """A refused step changed nothing; an accepted one changed only the organizations
        of its actor (staff aside), and left each an administrator."""
        after = self.run.wait(self.run.snapshot())
        if refused:
            assert after == self.before, f"{name} was refused but changed the database"
            return
        if actor in self.model.staff:
            return
        account = self.people[actor].account_id
        before = Tables(self.before)
        changed = before.organizations_changed(Tables(after))
        members = before.members()
        for organization_id in changed:
            assert account in members.get(organization_id, set()) or name == "acceptInvitation", (
                f"{name} by {actor} changed organization {organization_id}, not theirs"
            )
        kept = Tables(after).administered()
        for organization_id in before.administered():
            assert organization_id in kept, (
                f"{name} by {actor} left {organization_id} without an administrator"
            )

    def refusal(self, actor: str, organization: str | None) -> tuple[str, ...] | None:
        """The answer before any rule of the mutation: anonymous, or a target it cannot see."""
        if actor == "anonymous":
            return ("UNAUTHENTICATED",)
        if organization is None or not self.model.is_member(actor, organization):
            return ("NOT_FOUND",)
        return None

    def contact_target(self, data: st.DataObject) -> tuple[int, ModelContact | None]:
        """Any contact, of either organization, or none. Those without access, the newest
        first, come first: they have the most to go through (Hypothesis draws the first
        candidates most often)."""
        contacts = sorted(
            self.model.contacts.values(), key=lambda c: (c.account is not None, -c.id)
        )
        key = data.draw(st.sampled_from([*(c.id for c in contacts), MISSING]), label="contact")
        return key, self.model.contacts.get(key)

    def invitation_target(self, data: st.DataObject) -> tuple[int, ModelInvitation | None]:
        """Any invitation or none; pending and expired ones, the newest first, come first."""
        order = {"PENDING": 0, "EXPIRED": 1, "REVOKED": 2, "ACCEPTED": 3}
        invitations = sorted(
            self.model.invitations.values(),
            key=lambda i: (order[i.status(self.model.now)], -i.id),
        )
        key = data.draw(
            st.sampled_from([*(i.id for i in invitations), MISSING]), label="invitation"
        )
        return key, self.model.invitations.get(key)

    def new_email(self) -> str:
        self.emails += 1
        return f"person{self.emails}@example.org"

    def record_sent(
        self, invitation_id: int, contact: ModelContact, profiles: frozenset[str]
    ) -> None:
        [token] = self.run.wait(self.run.tokens_sent())
        previous = self.model.invitations.get(invitation_id)
        if previous is not None:
            self.dead_tokens.append(previous.token)
        self.model.invitations[invitation_id] = ModelInvitation(
            invitation_id,
            contact.id,
            profiles,
            contact.email,
            self.model.now + TTL,
            token,
        )

    # --- rules -----------------------------------------------------------------------------

    @rule(
        actor=CALLERS,
        organization=st.sampled_from(["A", "A", "B"]),
        invited=st.none() | GRANTS,
        email=st.sampled_from(
            ["new", "new", "new", "taken", "taken in another case", "look-alike"]
        ),
        data=st.data(),
    )
    def add_contact(
        self,
        actor: str,
        organization: str,
        invited: frozenset[str] | None,
        email: str,
        data: st.DataObject,
    ) -> None:
        model = self.model
        address = self.new_email()
        same_organization = [c for c in model.contacts.values() if c.organization == organization]
        existing = data.draw(st.sampled_from(same_organization), label="existing email").email
        local, _, domain = existing.partition("@")
        address = {
            "new": address,
            "taken": existing,
            "taken in another case": f"{local.upper()}@{domain.upper()}",
            "look-alike": f"{local}\u017f@{domain}",  # a long s: another mailbox
        }[email]
        variables: dict[str, Any] = {
            "organizationId": gid(NodeType.ORGANIZATION, model.organization_ids[organization]),
            "firstName": "Added",
            "lastName": "Person",
            "email": address,
        }
        if model.case_management[organization]:
            variables.update(officeLocation="HQ", positionType="Clerk", fte=1.0)
        if invited is not None:
            variables["invitation"] = {
                "securityProfileIds": [
                    gid(NodeType.SECURITY_PROFILE, code) for code in sorted(invited)
                ]
            }
        body = self.step("addContact", operations.ADD_CONTACT, {"input": variables}, actor)

        expected = self.refusal(actor, organization)
        if expected is None and not model.is_administrator(actor, organization):
            expected = ("FORBIDDEN",)
        if expected is None and model.email_taken(organization, address):
            expected = ("TAKEN",)
        if expected is None and invited and not invited <= model.assignable(actor, organization):
            expected = ("NOT_ASSIGNABLE",)
        self.expect("addContact", body, "addContact", expected or ("ok",), actor)
        if expected is None:
            payload = body["data"]["addContact"]
            contact_id = int(_key(payload["contact"]["id"]))
            contact = ModelContact(contact_id, organization, payload["contact"]["email"])
            model.contacts[contact_id] = contact
            if invited is not None:
                self.record_sent(int(_key(payload["invitation"]["id"])), contact, invited)

    @rule(
        actor=CALLERS,
        change=st.sampled_from(["title", "email", "taken email", "profiles"]),
        profiles=st.frozensets(st.sampled_from(PROFILES), max_size=3),
        data=st.data(),
    )
    def update_contact(
        self, actor: str, change: str, profiles: frozenset[str], data: st.DataObject
    ) -> None:
        model = self.model
        key, contact = self.contact_target(data)
        variables: dict[str, Any] = {"contactId": gid(NodeType.CONTACT, key)}
        address = None
        if change == "title":
            variables["title"] = f"Title {self.emails}"
        elif change == "email":
            address = variables["email"] = self.new_email()
        elif change == "taken email":
            address = variables["email"] = data.draw(
                st.sampled_from(sorted(c.email for c in model.contacts.values())), label="taken"
            )
        else:
            variables["securityProfileIds"] = [
                gid(NodeType.SECURITY_PROFILE, code) for code in sorted(profiles)
            ]
        body = self.step("updateContact", operations.UPDATE_CONTACT, {"input": variables}, actor)

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and contact is not None:
            if not model.may_manage(actor, contact):
                expected = ("FORBIDDEN",)
            else:
                assignable = model.assignable(actor, contact.organization)
                new_profiles = contact.profiles
                problems = set()
                if address is not None and model.email_taken(
                    contact.organization, address, contact.id
                ):
                    problems.add("TAKEN")
                if change == "profiles":
                    if not profiles <= assignable:
                        problems.add("NOT_ASSIGNABLE")
                    new_profiles = (contact.profiles - assignable) | set(profiles)
                if problems:
                    expected = tuple(sorted(problems))
                elif model.removes_last_administrator(
                    actor, contact, active=contact.active, profiles=new_profiles
                ):
                    expected = ("LAST_ADMINISTRATOR",)
                else:
                    contact.profiles = set(new_profiles)
                    if address is not None:
                        contact.email = address
        self.expect("updateContact", body, "updateContact", expected or ("ok",), actor)

    @rule(actor=CALLERS, profiles=GRANTS | st.just(frozenset()), data=st.data())
    def invite_contact(self, actor: str, profiles: frozenset[str], data: st.DataObject) -> None:
        model = self.model
        key, contact = self.contact_target(data)
        variables = {
            "contactId": gid(NodeType.CONTACT, key),
            "securityProfileIds": [
                gid(NodeType.SECURITY_PROFILE, code) for code in sorted(profiles)
            ],
        }
        body = self.step("inviteContact", operations.INVITE_CONTACT, {"input": variables}, actor)

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and contact is not None:
            latest = model.latest(contact.id)
            if not model.may_manage(actor, contact):
                expected = ("FORBIDDEN",)
            elif not contact.active:
                expected = ("CONTACT_INACTIVE",)
            elif contact.account is not None:
                expected = ("ALREADY_HAS_ACCESS",)
            elif latest is not None and latest.status(model.now) == "PENDING":
                expected = ("ALREADY_INVITED",)
            elif not profiles:
                expected = ("REQUIRED",)
            elif not profiles <= model.assignable(actor, contact.organization):
                expected = ("NOT_ASSIGNABLE",)
        self.expect("inviteContact", body, "inviteContact", expected or ("ok",), actor)
        if expected is None and contact is not None:
            invitation_id = int(_key(body["data"]["inviteContact"]["invitation"]["id"]))
            self.record_sent(invitation_id, contact, profiles)

    @rule(actor=CALLERS, data=st.data())
    def resend_invitation(self, actor: str, data: st.DataObject) -> None:
        model = self.model
        key, invitation = self.invitation_target(data)
        contact = model.contacts[invitation.contact] if invitation else None
        variables = {"invitationId": gid(NodeType.INVITATION, key)}
        body = self.step(
            "resendInvitation", operations.RESEND_INVITATION, {"input": variables}, actor
        )

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and invitation is not None and contact is not None:
            latest = model.latest(contact.id)
            if not model.may_manage(actor, contact):
                expected = ("FORBIDDEN",)
            elif invitation.status(model.now) not in {"PENDING", "EXPIRED"}:
                expected = ("INVITATION_NOT_PENDING",)
            elif not contact.active:
                expected = ("CONTACT_INACTIVE",)
            elif contact.account is not None:
                expected = ("ALREADY_HAS_ACCESS",)
            elif latest is None or latest.id != invitation.id:
                expected = ("INVITATION_NOT_PENDING",)
        self.expect("resendInvitation", body, "resendInvitation", expected or ("ok",), actor)
        if expected is None and invitation is not None and contact is not None:
            self.record_sent(invitation.id, contact, invitation.profiles)

    @rule(actor=CALLERS, data=st.data())
    def revoke_invitation(self, actor: str, data: st.DataObject) -> None:
        model = self.model
        key, invitation = self.invitation_target(data)
        contact = model.contacts[invitation.contact] if invitation else None
        variables = {"invitationId": gid(NodeType.INVITATION, key)}
        body = self.step(
            "revokeInvitation", operations.REVOKE_INVITATION, {"input": variables}, actor
        )

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and invitation is not None and contact is not None:
            if not model.may_manage(actor, contact):
                expected = ("FORBIDDEN",)
            elif invitation.status(model.now) != "PENDING":
                expected = ("INVITATION_NOT_PENDING",)
            else:
                invitation.revoked = True
        self.expect("revokeInvitation", body, "revokeInvitation", expected or ("ok",), actor)

    @rule(
        actor=INVITEES,
        which=st.sampled_from(["sent", "sent", "sent", "replaced", "unknown"]),
        data=st.data(),
    )
    def accept_invitation(self, actor: str, which: str, data: st.DataObject) -> None:
        model = self.model
        invitation = None
        if which == "sent" and model.invitations:
            _, invitation = self.invitation_target(data)
            token = invitation.token if invitation else "not-a-token-" + "y" * 32
        elif which == "replaced" and self.dead_tokens:
            token = data.draw(st.sampled_from(self.dead_tokens), label="replaced token")
        else:
            token = "not-a-token-" + "x" * 32
        body = self.step(
            "acceptInvitation", operations.ACCEPT_INVITATION, {"input": {"token": token}}, actor
        )

        expected: tuple[str, ...] | None = None
        if actor == "anonymous":
            expected = ("UNAUTHENTICATED",)
        elif invitation is None:
            expected = ("INVALID",)
        else:
            contact = model.contacts[invitation.contact]
            status = invitation.status(model.now)
            linked_elsewhere = any(
                other.account == actor
                and other.organization == contact.organization
                and other.id != contact.id
                for other in model.contacts.values()
            )
            if status == "EXPIRED":
                expected = ("INVITATION_EXPIRED",)
            elif status != "PENDING":
                expected = ("INVITATION_NOT_PENDING",)
            elif not contact.active:
                expected = ("CONTACT_INACTIVE",)
            elif contact.account is not None and contact.account != actor:
                expected = ("ALREADY_HAS_ACCESS",)
            elif linked_elsewhere:
                expected = ("ALREADY_LINKED",)
            else:
                contact.account = actor
                contact.profiles |= invitation.profiles
                contact.reviewed = None
                invitation.accepted = True
        self.expect("acceptInvitation", body, "acceptInvitation", expected or ("ok",), actor)

    @rule(actor=CALLERS, data=st.data())
    def deactivate_contact(self, actor: str, data: st.DataObject) -> None:
        model = self.model
        key, contact = self.contact_target(data)
        variables = {"contactId": gid(NodeType.CONTACT, key)}
        body = self.step(
            "deactivateContact", operations.DEACTIVATE_CONTACT, {"input": variables}, actor
        )

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and contact is not None:
            if not model.may_manage(actor, contact):
                expected = ("FORBIDDEN",)
            elif contact.active and contact.primary:
                expected = ("PRIMARY_CONTACT",)
            elif contact.active and model.removes_last_administrator(
                actor, contact, active=False, profiles=contact.profiles
            ):
                expected = ("LAST_ADMINISTRATOR",)
            elif contact.active:
                contact.active = False
                latest = model.latest(contact.id)
                if latest is not None and latest.status(model.now) == "PENDING":
                    latest.revoked = True
        self.expect("deactivateContact", body, "deactivateContact", expected or ("ok",), actor)

    @rule(actor=CALLERS, data=st.data())
    def reactivate_contact(self, actor: str, data: st.DataObject) -> None:
        model = self.model
        key, contact = self.contact_target(data)
        variables = {"contactId": gid(NodeType.CONTACT, key)}
        body = self.step(
            "reactivateContact", operations.REACTIVATE_CONTACT, {"input": variables}, actor
        )

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and contact is not None:
            if not model.may_manage(actor, contact):
                expected = ("FORBIDDEN",)
            elif not contact.active:
                contact.active = True
                contact.reviewed = None  # access given back: its review starts over
        self.expect("reactivateContact", body, "reactivateContact", expected or ("ok",), actor)

    @rule(actor=CALLERS, data=st.data())
    def set_primary_contact(self, actor: str, data: st.DataObject) -> None:
        model = self.model
        key, contact = self.contact_target(data)
        variables = {"contactId": gid(NodeType.CONTACT, key)}
        body = self.step(
            "setPrimaryContact", operations.SET_PRIMARY_CONTACT, {"input": variables}, actor
        )

        expected = self.refusal(actor, contact.organization if contact else None)
        if expected is None and contact is not None:
            organization = contact.organization
            if not (actor in model.staff or "ORG_ADMIN" in model.held(actor, organization)):
                expected = ("FORBIDDEN",)
            elif not contact.active:
                expected = ("CONTACT_INACTIVE",)
            else:
                for other in model.contacts.values():
                    if other.organization == organization:
                        other.primary = other.id == contact.id
        self.expect("setPrimaryContact", body, "setPrimaryContact", expected or ("ok",), actor)

    @rule(actor=CALLERS, size=st.integers(1, 4), data=st.data())
    def confirm_access(self, actor: str, size: int, data: st.DataObject) -> None:
        """A bulk change that may partly succeed: each id is answered on its own."""
        model = self.model
        keys = [self.contact_target(data)[0] for _ in range(size)]
        variables = {"contactIds": [gid(NodeType.CONTACT, key) for key in keys]}
        body = self.step("confirmAccess", CONFIRM_ACCESS, {"input": variables}, actor)

        expected_errors: list[tuple[str, str]] = []
        confirmed: list[int] = []
        if actor == "anonymous":
            self.expect("confirmAccess", body, "confirmAccess", ("UNAUTHENTICATED",), actor)
            return
        for index, key in enumerate(keys):
            contact = model.contacts.get(key)
            if key in confirmed or any(key == keys[i] for i in range(index)):
                continue  # a repeat counts once
            if contact is None or not model.is_member(actor, contact.organization):
                expected_errors.append((str(index), "NOT_FOUND"))
            elif not model.may_manage(actor, contact) or (
                contact.account == actor and actor not in model.staff
            ):
                expected_errors.append((str(index), "FORBIDDEN"))
            elif not contact.has_access:
                expected_errors.append((str(index), "INVALID"))
            else:
                confirmed.append(key)
                contact.reviewed = model.now
        payload = body["data"]["confirmAccess"]
        got_errors = [(error["field"][-1], error["code"]) for error in payload["userErrors"]]
        got = [int(_key(contact["id"])) for contact in payload["contacts"]]
        COVERAGE[f"confirmAccess {len(confirmed)} confirmed {len(expected_errors)} refused"] += 1
        assert (got, got_errors) == (confirmed, expected_errors)
        self.check_effects("confirmAccess", refused=not confirmed, actor=actor)

    @rule(
        actor=CALLERS,
        organization=st.sampled_from(["A", "A", "B"]),
        notify=st.booleans(),
        lapse=st.sampled_from([None, 30, 0]),
    )
    def update_organization(
        self, actor: str, organization: str, notify: bool, lapse: int | None
    ) -> None:
        variables = {
            "organizationId": gid(NodeType.ORGANIZATION, self.model.organization_ids[organization]),
            "notifyAllAdministrators": notify,
            "accessLapseDays": lapse,
        }
        body = self.step("updateOrganization", UPDATE_ORGANIZATION, {"input": variables}, actor)

        expected = self.refusal(actor, organization)
        if expected is None and not (
            actor in self.model.staff or "ORG_ADMIN" in self.model.held(actor, organization)
        ):
            expected = ("FORBIDDEN",)
        if expected is None and lapse == 0:
            expected = ("OUT_OF_RANGE",)
        self.expect("updateOrganization", body, "updateOrganization", expected or ("ok",), actor)

    @rule(days=st.sampled_from([1, 10, 29, 31]), now=st.integers(0, 2))
    def time_passes(self, days: int, now: int) -> None:
        """Time passes, a third of the times it is drawn (each rule is drawn as often)."""
        if now:
            return
        self.run.clock.advance(days=days)
        self.model.now = self.run.clock.now()
        COVERAGE["time passes"] += 1

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def the_database_holds_what_the_model_holds(self) -> None:
        model = self.model
        STATES.add(model.abstract_state())
        COVERAGE["steps checked"] += 1
        contacts, invitations = self.run.wait(self._rows())
        accounts = {person.account_id: actor for actor, person in self.people.items()}
        assert {
            key: (
                c.organization_id,
                c.email,
                c.is_active,
                c.is_primary,
                accounts.get(c.account_id) if c.account_id else None,
                profiles,
                c.access_reviewed_at,
            )
            for key, (c, profiles) in contacts.items()
        } == {
            key: (
                model.organization_ids[c.organization],
                c.email,
                c.active,
                c.primary,
                c.account,
                frozenset(c.profiles),
                c.reviewed,
            )
            for key, c in model.contacts.items()
        }
        assert {
            key: (i.contact_id, i.email, i.status_at(model.now), profiles)
            for key, (i, profiles) in invitations.items()
        } == {
            key: (i.contact, i.email, i.status(model.now), i.profiles)
            for key, i in model.invitations.items()
        }

    @invariant()
    def an_organization_has_at_most_one_primary_contact_and_it_is_active(self) -> None:
        contacts, _ = self.run.wait(self._rows())
        primaries = Counter(c.organization_id for c, _ in contacts.values() if c.is_primary)
        assert all(count == 1 for count in primaries.values())
        assert all(c.is_active for c, _ in contacts.values() if c.is_primary)

    async def _rows(self) -> tuple[dict[int, Any], dict[int, Any]]:
        async with self.run.factory.sessions() as session:
            contacts = {c.id: c for c in await session.scalars(select(Contact))}
            held: dict[int, set[str]] = {key: set() for key in contacts}
            for link in await session.scalars(select(ContactSecurityProfile)):
                held[link.contact_id].add(link.security_profile_code)
            invitations = {i.id: i for i in await session.scalars(select(Invitation))}
            granted: dict[int, set[str]] = {key: set() for key in invitations}
            for link in await session.scalars(select(InvitationSecurityProfile)):
                granted[link.invitation_id].add(link.security_profile_code)
        return (
            {key: (c, frozenset(held[key])) for key, c in contacts.items()},
            {key: (i, frozenset(granted[key])) for key, i in invitations.items()},
        )


def _key(global_id: str) -> str:
    return str(decode(global_id)[1])


def test_the_authorization_model(backend: str, template: str, tmp_path: Path) -> None:
    machine = type(
        "Machine",
        (AuthorizationMachine,),
        {"backend": backend, "template": template, "directory": tmp_path},
    )
    run_settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=not LONG,
    )
    machine.TestCase.settings = run_settings
    COVERAGE.clear()
    STATES.clear()
    machine.TestCase().runTest()
    print(
        f"\nauthorization model on {backend}: {COVERAGE['steps checked']} steps checked, "
        f"{len(STATES)} distinct states; "
        + ", ".join(f"{k}: {v}" for k, v in sorted(COVERAGE.items()))
    )
