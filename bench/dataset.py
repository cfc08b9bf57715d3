"""The benchmark's data set: deterministic, written in bulk, reused while its parameters hold.

Organizations of `contacts_per_organization` contacts each, plus one big organization, with
French and English names (accents, apostrophes, hyphens), security profiles, accounts and
invitations in every status. Contacts carry the same derived columns the application writes
(`models.text.folded` sort keys, casefolded `email_key`).

The schema is migrated to BASE_REVISION, the rows are written (COPY on PostgreSQL, executemany
on SQLite), then the remaining migrations run: a later migration that derives data from
existing rows (a counter, a new key) fills it for these rows as it would in production.
A marker table records the parameters, the dataset version and the migration heads; a
database whose marker matches is reused, any other is rebuilt from scratch.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from alembic.script import ScriptDirectory

from contacts_api import migrations
from contacts_api.models.database import create_engine
from contacts_api.models.text import folded

DATASET_VERSION = 2
BASE_REVISION = "0001"
MARKER_TABLE = "bench_dataset"

# The columns of revision 0001, in COPY order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "organizations": ("id", "name", "provides_case_management", "created_at", "updated_at"),
    "accounts": ("id", "subject", "email", "name", "is_staff", "created_at", "updated_at"),
    "contacts": (
        "id",
        "organization_id",
        "first_name",
        "last_name",
        "title",
        "email",
        "email_key",
        "account_id",
        "account_email",
        "phone_numbers",
        "preferred_language",
        "is_primary",
        "is_active",
        "office_location",
        "position_type",
        "fte",
        "sort_last_name",
        "sort_first_name",
        "version",
        "created_at",
        "updated_at",
    ),
    "contact_security_profiles": ("contact_id", "security_profile_code"),
    "invitations": (
        "id",
        "organization_id",
        "contact_id",
        "email",
        "message",
        "token_hash",
        "invited_by_id",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by_id",
        "revoked_at",
        "revoked_by_id",
        "outbound_email_id",
    ),
    "invitation_security_profiles": ("invitation_id", "security_profile_code"),
}
SERIAL_TABLES = ("organizations", "accounts", "contacts", "invitations")

FIRST_FR = (
    "Amélie", "Anaïs", "André", "Benoît", "Cédric", "Chloé", "Élodie", "Émile", "Ève",
    "François", "Gaëtan", "Geneviève", "Hélène", "Jean-François", "Jérôme", "Josée", "Léa",
    "Loïc", "Maëlle", "Marie-Ève", "Mélanie", "Noémie", "Raphaël", "Réjean", "Renée",
    "Sébastien", "Stéphane", "Thérèse", "Valérie", "Zoë",
)  # fmt: skip
LAST_FR = (
    "Arsenault", "Aucoin", "Babineau", "Bélanger", "Bérubé", "Boudreau", "Bourque", "Caissie",
    "Chiasson", "Comeau", "Cormier", "Côté", "d'Entremont", "Daigle", "Després", "Doucet",
    "Émond", "Gagné", "Gaudet", "Hébert", "Landry", "LeBlanc", "Léger", "Légère",
    "Lévesque", "Mélançon", "Pelletier", "Poirier", "Robichaud", "Saulnier", "Surette",
    "Thériault", "Thibodeau",
)  # fmt: skip
FIRST_EN = (
    "Ahmed", "Brian", "Connor", "Daniel", "Emily", "Fiona", "Gregory", "Heather", "Ines",
    "Kevin", "Liam", "Megan", "Mohammed", "Olivia", "Patrick", "Priya", "Rachel", "Sarah",
    "Siobhan", "Tom",
)  # fmt: skip
LAST_EN = (
    "Ali", "Beaton", "Campbell", "Chisholm", "Eisner", "Fraser", "Haddad", "MacDonald",
    "MacIsaac", "MacKenzie", "MacKinnon", "MacLeod", "MacNeil", "Murphy", "Nguyen",
    "O'Brien", "Ortiz", "Sampson", "Sharma", "Smith", "Stewart", "Whyte", "Young",
    "Zwicker",
)  # fmt: skip
TOWNS = (
    "Halifax", "Chéticamp", "Yarmouth", "Truro", "Sydney", "Lunenburg", "Antigonish",
    "Pointe-de-l'Église", "Baie Sainte-Marie", "Amherst", "Digby", "Wolfville", "Pictou",
    "Isle Madame", "Petit-de-Grat",
)  # fmt: skip
ORGANIZATION_KINDS = (
    "Nova Scotia Works — {} Career Centre",
    "Société d'entraide de {}",
    "{} Literacy Network",
    "Centre d'emploi de {}",
    "{} Trades Association",
)
TITLES = (
    "Coordonnatrice", "Coordinator", "Directrice générale", "Executive Director",
    "Conseiller en emploi", "Career Practitioner", "Agente de programme", "Finance Officer",
)  # fmt: skip
POSITIONS = ("Career practitioner", "Praticienne en développement de carrière", "Manager")
FUNDING_PROFILES = ("FA_ADMIN", "FA_SUBMITTER", "FA_SIGNER", "FA_VIEWER")
CASE_PROFILES = ("CM_ADMIN", "CM_PRACTITIONER", "CM_VIEWER")
BASE_TIME = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
# Pending invitations expire far ahead, so the statuses (computed from the clock) stay the
# same whenever the benchmark runs; every other invitation expired during 2025.
PENDING_SENT = datetime(2099, 1, 4, 9, 0, tzinfo=UTC)
INVITATION_DAYS = 30


@dataclass(frozen=True)
class Params:
    organizations: int = 1000
    contacts_per_organization: int = 100
    big_organization_contacts: int = 100_000
    seed: int = 7

    @property
    def big_organization_id(self) -> int:
        return self.organizations + 1

    def marker(self) -> str:
        heads = sorted(ScriptDirectory.from_config(migrations.alembic_config()).get_heads())
        # The application's folding, as written into the sort keys: a change rebuilds.
        names = FIRST_FR + LAST_FR + FIRST_EN + LAST_EN
        folding = hashlib.sha256("|".join(map(folded, names)).encode()).hexdigest()[:16]
        return json.dumps(
            {
                "dataset": DATASET_VERSION,
                "params": asdict(self),
                "migrations": heads,
                "folding": folding,
            },
            sort_keys=True,
        )


@dataclass
class Dataset:
    tables: dict[str, list[tuple[Any, ...]]] = field(
        default_factory=lambda: {name: [] for name in COLUMNS}
    )

    def rows(self) -> Iterator[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
        for name, columns in COLUMNS.items():
            yield name, columns, self.tables[name]


@functools.cache
def _folded(text: str) -> str:
    return folded(text)


def _ascii(text: str) -> str:
    return "".join(char for char in _folded(text) if char.isalnum())


class _Generator:
    def __init__(self, params: Params) -> None:
        self.params = params
        self.rng = random.Random(params.seed)  # noqa: S311 - reproducible data, not secrets
        self.data = Dataset()
        self.next_account = 1
        self.next_contact = 1
        self.next_invitation = 1

    def moment(self, start: datetime, days: int) -> datetime:
        return start + timedelta(
            seconds=self.rng.randrange(days * 86400), microseconds=self.rng.randrange(1_000_000)
        )

    def build(self) -> Dataset:
        params = self.params
        for organization_id in range(1, params.organizations + 1):
            self.organization(organization_id, params.contacts_per_organization, None)
        self.organization(
            params.big_organization_id,
            params.big_organization_contacts,
            "Réseau provincial de l'emploi — Nouvelle-Écosse",
        )
        return self.data

    def organization(self, organization_id: int, size: int, name: str | None) -> None:
        rng = self.rng
        town = rng.choice(TOWNS)
        if name is None:
            name = f"{rng.choice(ORGANIZATION_KINDS).format(town)} ({organization_id})"
        case_management = organization_id == self.params.big_organization_id or rng.random() < 0.3
        created = self.moment(BASE_TIME - timedelta(days=400), 30)
        self.data.tables["organizations"].append(
            (organization_id, name, case_management, created, created)
        )
        allowed = FUNDING_PROFILES + (CASE_PROFILES if case_management else ())
        administrator_account: int | None = None
        for index in range(size):
            account = self.contact(organization_id, index, town, case_management, allowed)
            if index == 0:
                administrator_account = account
            self.invitations(organization_id, index, account, administrator_account, allowed)

    def contact(
        self,
        organization_id: int,
        index: int,
        town: str,
        case_management: bool,
        allowed: tuple[str, ...],
    ) -> int | None:
        """Write one contact (and its account and profiles); its account id, if any."""
        rng = self.rng
        french = rng.random() < 0.5
        first = rng.choice(FIRST_FR if french else FIRST_EN)
        last = rng.choice(LAST_FR if french else LAST_EN)
        if rng.random() < 0.1:  # a mixed name
            first = rng.choice(FIRST_EN if french else FIRST_FR)
        local = f"{_ascii(first)}.{_ascii(last)}.{index}"
        if rng.random() < 0.2:
            local = local.title()
        email = f"{local}@org{organization_id}.example"
        first_contact = index == 0
        is_active = first_contact or index == 1 or rng.random() >= 0.08
        has_account = first_contact or rng.random() < 0.25
        created = self.moment(BASE_TIME, 300)
        version = 1 if rng.random() < 0.6 else rng.randint(2, 5)
        updated = created if version == 1 else self.moment(created, 30)
        contact_id = self.next_contact
        self.next_contact += 1

        account_id = account_email = None
        if has_account:
            account_id = self.next_account
            self.next_account += 1
            choice = rng.random()
            if choice < 0.6:
                account_email = email
            elif choice < 0.7:
                account_email = email.upper()
            else:
                account_email = f"{_ascii(first)}{contact_id}@courriel.example"
            self.data.tables["accounts"].append(
                (
                    account_id,
                    f"bench|{account_id}",
                    account_email,
                    f"{first} {last}",
                    False,
                    created,
                    created,
                )
            )

        phones = [{"kind": "WORK", "number": f"+1902{rng.randrange(2_000_000, 10_000_000)}"}]
        if rng.random() < 0.3:
            phones.append(
                {"kind": "MOBILE", "number": f"+1782{rng.randrange(2_000_000, 10_000_000)}"}
            )
        for phone in phones:
            phone["extension"] = str(rng.randrange(10, 99)) if rng.random() < 0.1 else None

        self.data.tables["contacts"].append(
            (
                contact_id,
                organization_id,
                first,
                last,
                None if rng.random() < 0.4 else rng.choice(TITLES),
                email,
                email.casefold(),
                account_id,
                account_email,
                json.dumps(phones),
                "FRENCH" if french else "ENGLISH",
                index == 1,
                is_active,
                town if case_management else None,
                rng.choice(POSITIONS) if case_management else None,
                Decimal(rng.choice(("0.50", "0.60", "0.75", "0.80", "1.00")))
                if case_management
                else None,
                _folded(last),
                _folded(first),
                version,
                created,
                updated,
            )
        )
        if first_contact:
            codes = self.first_contact_profiles(organization_id, case_management)
        elif has_account:
            codes = rng.sample(allowed, rng.choice((1, 1, 2)))
        else:
            codes = rng.sample(allowed, 1) if rng.random() < 0.2 else ()
        self.data.tables["contact_security_profiles"].extend((contact_id, code) for code in codes)
        return account_id

    def first_contact_profiles(self, organization_id: int, case_management: bool) -> Sequence[str]:
        """The first contact signs in for the benchmark: an organization administrator in most
        organizations (always in the big one), else an area administrator or a plain member,
        so that viewerCanManage and the assignable profiles vary."""
        choice = self.rng.random()
        if organization_id == self.params.big_organization_id or choice < 0.6:
            return ("ORG_ADMIN",)
        if choice < 0.85:
            return ("FA_ADMIN", "CM_ADMIN") if case_management else ("FA_ADMIN",)
        return ("FA_SUBMITTER",)

    def invitations(
        self,
        organization_id: int,
        index: int,
        account_id: int | None,
        inviter_id: int | None,
        allowed: tuple[str, ...],
    ) -> None:
        rng = self.rng
        contact = self.data.tables["contacts"][-1]
        contact_id, email, created = contact[0], contact[5], contact[19]
        statuses: list[str] = []
        if account_id is not None:
            if index == 0 or rng.random() < 0.7:
                statuses.append("ACCEPTED")
        else:
            choice = rng.random()
            if choice < 0.2:
                statuses.append("PENDING")
            elif choice < 0.3:
                statuses.append("EXPIRED")
            elif choice < 0.35:
                statuses.append("REVOKED")
            if statuses and rng.random() < 0.3:
                statuses.insert(0, "EXPIRED")
        for status in statuses:
            invitation_id = self.next_invitation
            self.next_invitation += 1
            sent = (
                self.moment(PENDING_SENT, 300) if status == "PENDING" else self.moment(created, 10)
            )
            accepted = sent + timedelta(days=2) if status == "ACCEPTED" else None
            revoked = sent + timedelta(days=1) if status == "REVOKED" else None
            self.data.tables["invitations"].append(
                (
                    invitation_id,
                    organization_id,
                    contact_id,
                    email,
                    "Bienvenue! Welcome to LaMPSS." if rng.random() < 0.5 else None,
                    hashlib.sha256(f"bench-invitation-{invitation_id}".encode()).hexdigest(),
                    inviter_id,
                    sent,
                    sent + timedelta(days=INVITATION_DAYS),
                    accepted,
                    account_id if accepted else None,
                    revoked,
                    inviter_id if revoked else None,
                    None,
                )
            )
            codes = rng.sample(allowed, rng.choice((1, 2)))
            self.data.tables["invitation_security_profiles"].extend(
                (invitation_id, code) for code in codes
            )


@functools.lru_cache(maxsize=1)
def generate(params: Params) -> Dataset:
    """The rows of every table (kept for the next database of the same run)."""
    return _Generator(params).build()


# PostgreSQL ---------------------------------------------------------------------------------


def database_url(admin_url: str, name: str) -> str:
    """The URL of database `name` on the server of `admin_url` (plain postgresql://)."""
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


async def _migrate(url: str, revision: str) -> None:
    engine = create_engine(url)
    try:
        await migrations.upgrade(engine, revision)
    finally:
        await engine.dispose()


async def _postgresql_marker(url: str) -> str | None:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return await connection.fetchval(f"SELECT marker FROM {MARKER_TABLE}")  # noqa: S608
    except asyncpg.UndefinedTableError:
        return None
    finally:
        await connection.close()


async def prepare_postgresql(admin_url: str, name: str, params: Params) -> bool:
    """Create and fill database `name` unless it holds this data set; True when built."""
    marker = params.marker()
    url = database_url(admin_url, name)
    admin = await asyncpg.connect(admin_url, timeout=10)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists and await _postgresql_marker(url) == marker:
            return False
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()

    started = time.perf_counter()
    data = generate(params)
    generated = time.perf_counter()
    sqlalchemy_url = url.replace("postgresql://", "postgresql+asyncpg://", 1)
    await _migrate(sqlalchemy_url, BASE_REVISION)
    connection = await asyncpg.connect(url, timeout=10)
    try:
        async with connection.transaction():
            for table, columns, rows in data.rows():
                await connection.copy_records_to_table(table, records=rows, columns=columns)
            for table in SERIAL_TABLES:
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
    finally:
        await connection.close()
    await _migrate(sqlalchemy_url, "head")
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(f"CREATE TABLE {MARKER_TABLE} (marker text NOT NULL)")
        await connection.execute(f"INSERT INTO {MARKER_TABLE} VALUES ($1)", marker)  # noqa: S608
        # What autovacuum would have done on a live database: statistics, visibility map.
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()
    print(
        f"  PostgreSQL database {name}: generated in {generated - started:.1f} s, "
        f"written and migrated in {time.perf_counter() - generated:.1f} s"
    )
    return True


# SQLite -------------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    """A value as the application stores it on SQLite (see models.base.UTCDateTime)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, Decimal):
        return float(value)
    return value


def _sqlite_marker(path: Path) -> str | None:
    if not path.exists():
        return None
    connection = sqlite3.connect(path)
    try:
        row = connection.execute(f"SELECT marker FROM {MARKER_TABLE}").fetchone()  # noqa: S608
    except sqlite3.OperationalError:
        return None
    finally:
        connection.close()
    return row[0] if row else None


def prepare_sqlite(path: Path, params: Params) -> bool:
    """Create and fill the SQLite file unless it holds this data set; True when built."""
    marker = params.marker()
    if _sqlite_marker(path) == marker:
        return False
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    data = generate(params)
    generated = time.perf_counter()
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_migrate(url, BASE_REVISION))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        for table, columns, rows in data.rows():
            placeholders = ", ".join("?" for _ in columns)
            connection.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # noqa: S608
                ([_sqlite_value(value) for value in row] for row in rows),
            )
        connection.execute("COMMIT")
    finally:
        connection.close()
    asyncio.run(_migrate(url, "head"))
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute(f"CREATE TABLE {MARKER_TABLE} (marker TEXT NOT NULL)")
        connection.execute(f"INSERT INTO {MARKER_TABLE} VALUES (?)", (marker,))  # noqa: S608
    finally:
        connection.close()
    print(
        f"  SQLite file {path}: generated in {generated - started:.1f} s, "
        f"written and migrated in {time.perf_counter() - generated:.1f} s"
    )
    return True
