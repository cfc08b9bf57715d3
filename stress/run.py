"""Load and fault checks against real server processes on loopback: `make stress`.

For each database (SQLite, PostgreSQL):
1. load: concurrent clients mix reads and writes on one organization; no server error and no
   "database is locked" may appear, every acknowledged write must be in the database
   afterwards, and every contact's version must be 1 + its acknowledged changes;
2. crash: writers run while the server is killed with SIGKILL; after a restart the database
   opens, nothing acknowledged is missing and nothing is half-written (every contact has its
   CONTACT_ADDED audit event);
3. mail outage: invitations succeed while the SMTP server is down, and each email goes out
   exactly once when it returns.

It prints its figures and exits non-zero when a check fails. Bounded in time; every server it
starts is stopped through its process group.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import itertools
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import text

from contacts_api.models.database import create_engine
from contacts_api.runtime.settings import normalize_database_url

CONTACTS = Path(sys.executable).parent / "contacts"
SECRET = "stress-secret-that-is-long-enough-for-hs256-0123456789"  # noqa: S105 - test only
ADMINISTRATOR = "marieeve.theriault@halifaxcareercentre.example"
POSTGRESQL_ADMIN = os.environ.get(
    "TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)

ORGANIZATION = "{ viewer { organizations { nodes { id } } } }"
PAGE = """query Page($id: ID!) { organization(id: $id) { contacts(first: 10) {
  totalCount nodes { id version title securityProfiles { code } invitation { status } } } } }"""
VERSION = "query Version($id: ID!) { node(id: $id) { ... on Contact { version } } }"
ADD = """mutation Add($input: AddContactInput!) { addContact(input: $input) {
  contact { id } invitation { id } userErrors { code } } }"""
UPDATE = """mutation Update($input: UpdateContactInput!) { updateContact(input: $input) {
  contact { version } userErrors { code } } }"""
DELIVERY = "query Delivery($id: ID!) { node(id: $id) { ... on Invitation { deliveryStatus } } }"


@dataclass
class Tally:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    added: dict[int, str] = field(default_factory=dict)  # contact id -> email
    changes: Counter[int] = field(default_factory=Counter)  # contact id -> acknowledged
    stale: int = 0

    def summary(self) -> str:
        latencies = sorted(self.latencies) or [0.0]
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return (
            f"{self.requests} requests, {len(self.server_errors)} server errors, "
            f"{len(self.added)} adds and {sum(self.changes.values())} updates acknowledged, "
            f"{self.stale} STALE, p50 {statistics.median(latencies) * 1000:.1f} ms, "
            f"p99 {p99 * 1000:.1f} ms"
        )


@dataclass
class Database:
    url: str
    directory: Path

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "AUTH_"))}
        env.update(
            DATABASE_URL=self.url,
            AUTH_JWT_SECRET=SECRET,
            MAIL_DIR=str(self.directory / "mail"),
            RATE_LIMIT_PER_ACCOUNT="1000000",
            RATE_LIMIT_PER_ADDRESS="1000000",
            PYTHONUNBUFFERED="1",
        )
        return env


@asynccontextmanager
async def database(kind: str, directory: Path) -> AsyncIterator[Database]:
    """A fresh database with the demo data: a file for SQLite, a new PostgreSQL database."""
    if kind == "sqlite":
        found = Database(f"sqlite:///{directory / 'stress.db'}", directory)
        _contacts("seed-demo", env=found.env, cwd=directory)
        yield found
        return
    name = f"contacts_stress_{uuid.uuid4().hex[:10]}"
    await _postgresql(f'CREATE DATABASE "{name}"')
    try:
        found = Database(f"{POSTGRESQL_ADMIN.rsplit('/', 1)[0]}/{name}", directory)
        _contacts("seed-demo", env=found.env, cwd=directory)
        yield found
    finally:
        await _postgresql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _postgresql(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRESQL_ADMIN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def serve(
    db: Database, *, workers: int, env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A `contacts serve` process group: its URL and process; stopped with SIGTERM after."""
    port = _free_port()
    with (db.directory / "server.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(CONTACTS), "serve", "--port", str(port), "--workers", str(workers)],
            env=env or db.env,
            cwd=db.directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, process)
        yield url, process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):  # killed already (the crash check)
            os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited during start-up; see server.log")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server was not ready within 30 s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _contacts(*arguments: str, env: dict[str, str], cwd: Path) -> str:
    return subprocess.run(  # noqa: S603 - our own console script
        [str(CONTACTS), *arguments], env=env, cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


class Client:
    """Calls the API as the demo administrator and tallies what it sees."""

    def __init__(self, http: httpx.AsyncClient, token: str, tally: Tally) -> None:
        self.http, self.token, self.tally = http, token, tally
        self.serial = itertools.count()

    async def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        started = time.perf_counter()
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
        )
        self.tally.requests += 1
        self.tally.latencies.append(time.perf_counter() - started)
        try:
            body = response.json()
        except ValueError:
            self.tally.server_errors.append(f"{response.status_code} {response.text[:300]}")
            return None
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        if (
            response.status_code >= 500
            or "INTERNAL_SERVER_ERROR" in codes
            or "locked" in response.text
        ):
            self.tally.server_errors.append(f"{response.status_code} {response.text[:300]}")
            return None
        data: dict[str, Any] | None = body.get("data")
        return data

    async def add(self, organization_id: str, *, invite: bool = False) -> dict[str, Any] | None:
        email = f"stress-{uuid.uuid4().hex[:12]}@example.org"
        fields: dict[str, Any] = {
            "organizationId": organization_id,
            "firstName": "Élise",
            "lastName": f"Charge{next(self.serial):06d}",
            "email": email,
            "officeLocation": "Halifax",
            "positionType": "Tester",
            "fte": 1,
        }
        if invite:
            fields["invitation"] = {
                "securityProfileIds": [_global_id("SecurityProfile", "FA_VIEWER")]
            }
        data = await self.call(ADD, {"input": fields})
        result = data["addContact"] if data else None
        if result and not result["userErrors"]:
            self.tally.added[_key(result["contact"]["id"])] = email
            return result
        return None

    async def update(self, contact_id: int) -> None:
        global_id = _global_id("Contact", contact_id)
        data = await self.call(VERSION, {"id": global_id})
        if not data or not data["node"]:
            return
        fields = {
            "contactId": global_id,
            "expectedVersion": data["node"]["version"],
            "title": f"Title {next(self.serial)}",
        }
        answer = await self.call(UPDATE, {"input": fields})
        result = answer["updateContact"] if answer else None
        if result and not result["userErrors"]:
            self.tally.changes[contact_id] += 1
        elif result and result["userErrors"][0]["code"] == "STALE":
            self.tally.stale += 1


async def mixed_load(
    url: str, organization_id: str, tally: Tally, *, clients: int, seconds: float
) -> None:
    """Clients read pages, add contacts and update them, until the time is up."""
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        client = Client(http, _token(), tally)

        async def worker(seed: int) -> None:
            chance = random.Random(seed)  # noqa: S311 - a load mix, not a secret
            while time.monotonic() < deadline:
                try:
                    roll = chance.random()
                    if roll < 0.2:
                        await client.add(organization_id)
                    elif roll < 0.5 and tally.added:
                        await client.update(chance.choice(list(tally.added)))
                    else:
                        await client.call(PAGE, {"id": organization_id})
                except httpx.TransportError:
                    return  # the server is gone (the crash check kills it)

        await asyncio.gather(*(worker(seed) for seed in range(clients)))


async def organization_of_administrator(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        data = await Client(http, _token(), Tally()).call(ORGANIZATION, {})
    assert data is not None
    halifax: str = data["viewer"]["organizations"]["nodes"][0]["id"]
    return halifax


async def check_database(db: Database, tally: Tally, *, crashed: bool = False) -> list[str]:
    """Every acknowledged write is there, versions add up, nothing is half-written.

    After a crash a change may have committed without its answer reaching the client, so a
    version may then be higher than the acknowledged changes say, never lower.
    """
    engine = create_engine(normalize_database_url(db.url))
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id, email, version FROM contacts"))).all()
        added_events = {
            contact_id
            for (contact_id,) in await connection.execute(
                text("SELECT contact_id FROM audit_events WHERE action = 'CONTACT_ADDED'")
            )
        }
    await engine.dispose()
    found = {contact_id: (email, version) for contact_id, email, version in rows}
    problems = []
    for contact_id, email in tally.added.items():
        if found.get(contact_id, (None,))[0] != email:
            problems.append(f"acknowledged contact {contact_id} <{email}> is missing")
            continue
        expected, version = 1 + tally.changes[contact_id], found[contact_id][1]
        if version < expected or (version != expected and not crashed):
            problems.append(f"contact {contact_id}: version {version}, expected {expected}")
    stress_contacts = {i for i, (email, _) in found.items() if email.startswith("stress-")}
    if missing := stress_contacts - added_events:
        problems.append(f"half-written contacts (no CONTACT_ADDED event): {sorted(missing)[:5]}")
    return problems


async def load_check(kind: str, directory: Path, *, clients: int, seconds: float) -> list[str]:
    async with database(kind, directory) as db:
        tally = Tally()
        with serve(db, workers=2) as (url, _process):
            organization_id = await organization_of_administrator(url)
            await mixed_load(url, organization_id, tally, clients=clients, seconds=seconds)
        problems = tally.server_errors[:5] + await check_database(db, tally)
        print(f"  load ({kind}, {clients} clients, {seconds:.0f} s): {tally.summary()}")
        print(
            f"    acknowledged adds found afterwards: "
            f"{len(tally.added) - _missing(problems)} of {len(tally.added)}"
        )
        return problems


def _missing(problems: list[str]) -> int:
    return sum("is missing" in problem for problem in problems)


async def crash_check(kind: str, directory: Path, *, clients: int, seconds: float) -> list[str]:
    async with database(kind, directory) as db:
        tally = Tally()
        with serve(db, workers=2) as (url, process):
            organization_id = await organization_of_administrator(url)
            load = asyncio.create_task(
                mixed_load(url, organization_id, tally, clients=clients, seconds=seconds * 3)
            )
            await asyncio.sleep(seconds)
            os.killpg(process.pid, signal.SIGKILL)
            await load
        with serve(db, workers=1) as (url, _process):
            async with httpx.AsyncClient(base_url=url) as http:
                ready = (await http.get("/readyz")).status_code
        problems = [] if ready == 200 else [f"after the crash /readyz answered {ready}"]
        problems += await check_database(db, tally, crashed=True)
        print(
            f"  crash ({kind}): SIGKILL after {seconds:.0f} s of writes; {tally.summary()}; "
            f"restart ready: {ready == 200}; acknowledged adds found: "
            f"{len(tally.added) - _missing(problems)} of {len(tally.added)}"
        )
        return problems


class Inbox:
    """The invitations the mail server received (the scheduler's notices to administrators,
    about the demo's expired invitation and due reviews, are not what this check counts)."""

    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if b"/invitations/" in envelope.original_content:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


async def mail_outage_check(
    kind: str, directory: Path, *, invitations: int, seconds: float
) -> list[str]:
    async with database(kind, directory) as db:
        port = _free_port()
        env = db.env | {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_STARTTLS": "false",
            "OUTBOX_RETRY_SECONDS": "1",
        }
        inbox = Inbox()
        tally = Tally()
        with serve(db, workers=1, env=env) as (url, _process):
            organization_id = await organization_of_administrator(url)
            async with httpx.AsyncClient(base_url=url, timeout=30) as http:
                client = Client(http, _token(), tally)
                results = [
                    await client.add(organization_id, invite=True) for _ in range(invitations)
                ]
                sent = [r["invitation"]["id"] for r in results if r]
                await asyncio.sleep(min(seconds, 3))  # the sender tries, and fails, meanwhile
                queued = [await _delivery(client, i) for i in sent]
                controller = Controller(inbox, hostname="127.0.0.1", port=port)
                controller.start()
                try:
                    deadline = time.monotonic() + 60
                    statuses = queued
                    while time.monotonic() < deadline and set(statuses) != {"SENT"}:
                        await asyncio.sleep(1)
                        statuses = [await _delivery(client, i) for i in sent]
                finally:
                    controller.stop()
        problems = tally.server_errors[:5]
        if len(sent) != invitations:
            problems.append(f"only {len(sent)} of {invitations} invitations succeeded")
        if set(queued) != {"QUEUED"}:
            problems.append(f"while the mail server was down: {Counter(queued)}")
        if set(statuses) != {"SENT"}:
            problems.append(f"after it returned: {Counter(statuses)}")
        duplicates = [r for r, n in Counter(inbox.recipients).items() if n > 1]
        if len(inbox.recipients) != len(sent) or duplicates:
            problems.append(f"{len(inbox.recipients)} emails received for {len(sent)}")
        print(
            f"  mail outage ({kind}): {len(sent)} invitations accepted while SMTP was down "
            f"({Counter(queued)}); after it returned {Counter(statuses)}, "
            f"{len(inbox.recipients)} emails received, duplicates: {len(duplicates)}"
        )
        return problems


async def _delivery(client: Client, invitation_id: str) -> str:
    data = await client.call(DELIVERY, {"id": invitation_id})
    return data["node"]["deliveryStatus"] if data and data["node"] else "UNKNOWN"


def _token() -> str:
    import jwt

    now = int(time.time())
    claims = {"sub": f"dev|{ADMINISTRATOR}", "email": ADMINISTRATOR, "iat": now, "exp": now + 3600}
    return jwt.encode(claims, SECRET, algorithm="HS256")


def _global_id(node_type: str, key: int | str) -> str:
    return base64.urlsafe_b64encode(f"{node_type}:{key}".encode()).decode().rstrip("=")


def _key(global_id: str) -> int:
    padded = global_id + "=" * (-len(global_id) % 4)
    return int(base64.urlsafe_b64decode(padded).decode().split(":", 1)[1])


async def main(arguments: argparse.Namespace) -> int:
    failures: list[str] = []
    for kind in arguments.databases:
        print(f"{kind}:")
        with tempfile.TemporaryDirectory(prefix=f"stress-{kind}-") as folder:
            directory = Path(folder)
            for part in ("load", "crash", "mail"):
                (directory / part).mkdir()
            checks = [
                load_check(
                    kind, directory / "load", clients=arguments.clients, seconds=arguments.seconds
                ),
                crash_check(
                    kind,
                    directory / "crash",
                    clients=arguments.clients,
                    seconds=max(2, arguments.seconds / 5),
                ),
                mail_outage_check(
                    kind,
                    directory / "mail",
                    invitations=arguments.invitations,
                    seconds=arguments.seconds,
                ),
            ]
            for check in checks:
                failures += [f"{kind}: {problem}" for problem in await check]
    print("\nall checks passed" if not failures else "\nFAILED:\n  " + "\n  ".join(failures))
    return 1 if failures else 0


def _parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the load phase")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--invitations", type=int, default=10)
    parser.add_argument(
        "--databases", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"]
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(_parse())))
