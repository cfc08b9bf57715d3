"""The raw baseline: the benchmark's contacts page by hand, to measure the server against.

Starlette + asyncpg (or aiosqlite) + orjson, hand-written SQL: per request one statement for
the viewer's account and membership (the same authorization the server does: an HS256 token
checked with PyJWT, the viewer must be an active contact of the organization, or staff), one
for the page with each contact's profiles and latest invitation, one for totalCount.

It answers only the benchmark's operations (bench/queries.py), whatever the document says,
with the JSON the server gives for them: same fields in the same order, same ids, cursors,
statuses and rules (hasAccess, emails, isAdministrator, viewerCanManage).

Run by the benchmark as `uvicorn bench.baseline:create_app --factory --workers N`, with
BENCH_DATABASE_URL (postgresql://… or sqlite:///…) and AUTH_JWT_SECRET.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import os
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite
import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.queries import contact_cursor, global_id
from contacts_api.models.text import folded

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 100
POSTGRESQL_POOL_SIZE = 10
SQLITE_CONNECTIONS = 4
_QUALITY = re.compile(r"^\s*q\s*=\s*([0-9.]+)\s*$")


@dataclass(frozen=True, slots=True)
class Profile:
    code: str
    area: str
    is_administrator: bool
    name_en: str
    name_fr: str


@dataclass(frozen=True, slots=True)
class Access:
    """What the viewer may do in the organization asked for."""

    is_administrator: bool
    assignable: frozenset[str]


@dataclass(frozen=True, slots=True)
class PageQuery:
    organization_id: int
    size: int
    after: tuple[bool, str, str, int] | None
    prefix: str | None


# SQL ----------------------------------------------------------------------------------------

VIEWER_SQL = """
SELECT a.id, a.email, a.name, a.is_staff, o.id, o.provides_case_management, m.id, {codes}
FROM accounts a
LEFT JOIN organizations o ON o.id = {org}
LEFT JOIN contacts m ON m.organization_id = o.id AND m.account_id = a.id AND m.is_active
WHERE a.subject = {subject}
"""
PAGE_COLUMNS = """
c.id, c.first_name, c.last_name, c.title, c.email, c.account_id, c.account_email,
c.preferred_language, c.is_primary, c.is_active, c.office_location, c.position_type, {fte},
c.version, c.created_at, c.updated_at, c.sort_last_name, c.sort_first_name, {codes},
i.id, i.expires_at, i.accepted_at, i.revoked_at, {invitation_codes}
"""
ORDER = "ORDER BY c.is_primary DESC, c.sort_last_name, c.sort_first_name, c.id"
RANGE_ORDER = "ORDER BY c.sort_last_name, c.sort_first_name, c.id"


@dataclass(frozen=True, slots=True)
class Dialect:
    placeholder: str  # "$" or "?": numbered placeholders, $1 or ?1
    true: str
    false: str
    columns: str
    latest_invitation: str


POSTGRESQL = Dialect(
    "$",
    "true",
    "false",
    PAGE_COLUMNS.format(
        fte="c.fte::float8",
        codes="ARRAY(SELECT p.security_profile_code FROM contact_security_profiles p "
        "WHERE p.contact_id = c.id)",
        invitation_codes="ARRAY(SELECT q.security_profile_code "
        "FROM invitation_security_profiles q WHERE q.invitation_id = i.id)",
    ),
    "LEFT JOIN LATERAL (SELECT id, expires_at, accepted_at, revoked_at FROM invitations "
    "WHERE contact_id = c.id ORDER BY id DESC LIMIT 1) i ON true",
)
SQLITE = Dialect(
    "?",
    "1",
    "0",
    PAGE_COLUMNS.format(
        fte="c.fte",
        codes="(SELECT group_concat(p.security_profile_code) "
        "FROM contact_security_profiles p WHERE p.contact_id = c.id)",
        invitation_codes="(SELECT group_concat(q.security_profile_code) "
        "FROM invitation_security_profiles q WHERE q.invitation_id = i.id)",
    ),
    "LEFT JOIN invitations i ON i.id = "
    "(SELECT max(j.id) FROM invitations j WHERE j.contact_id = c.id)",
)


class _Binds:
    """Values of one statement; calling it with a value gives that value's placeholder."""

    def __init__(self, placeholder: str) -> None:
        self.placeholder = placeholder
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"{self.placeholder}{len(self.values)}"


def statements(query: PageQuery, dialect: Dialect) -> tuple[str, list[Any], str, list[Any]]:
    """The page's statement and the count's, with their values.

    Every row comes from an index range of ix_contacts_listing (organization, active,
    primary first, last name, first name, id): one range when the order needs no more,
    one per value of is_primary when a last-name prefix or a cursor on the primary contact
    would otherwise make the scan read and discard the rows before them.
    """
    true, false = dialect.true, dialect.false

    def base(bind: _Binds) -> list[str]:
        conditions = [f"c.organization_id = {bind(query.organization_id)}", f"c.is_active = {true}"]
        if query.prefix:
            upper = query.prefix[:-1] + chr(ord(query.prefix[-1]) + 1)
            conditions.append(
                f"c.sort_last_name >= {bind(query.prefix)} AND c.sort_last_name < {bind(upper)}"
            )
        return conditions

    count = _Binds(dialect.placeholder)
    if query.prefix:
        parts = [
            f"(SELECT count(*) FROM contacts c WHERE "  # noqa: S608
            f"{' AND '.join([*base(count), f'c.is_primary = {value}'])})"
            for value in (true, false)
        ]
        count_sql = "SELECT " + " + ".join(parts)
    else:
        count_sql = f"SELECT count(*) FROM contacts c WHERE {' AND '.join(base(count))}"  # noqa: S608

    page = _Binds(dialect.placeholder)
    limit = page(query.size + 1)
    after = query.after

    def beyond() -> str:
        assert after is not None
        _primary, last, first, id_ = after
        return (
            f"(c.sort_last_name, c.sort_first_name, c.id) > "
            f"({page(last)}, {page(first)}, {page(id_)})"
        )

    if query.prefix or (after is not None and after[0]):
        ranges = []
        if after is None or after[0]:
            ranges.append([f"c.is_primary = {true}", *([beyond()] if after else [])])
        ranges.append([f"c.is_primary = {false}", *([beyond()] if after and not after[0] else [])])
        selects = [
            f"SELECT * FROM (SELECT c.* FROM contacts c "  # noqa: S608
            f"WHERE {' AND '.join(base(page) + conditions)} {RANGE_ORDER} LIMIT {limit}) AS r{n}"
            for n, conditions in enumerate(ranges)
        ]
        source, where = f"({' UNION ALL '.join(selects)}) AS c", ""
    else:
        conditions = base(page)
        if after is not None:
            conditions += [f"c.is_primary = {false}", beyond()]
        source, where = "contacts c", f"WHERE {' AND '.join(conditions)}"
    page_sql = (
        f"SELECT {dialect.columns} FROM {source} {dialect.latest_invitation} "  # noqa: S608
        f"{where} {ORDER} LIMIT {limit}"
    )
    return page_sql, page.values, count_sql, count.values


class PostgreSQL:
    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: asyncpg.Pool | None = None
        self.catalogue: list[Profile] = []

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(
            self.url, min_size=1, max_size=POSTGRESQL_POOL_SIZE, timeout=10
        )
        rows = await self.pool.fetch(
            "SELECT code, area, is_administrator, name_en, name_fr FROM security_profiles "
            "ORDER BY position"
        )
        self.catalogue = [Profile(*row) for row in rows]

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def viewer(self, subject: str, organization_id: int) -> tuple[Sequence[Any] | None, int]:
        assert self.pool is not None
        sql = VIEWER_SQL.format(
            codes="ARRAY(SELECT p.security_profile_code FROM contact_security_profiles p "
            "WHERE p.contact_id = m.id)",
            org="$2",
            subject="$1",
        )
        return await self.pool.fetchrow(sql, subject, organization_id), 1

    async def refresh(self, account_id: int, email: str, name: str | None) -> int:
        assert self.pool is not None
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "UPDATE accounts SET email = $2, name = $3, updated_at = $4 WHERE id = $1",
                account_id,
                email,
                name,
                datetime.now(UTC),
            )
            await connection.execute(
                "UPDATE contacts SET account_email = $2 WHERE account_id = $1", account_id, email
            )
        return 2

    async def page(self, query: PageQuery) -> tuple[list[Sequence[Any]], int, int]:
        assert self.pool is not None
        page_sql, page_values, count_sql, count_values = statements(query, POSTGRESQL)
        async with self.pool.acquire() as connection:
            rows = await connection.fetch(page_sql, *page_values)
            total = await connection.fetchval(count_sql, *count_values)
        return list(rows), int(total), 2


class SQLite:
    def __init__(self, path: str) -> None:
        self.path = path
        self.idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self.connections: list[aiosqlite.Connection] = []
        self.catalogue: list[Profile] = []

    async def start(self) -> None:
        for _ in range(SQLITE_CONNECTIONS):
            connection = await aiosqlite.connect(self.path, isolation_level=None)
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA busy_timeout=10000",
                "PRAGMA foreign_keys=ON",
                "PRAGMA synchronous=NORMAL",
            ):
                await connection.execute(pragma)
            self.connections.append(connection)
            self.idle.put_nowait(connection)
        async with self.connections[0].execute(
            "SELECT code, area, is_administrator, name_en, name_fr FROM security_profiles "
            "ORDER BY position"
        ) as cursor:
            self.catalogue = [
                Profile(code, area, bool(admin), en, fr)
                for code, area, admin, en, fr in await cursor.fetchall()
            ]

    async def close(self) -> None:
        for connection in self.connections:
            await connection.close()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = await self.idle.get()
        try:
            yield connection
        finally:
            self.idle.put_nowait(connection)

    async def viewer(self, subject: str, organization_id: int) -> tuple[Sequence[Any] | None, int]:
        sql = VIEWER_SQL.format(
            codes="(SELECT group_concat(p.security_profile_code) FROM contact_security_profiles p "
            "WHERE p.contact_id = m.id)",
            org="?2",
            subject="?1",
        )
        async with (
            self.connection() as connection,
            connection.execute(sql, (subject, organization_id)) as cursor,
        ):
            row = await cursor.fetchone()
        if row is None:
            return None, 1
        row = list(row)
        row[3], row[5] = bool(row[3]), bool(row[5]) if row[5] is not None else None
        row[7] = row[7].split(",") if row[7] else []
        return row, 1

    async def refresh(self, account_id: int, email: str, name: str | None) -> int:
        async with self.connection() as connection:
            await connection.execute("BEGIN IMMEDIATE")
            await connection.execute(
                "UPDATE accounts SET email = ?, name = ?, updated_at = ? WHERE id = ?",
                (email, name, _sqlite_time(datetime.now(UTC)), account_id),
            )
            await connection.execute(
                "UPDATE contacts SET account_email = ? WHERE account_id = ?", (email, account_id)
            )
            await connection.execute("COMMIT")
        return 2

    async def page(self, query: PageQuery) -> tuple[list[Sequence[Any]], int, int]:
        page_sql, values, count_sql, count_values = statements(query, SQLITE)
        async with self.connection() as connection:
            async with connection.execute(page_sql, values) as cursor:
                raw = await cursor.fetchall()
            async with connection.execute(count_sql, count_values) as cursor:
                (total,) = await cursor.fetchone()  # type: ignore[misc]
        rows = []
        for row in raw:
            row = list(row)
            row[8], row[9] = bool(row[8]), bool(row[9])
            row[14], row[15] = _parse_time(row[14]), _parse_time(row[15])
            row[18] = row[18].split(",") if row[18] else []
            row[20], row[21], row[22] = (_parse_time(value) for value in row[20:23])
            row[23] = row[23].split(",") if row[23] else []
            rows.append(row)
        return rows, int(total), 2


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def _sqlite_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


# The request --------------------------------------------------------------------------------


class BadRequest(Exception):
    pass


def _french(accept_language: str | None) -> bool:
    """resolvers.messages.language_from_header: French when preferred to English."""
    best, french = 0.0, False
    for position, item in enumerate((accept_language or "").split(",")[:20]):
        tag, _, parameters = item.partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in {"en", "fr"}:
            continue
        quality = 1.0
        if match := _QUALITY.match(parameters):
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        score = quality - position * 1e-6
        if score > best:
            best, french = score, primary == "fr"
    return french


def _decode_id(value: Any) -> int:
    if not isinstance(value, str) or not value or len(value) > 200:
        raise BadRequest("malformed id")
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise BadRequest("malformed id") from None
    type_name, _, key = text.partition(":")
    if type_name != "Organization" or not key.isascii() or not key.isdigit() or len(key) > 18:
        raise BadRequest("malformed id")
    return int(key)


def _decode_cursor(value: Any) -> tuple[bool, str, str, int] | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 1000:
        raise BadRequest("malformed cursor")
    try:
        decoded = orjson.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    except (binascii.Error, ValueError):
        raise BadRequest("malformed cursor") from None
    if (
        not isinstance(decoded, list)
        or len(decoded) != 5
        or decoded[0] != "contacts"
        or type(decoded[1]) is not bool
        or type(decoded[2]) is not str
        or type(decoded[3]) is not str
        or type(decoded[4]) is not int
    ):
        raise BadRequest("malformed cursor")
    return decoded[1], decoded[2], decoded[3], decoded[4]


def _claims(authorization: str | None, secret: str) -> tuple[str, str, str | None] | None:
    """auth.TokenVerifier for HS256 tokens: (subject, email, name), or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        return None
    try:
        payload = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except (jwt.PyJWTError, ValueError):
        return None
    subject, email, name = payload.get("sub"), payload.get("email"), payload.get("name")
    if not isinstance(subject, str) or not subject.strip():
        return None
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return None
    name = (name.strip()[:200] or None) if isinstance(name, str) else None
    return subject.strip(), email.strip(), name


def _access(viewer: Sequence[Any], catalogue: list[Profile]) -> Access | None:
    """None when the viewer may not see the organization (authorization.is_member)."""
    _id, _email, _name, is_staff, organization_id, case_management, membership, codes = viewer
    if organization_id is None or (not is_staff and membership is None):
        return None
    by_code = {profile.code: profile for profile in catalogue}
    if is_staff:
        areas = {profile.area for profile in catalogue}
        is_administrator = True
    else:
        administered = {by_code[code].area for code in codes if by_code[code].is_administrator}
        is_administrator = bool(administered)
        areas = {p.area for p in catalogue} if "ORGANIZATION" in administered else administered
    if not case_management:
        areas.discard("CASE_MANAGEMENT")
    assignable = frozenset(p.code for p in catalogue if p.area in areas)
    return Access(is_administrator, assignable)


def _status(expires_at: datetime, accepted_at: Any, revoked_at: Any, now: datetime) -> str:
    if accepted_at is not None:
        return "ACCEPTED"
    if revoked_at is not None:
        return "REVOKED"
    return "EXPIRED" if now >= expires_at else "PENDING"


def _connection(
    rows: list[Sequence[Any]],
    total: int,
    query: PageQuery,
    access: Access,
    catalogue: list[Profile],
    french: bool,
    now: datetime,
) -> dict[str, Any]:
    has_next = len(rows) > query.size
    edges = []
    for row in rows[: query.size]:
        (
            id_, first_name, last_name, title, email, account_id, account_email, language,
            is_primary, is_active, office_location, position_type, fte, version, created_at,
            updated_at, sort_last, sort_first, codes, invitation_id, expires_at, accepted_at,
            revoked_at, invitation_codes,
        ) = row  # fmt: skip
        held = set(codes)
        invitation = None
        pending: set[str] = set()
        if invitation_id is not None:
            status = _status(expires_at, accepted_at, revoked_at, now)
            invitation = {"status": status, "expiresAt": expires_at}
            if accepted_at is None and revoked_at is None:  # pending, or expired: resendable
                pending = set(invitation_codes)
        emails = [email]
        if account_email and account_email.casefold() != email.casefold():
            emails.append(account_email)
        profiles = [profile for profile in catalogue if profile.code in held]
        cursor = contact_cursor(is_primary, sort_last, sort_first, id_)
        node = {
            "id": global_id("Contact", id_),
            "firstName": first_name,
            "lastName": last_name,
            "title": title,
            "email": email,
            "accountEmail": account_email,
            "emails": emails,
            "preferredLanguage": language,
            "isPrimary": is_primary,
            "isAdministrator": any(profile.is_administrator for profile in profiles),
            "isActive": is_active,
            "hasAccess": account_id is not None and is_active,
            "officeLocation": office_location,
            "positionType": position_type,
            "fte": fte,
            "version": version,
            "createdAt": created_at,
            "updatedAt": updated_at,
            "viewerCanManage": access.is_administrator and (held | pending) <= access.assignable,
            "securityProfiles": [
                {"code": p.code, "name": p.name_fr if french else p.name_en} for p in profiles
            ],
            "invitation": invitation,
        }
        edges.append({"cursor": cursor, "node": node})
    return {
        "totalCount": total,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": query.after is not None,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
        "edges": edges,
    }


def _json(body: dict[str, Any], status: int = 200, statements: int = 0) -> Response:
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"x-sql-statements": str(statements)},
    )


def create_app() -> Starlette:
    """The factory uvicorn calls in each worker."""
    url = os.environ["BENCH_DATABASE_URL"]
    secret = os.environ["AUTH_JWT_SECRET"]
    backend: PostgreSQL | SQLite = (
        SQLite(url.partition(":///")[2]) if url.startswith("sqlite") else PostgreSQL(url)
    )

    async def graphql(request: Request) -> Response:
        try:
            payload = orjson.loads(await request.body())
            variables = payload.get("variables") or {}
            organization_id = _decode_id(variables.get("id"))
            size = variables.get("first")
            size = DEFAULT_PAGE_SIZE if size is None else size
            if type(size) is not int or not 0 <= size <= MAX_PAGE_SIZE:
                raise BadRequest("first")
            search = variables.get("filter") or {}
            last_name = search.get("lastName")
            query = PageQuery(
                organization_id,
                size,
                _decode_cursor(variables.get("after")),
                folded(last_name) if isinstance(last_name, str) and last_name else None,
            )
        except (BadRequest, orjson.JSONDecodeError, AttributeError) as error:
            return _json({"errors": [{"message": str(error)}]}, status=400)
        claims = _claims(request.headers.get("authorization"), secret)
        if claims is None:
            error = {"message": "Sign in first.", "extensions": {"code": "UNAUTHENTICATED"}}
            return _json({"data": {"organization": None}, "errors": [error]})
        subject, email, name = claims
        viewer, statements = await backend.viewer(subject, organization_id)
        access = None
        if viewer is not None:
            if viewer[1] != email or viewer[2] != name:
                statements += await backend.refresh(viewer[0], email, name)
            access = _access(viewer, backend.catalogue)
        if access is None:
            return _json({"data": {"organization": None}}, statements=statements)
        rows, total, more = await backend.page(query)
        contacts = _connection(
            rows,
            total,
            query,
            access,
            backend.catalogue,
            _french(request.headers.get("accept-language")),
            datetime.now(UTC),
        )
        return _json(
            {"data": {"organization": {"contacts": contacts}}}, statements=statements + more
        )

    async def healthz(_request: Request) -> Response:
        return _json({"status": "ok"})

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await backend.start()
        try:
            yield
        finally:
            await backend.close()

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["POST"]), Route("/healthz", healthz)],
        lifespan=lifespan,
    )
