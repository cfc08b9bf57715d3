"""The planner's data layer: the viewer, the organization and a page of its contacts in two
statements, without the ORM.

The statements are SQLAlchemy Core, built once per process from the models' tables (one per
shape of page: the whole list or a last-name prefix, active contacts or all, the first page or
one after a cursor); SQLAlchemy compiles each once per dialect and keeps it. Rows come back as
tuples and become plain slotted objects (`ContactRow`, `InvitationRow`, `OrganizationRow`)
that carry the models' own facts (`ContactFacts`, `InvitationFacts`): no identity map, no
attribute instrumentation, no session. A read-only request needs no transaction: on
PostgreSQL the connection runs in autocommit, so no BEGIN or ROLLBACK travels.

What the page reads mirrors the standard path (`models.contact_search`, the loaders): the
contract's order and its cursors (`CONTACT_ORDER`), each contact's profiles, its latest
invitation and what that invitation grants; the differential test holds the two to the same
answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, Select, String, and_, bindparam, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.util import greenlet_spawn

from contacts_api.models import (
    Account,
    Contact,
    ContactSecurityProfile,
    Invitation,
    InvitationSecurityProfile,
    Language,
    Organization,
)
from contacts_api.models.contact_search import CONTACT_ORDER, ContactSearch, contacts_statement
from contacts_api.models.contacts import ContactFacts
from contacts_api.models.database import PoolOptions
from contacts_api.models.invitations import InvitationFacts
from contacts_api.models.pagination import PageBounds
from contacts_api.models.text import folded, prefix_bounds
from contacts_api.rules.authorization import Membership
from contacts_api.runtime.logs import statement_sent

accounts = Account.__table__
organizations = Organization.__table__
contacts = Contact.__table__
invitations = Invitation.__table__
contact_profiles = ContactSecurityProfile.__table__
invitation_profiles = InvitationSecurityProfile.__table__


@dataclass(slots=True)
class AccountRow:
    id: int
    subject: str | None
    email: str
    email_key: str
    email_verified: bool | None
    name: str | None
    is_staff: bool
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class OrganizationRow:
    id: int
    name: str
    provides_case_management: bool
    created_at: datetime
    updated_at: datetime
    notify_all_administrators: bool
    access_lapse_days: int | None
    access_lapse_set_at: datetime | None
    review_digest_sent_at: datetime | None
    contact_count: int
    active_contact_count: int


@dataclass(slots=True)
class InvitationRow(InvitationFacts):
    id: int
    organization_id: int
    contact_id: int
    email: str
    message: str | None
    invited_by_id: int | None
    sent_at: datetime
    expires_at: datetime
    accepted_at: datetime | None
    accepted_by_id: int | None
    revoked_at: datetime | None
    revoked_by_id: int | None
    outbound_email_id: int | None
    reminded_at: datetime | None
    expiry_noticed_at: datetime | None
    failure_noticed_at: datetime | None
    profile_codes: frozenset[str]


@dataclass(slots=True)
class ContactRow(ContactFacts):
    id: int
    organization_id: int
    first_name: str
    last_name: str
    title: str | None
    email: str
    email_key: str
    account_id: int | None
    account_email: str | None
    account_email_key: str | None
    preferred_language: Language
    is_primary: bool
    is_active: bool
    office_location: str | None
    position_type: str | None
    fte: float | None
    sort_last_name: str
    sort_first_name: str
    access_granted_at: datetime | None
    access_reviewed_at: datetime | None
    access_reviewed_by_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    profile_codes: frozenset[str]
    invitation: InvitationRow | None


def _columns(row_type: type, table: Any, *, extra: int) -> list[Any]:
    """The table's columns that `row_type` holds, in its order (its last `extra` fields are
    not columns); fails at import when the two disagree."""
    names = [field.name for field in fields(row_type)]
    return [table.c[name] for name in names[: len(names) - extra]]


ACCOUNT_COLUMNS = _columns(AccountRow, accounts, extra=0)
ORGANIZATION_COLUMNS = _columns(OrganizationRow, organizations, extra=0)
INVITATION_COLUMNS = _columns(InvitationRow, invitations, extra=1)
CONTACT_COLUMNS = _columns(ContactRow, contacts, extra=2)
# Left out: the token hashes, which never leave the database, and the phone numbers, which
# the planner never answers (a list of objects).
assert {c.name for c in invitations.c} - {c.name for c in INVITATION_COLUMNS} == {
    "token_hash",
    "reminder_token_hash",
}
assert {c.name for c in contacts.c} - {c.name for c in CONTACT_COLUMNS} == {"phone_numbers"}
assert len(ACCOUNT_COLUMNS) == len(accounts.c)


class joined_codes(FunctionElement[str]):
    """The profile codes of a group joined by commas (codes hold none), the separator written
    into the SQL: `aggregate_strings` binds it, and renders it again at each execution."""

    type = String()
    inherit_cache = True


@compiles(joined_codes)
def _group_concat(element: joined_codes, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(joined_codes, "postgresql")
def _string_agg(element: joined_codes, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


def _codes(joined: str | None) -> frozenset[str]:
    """Profile codes aggregated by the database (codes hold no comma)."""
    return frozenset(joined.split(",")) if joined else frozenset()


def _viewer_statement() -> Select[Any]:
    """The account of a token's subject, the organization asked for, and the account's
    active contact in it with its profiles (see `authorization.VIEWER_WITH_MEMBERSHIPS`)."""
    membership = contacts.alias("membership")
    codes = (
        select(joined_codes(contact_profiles.c.security_profile_code))
        .where(contact_profiles.c.contact_id == membership.c.id)
        .scalar_subquery()
    )
    return (
        select(*ACCOUNT_COLUMNS, *ORGANIZATION_COLUMNS, membership.c.id, codes)
        .select_from(accounts)
        .outerjoin(organizations, organizations.c.id == bindparam("organization_id", type_=Integer))
        .outerjoin(
            membership,
            and_(
                membership.c.organization_id == organizations.c.id,
                membership.c.account_id == accounts.c.id,
                membership.c.is_active,
            ),
        )
        .where(accounts.c.subject == bindparam("subject", type_=String))
    )


VIEWER = _viewer_statement()


@dataclass(frozen=True, slots=True)
class PageShape:
    """What decides a page's statement: its filter, when it is one of the usual two (None:
    another, built for the request), its direction, and its cursors."""

    usual_filter: UsualFilter | None
    backward: bool
    # None: no cursor; else whether the cursor's row is the primary contact (the condition
    # beyond a cursor depends on it).
    after_primary: bool | None
    before_primary: bool | None


@dataclass(frozen=True, slots=True)
class UsualFilter:
    """The list every client asks for: all or only the active contacts, perhaps of a
    last-name prefix (the filter a search box sends)."""

    active_only: bool
    last_name_prefix: bool

    @classmethod
    def of(cls, search: ContactSearch) -> UsualFilter | None:
        if search.whole_list:
            return cls(search.active_only, last_name_prefix=False)
        if search.last_name_prefix and dataclasses.replace(search, last_name=None).whole_list:
            return cls(search.active_only, last_name_prefix=True)
        return None


def _usual_contacts(usual: UsualFilter) -> Select[Any]:
    """The contacts `usual` selects (as `contacts_statement` does, with bound values)."""
    rows = select(*CONTACT_COLUMNS).where(
        contacts.c.organization_id == bindparam("organization_id", type_=Integer)
    )
    if usual.active_only:
        rows = rows.where(contacts.c.is_active)
    if usual.last_name_prefix:
        rows = rows.where(
            contacts.c.sort_last_name >= bindparam("low", type_=String),
            contacts.c.sort_last_name < bindparam("high", type_=String),
        )
    return rows


def _cursor(primary: bool | None, side: str) -> list[Any] | None:
    if primary is None:
        return None
    return [
        primary,
        bindparam(f"{side}_last_name", type_=String),
        bindparam(f"{side}_first_name", type_=String),
        bindparam(f"{side}_id", type_=Integer),
    ]


def _paged(rows: Select[Any], shape: PageShape, *, split: bool, total: Any = None) -> Select[Any]:
    """One page of `rows` (contacts' columns) with each contact's profiles, latest
    invitation and the profiles it grants, in the contract's order; with `total` (a scalar
    subquery: how many `rows` has) in a last column, when given."""
    page = CONTACT_ORDER.page_statement(
        rows,
        bindparam("limit", type_=Integer),
        after=_cursor(shape.after_primary, "after"),
        before=_cursor(shape.before_primary, "before"),
        backward=shape.backward,
        split=split,
    ).subquery("page")
    held = (
        select(joined_codes(contact_profiles.c.security_profile_code))
        .where(contact_profiles.c.contact_id == page.c.id)
        .scalar_subquery()
    )
    latest = invitations.alias("latest")
    latest_id = select(func.max(latest.c.id)).where(latest.c.contact_id == page.c.id)
    granted = (
        select(joined_codes(invitation_profiles.c.security_profile_code))
        .where(invitation_profiles.c.invitation_id == invitations.c.id)
        .scalar_subquery()
    )
    columns = [*page.c, held, *INVITATION_COLUMNS, granted]
    if total is not None:
        columns.append(total)
    return (
        select(*columns)
        .select_from(page)
        .outerjoin(invitations, invitations.c.id == latest_id.scalar_subquery())
        .order_by(*CONTACT_ORDER.named_order(backward=shape.backward, columns=page.c))
    )


@cache
def usual_page(shape: PageShape) -> Select[Any]:
    """The statement of a page of the usual list, built once per process and shape; a
    last-name search's page counts its matches in the same statement."""
    usual = shape.usual_filter
    assert usual is not None
    total = usual_count(usual.active_only).scalar_subquery() if usual.last_name_prefix else None
    return _paged(_usual_contacts(usual), shape, split=usual.last_name_prefix, total=total)


@cache
def usual_count(active_only: bool) -> Select[Any]:
    """How many contacts of a last-name prefix (the whole list's count is the
    organization's, kept by the database): counted apart for each value of `is_primary`,
    so that each count is one range of the listing index, read from the index alone."""
    usual = UsualFilter(active_only, last_name_prefix=True)
    counts = [
        _usual_contacts(usual)
        .where(contacts.c.is_primary == primary)
        .with_only_columns(func.count(), maintain_column_froms=True)
        .scalar_subquery()
        for primary in (True, False)
    ]
    return select(counts[0] + counts[1])


@dataclass(frozen=True, slots=True)
class ReadConnection:
    """One request's pooled connection, and SQLAlchemy's around it when it has one."""

    pooled: PoolProxiedConnection
    sqlalchemy: AsyncConnection | None

    def statements(self) -> AsyncConnection:
        """SQLAlchemy's connection, for statements built for the request."""
        assert self.sqlalchemy is not None, "opened with built_for_the_request"
        return self.sqlalchemy

    async def invalidate(self) -> None:
        """Out of the pool: the connection may be broken."""
        if self.sqlalchemy is not None:
            await self.sqlalchemy.invalidate()
        else:
            await greenlet_spawn(self.pooled.invalidate)


class ReadFailed(Exception):
    """A statement sent on the driver's connection failed (the connection is discarded)."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement compiled once for a dialect: its SQL, the order of its parameters, and
    the result processors of the columns that have one (SQLAlchemy's own, by type)."""

    sql: str
    names: tuple[str, ...]
    # The values the statement binds itself (a literal compared with, as SQLite is given it).
    fixed: dict[str, Any]
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]

    @classmethod
    async def of(cls, statement: Select[Any], dialect: Dialect, driver: Any) -> Prepared:
        compiled = statement.compile(dialect=dialect)
        sql = str(compiled)
        columns = list(statement.selected_columns)
        # The type codes a processor may depend on, as the driver describes the columns
        # (asyncpg: the PostgreSQL type's oid; sqlite3 describes none).
        codes: list[Any] = [None] * len(columns)
        if dialect.name == "postgresql":
            codes = [
                attribute.type.oid for attribute in (await driver.prepare(sql)).get_attributes()
            ]
        processors = []
        for index, (column, code) in enumerate(zip(columns, codes, strict=True)):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, code)
            if processor is not None:
                processors.append((index, processor))
        names = tuple(compiled.positiontup or ())
        fixed = {name: value for name, value in compiled.params.items() if value is not None}
        return cls(sql, names, fixed, tuple(processors))

    def values(self, parameters: dict[str, Any]) -> list[Any]:
        return [parameters[name] if name in parameters else self.fixed[name] for name in self.names]

    def row(self, raw: Sequence[Any]) -> list[Any]:
        """The row's Python values; a NULL is None whatever its column's type (as every
        type of these tables reads it), without a call."""
        values = list(raw)
        for index, processor in self.processors:
            value = values[index]
            if value is not None:
                values[index] = processor(value)
        return values


@dataclass(frozen=True, slots=True)
class ViewerRow:
    """A token's account, its membership in the organization asked for (None: not an
    active contact there), and that organization (None: there is none)."""

    account: AccountRow
    membership: Membership | None
    organization: OrganizationRow | None


class Reads:
    """The compiled read path's statements, run on the pooled connection's driver: the
    statements built once (the viewer's, the usual pages and counts) are compiled once and
    sent as they are, their rows converted by SQLAlchemy's result processors; others go
    through SQLAlchemy's execution."""

    def __init__(self, engine: AsyncEngine, pool: PoolOptions) -> None:
        # A read needs no transaction; SQLite's connection is already in autocommit between
        # statements, and gets its snapshot per statement too.
        self._engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT")
            if engine.dialect.name == "postgresql"
            else engine
        )
        self._dialect = engine.dialect
        self._postgresql = engine.dialect.name == "postgresql"
        self._prepared: dict[Select[Any], Prepared] = {}
        # Requests take the pool's connections in the order they came. Waiting in the pool
        # itself is not fair: a connection given back goes to whoever asks next, and a
        # request woken too late waits again at the back, which showed as the slowest
        # requests at 64 clients.
        self._admission = asyncio.Semaphore(pool.size + pool.max_overflow)
        self._wait = pool.timeout

    @asynccontextmanager
    async def connection(self, *, built_for_the_request: bool) -> AsyncIterator[ReadConnection]:
        """A pooled connection for one request's reads; SQLAlchemy's connection too when a
        statement is `built_for_the_request` (a filter beyond the usual list's)."""
        if self._admission.locked():
            async with asyncio.timeout(self._wait):
                await self._admission.acquire()
        else:
            await self._admission.acquire()
        try:
            if built_for_the_request:
                async with self._engine.connect() as connection:
                    pooled = await connection.get_raw_connection()
                    yield ReadConnection(pooled, connection)
            else:
                # The pool's connection alone: what SQLAlchemy's Connection adds around it
                # (events, characteristics, its own transaction) costs more than the reads.
                pooled = await self._engine.raw_connection()
                try:
                    yield ReadConnection(pooled, None)
                finally:
                    await greenlet_spawn(pooled.close)
        finally:
            self._admission.release()

    async def _rows(
        self, connection: ReadConnection, statement: Select[Any], parameters: dict[str, Any]
    ) -> list[list[Any]]:
        """The rows of a statement built once (the key of its compiled form)."""
        driver = connection.pooled.driver_connection
        assert driver is not None, "a pooled connection has its driver's"
        statement_sent()
        try:
            prepared = self._prepared.get(statement)
            if prepared is None:
                prepared = await Prepared.of(statement, self._dialect, driver)
                self._prepared[statement] = prepared
            values = prepared.values(parameters)
            if self._postgresql:
                rows = await driver.fetch(prepared.sql, *values)
            else:
                rows = await driver.execute_fetchall(prepared.sql, values)
        except BaseException as error:
            # SQLAlchemy did not see the error: the connection may be broken (a restarted
            # database), and must not go back to the pool. The request goes to the standard
            # path, where SQLAlchemy meets the error itself: it renews the pool after a lost
            # connection, and reports what it cannot get past.
            await connection.invalidate()
            if isinstance(error, Exception):
                raise ReadFailed from error
            raise
        return [prepared.row(row) for row in rows]

    async def viewer(
        self, connection: ReadConnection, subject: str, organization_id: int
    ) -> ViewerRow | None:
        """None when no account has this subject yet (the standard path creates it)."""
        rows = await self._rows(
            connection, VIEWER, {"subject": subject, "organization_id": organization_id}
        )
        if not rows:
            return None
        row = rows[0]
        accounts_end = len(ACCOUNT_COLUMNS)
        organization_end = accounts_end + len(ORGANIZATION_COLUMNS)
        account = AccountRow(*row[:accounts_end])
        organization = None
        if row[accounts_end] is not None:
            organization = OrganizationRow(*row[accounts_end:organization_end])
        contact_id, codes = row[organization_end], row[organization_end + 1]
        membership = Membership(contact_id, _codes(codes)) if contact_id is not None else None
        return ViewerRow(account, membership, organization)

    async def page(
        self,
        connection: ReadConnection,
        organization_id: int,
        bounds: PageBounds,
        search: ContactSearch,
    ) -> tuple[list[ContactRow], int | None]:
        """At most `bounds.size + 1` contacts in the contract's order (in reverse when
        paging backward), as `CONTACT_ORDER.edges` takes them; and how many the search
        finds, when the page's statement counted them (a last-name search's, with rows)."""
        parameters: dict[str, Any] = {
            "organization_id": organization_id,
            "limit": bounds.size + 1,
        }
        primary: dict[str, bool | None] = {"after": None, "before": None}
        for side, values in (("after", bounds.after), ("before", bounds.before)):
            if values is not None:
                primary[side], last_name, first_name, id_ = values
                parameters.update(
                    {
                        f"{side}_last_name": last_name,
                        f"{side}_first_name": first_name,
                        f"{side}_id": id_,
                    }
                )
        usual = UsualFilter.of(search)
        shape = PageShape(usual, bounds.backward, primary["after"], primary["before"])
        result: Sequence[Sequence[Any]]
        counted = None
        if usual is not None:
            if usual.last_name_prefix:
                parameters.update(_prefix(search))
            result = await self._rows(connection, usual_page(shape), parameters)
            if usual.last_name_prefix and result:
                counted = int(result[0][-1])
        else:
            rows = contacts_statement(organization_id, search).with_only_columns(*CONTACT_COLUMNS)
            statement = _paged(rows, shape, split=search.last_name_prefix)
            result = (await connection.statements().execute(statement, parameters)).all()
        contact_end = len(CONTACT_COLUMNS)
        invitation_end = contact_end + 1 + len(INVITATION_COLUMNS)
        page = []
        for row in result:
            invitation = None
            if row[contact_end + 1] is not None:
                invitation_values = (
                    *row[contact_end + 1 : invitation_end],
                    _codes(row[invitation_end]),
                )
                invitation = InvitationRow(*invitation_values)
            contact_values = (*row[:contact_end], _codes(row[contact_end]), invitation)
            page.append(ContactRow(*contact_values))
        return page, counted

    async def count(
        self, connection: ReadConnection, organization: OrganizationRow, search: ContactSearch
    ) -> int:
        """How many contacts `search` finds in `organization` (when its page did not say)."""
        if search.whole_list:
            if search.active_only:
                return organization.active_contact_count
            return organization.contact_count
        usual = UsualFilter.of(search)
        if usual is not None:
            parameters = {"organization_id": organization.id, **_prefix(search)}
            (row,) = await self._rows(connection, usual_count(usual.active_only), parameters)
            counted = row[0]
        else:
            statement = contacts_statement(organization.id, search)
            counted = await connection.statements().scalar(
                statement.with_only_columns(func.count(), maintain_column_froms=True)
            )
        return int(counted or 0)


def _prefix(search: ContactSearch) -> dict[str, str]:
    assert search.last_name is not None
    low, high = prefix_bounds(folded(search.last_name))
    return {"low": low, "high": high}
