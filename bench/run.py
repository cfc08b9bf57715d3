"""`make bench`: the server against the raw baseline, on PostgreSQL and SQLite.

    .venv/bin/python -m bench.run            # the full benchmark (~10 minutes)
    .venv/bin/python -m bench.run --smoke    # a tiny one, for CI (no timing assertions)

For each database: build (or reuse) the data set; start `contacts serve --workers N` as in
production and the baseline (bench/baseline.py) with as many workers; check that both give
the same JSON for every request that will be timed; then wrk drives them in alternating
rounds (server, baseline, server, baseline, ...) at each client count, and the medians are
reported, with the CPU per request read from /proc, the SQL statements per request from the
server's request log, and the deep-page and search figures at one client.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import json
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt

from bench import baseline, queries
from bench.dataset import Params, database_url, prepare_postgresql, prepare_sqlite
from bench.processes import (
    Service,
    WrkResult,
    cpu_snapshot,
    cpu_used,
    every_process,
    free_port,
    load_average,
    postgresql_backends,
    run_wrk,
)

PROJECT = Path(__file__).resolve().parent.parent
BENCH = PROJECT / "bench"
VAR = PROJECT / "var" / "bench"
LUA = BENCH / "load.lua"
SECRET = "bench-secret-that-is-long-enough-for-hs256-0123456789"  # noqa: S105 - local only
SEARCH_PREFIX = "Thér"
HUGE_LIMIT = "1000000000"
# The service's settings (tests/servers.py and settings.py): blanked, so that a developer's
# .env cannot change what is measured, then set below.
CONFIGURATION = (
    "APP_ENV", "DATABASE_URL", "AUTH_JWT_SECRET", "AUTH_JWKS_URL", "AUTH_ISSUER",
    "AUTH_AUDIENCE", "PUBLIC_URL", "INVITATION_TTL_DAYS", "SMTP_HOST", "SMTP_PORT",
    "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_STARTTLS", "MAIL_FROM", "MAIL_DIR",
    "OUTBOX_MAX_ATTEMPTS", "OUTBOX_RETRY_SECONDS", "REDIS_URL", "GRAPHQL_INTROSPECTION",
    "QUERY_MAX_COST", "RATE_LIMIT_PER_ACCOUNT", "RATE_LIMIT_PER_ADDRESS",
)  # fmt: skip


@dataclass(frozen=True)
class Config:
    smoke: bool
    params: Params
    workers: int
    clients: tuple[int, ...]
    rounds: int
    seconds: int
    warmup_seconds: int
    figure_seconds: int
    target_organizations: int
    databases: tuple[str, ...]
    postgresql_admin_url: str
    postgresql_database: str
    sqlite_path: Path
    output: Path
    load_at_start: str


def _config(argv: list[str] | None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny data set, short rounds")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", "2")))
    parser.add_argument("--clients", help="client counts, e.g. 16,64")
    parser.add_argument("--rounds", type=int, help="rounds per target and client count")
    parser.add_argument("--seconds", type=int, help="seconds per round")
    parser.add_argument(
        "--databases",
        default=os.environ.get("BENCH_DATABASES", "postgresql,sqlite"),
        help="postgresql,sqlite (either or both)",
    )
    parser.add_argument("--output", type=Path)
    arguments = parser.parse_args(argv)
    smoke = arguments.smoke
    params = (
        Params(organizations=20, contacts_per_organization=30, big_organization_contacts=2000)
        if smoke
        else Params()
    )
    clients = arguments.clients or ("16" if smoke else "16,64")
    admin_url = os.environ.get(
        "BENCH_POSTGRESQL_URL",
        os.environ.get("TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    return Config(
        smoke=smoke,
        params=params,
        workers=arguments.workers,
        clients=tuple(int(count) for count in clients.split(",")),
        rounds=arguments.rounds or (1 if smoke else 5),
        seconds=arguments.seconds or (2 if smoke else 5),
        warmup_seconds=0 if smoke else 3,
        figure_seconds=1 if smoke else 3,
        target_organizations=min(50, params.organizations),
        databases=tuple(name.strip() for name in arguments.databases.split(",") if name.strip()),
        postgresql_admin_url=admin_url,
        postgresql_database="bench_contacts_smoke" if smoke else "bench_contacts",
        sqlite_path=VAR / ("contacts-smoke.db" if smoke else "contacts.db"),
        output=arguments.output or (VAR / "smoke.md" if smoke else BENCH / "results" / "latest.md"),
        load_at_start=load_average(),
    )


# The data set and what to ask of it --------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    organization_id: int
    subject: str
    email: str
    name: str | None

    def authorization(self) -> str:
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "sub": self.subject,
            "email": self.email,
            "iat": now,
            "exp": now + timedelta(hours=6),
        }
        if self.name:
            claims["name"] = self.name
        return f"Bearer {jwt.encode(claims, SECRET, algorithm='HS256')}"


@dataclass(frozen=True)
class Request:
    authorization: str
    body: bytes

    def line(self) -> str:
        return f"POST\t/graphql\t{self.authorization}\t{self.body.decode()}\n"


@dataclass
class Workload:
    """The requests of each kind; a kind's file is what wrk sends, in turn."""

    requests: dict[str, list[Request]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)

    def write(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for kind, requests in self.requests.items():
            path = directory / f"{kind}.tsv"
            path.write_text("".join(request.line() for request in requests))
            self.files[kind] = path
        health = directory / "healthz.tsv"
        health.write_text("GET\t/healthz\t\t\n")
        self.files["healthz"] = health


# The first contact of each organization signs in (see dataset.first_contact_profiles).
VIEWERS_SQL = """
SELECT c.organization_id, a.subject, a.email, a.name
FROM contacts c
JOIN accounts a ON a.id = c.account_id
WHERE c.is_active
ORDER BY c.organization_id, c.id
"""
POSITION_SQL = """
SELECT is_primary, sort_last_name, sort_first_name, id FROM contacts
WHERE organization_id = {org} AND is_active
ORDER BY is_primary DESC, sort_last_name, sort_first_name, id
LIMIT 1 OFFSET {offset}
"""


def _fetch(config: Config, database: str, sql: str, *values: Any) -> list[tuple[Any, ...]]:
    if database == "sqlite":
        connection = sqlite3.connect(config.sqlite_path)
        try:
            marks = {f"p{n}": f"?{n}" for n in range(1, len(values) + 1)}
            return list(connection.execute(sql.format(**marks), values))
        finally:
            connection.close()

    async def fetch() -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(
            database_url(config.postgresql_admin_url, config.postgresql_database)
        )
        try:
            marks = {f"p{n}": f"${n}" for n in range(1, len(values) + 1)}
            return [tuple(row) for row in await connection.fetch(sql.format(**marks), *values)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def _workload(config: Config, database: str) -> tuple[Workload, dict[str, str]]:
    params = config.params
    viewers: dict[int, Viewer] = {}
    for organization_id, subject, email, name in _fetch(config, database, VIEWERS_SQL):
        viewers.setdefault(organization_id, Viewer(organization_id, subject, email, name))
    step = max(1, params.organizations // config.target_organizations)
    targets = [viewers[1 + i * step] for i in range(config.target_organizations)]
    big = viewers[params.big_organization_id]
    position = params.big_organization_contacts // 2
    sql = POSITION_SQL.replace("{org}", "{p1}").replace("{offset}", "{p2}")
    (row,) = _fetch(config, database, sql, params.big_organization_id, position - 1)
    cursor = queries.contact_cursor(bool(row[0]), row[1], row[2], row[3])
    big_token = big.authorization()
    workload = Workload(
        {
            "page": [
                Request(viewer.authorization(), queries.body(queries.PAGE, viewer.organization_id))
                for viewer in targets
            ],
            "big_page": [Request(big_token, queries.body(queries.PAGE, big.organization_id))],
            "deep_page": [
                Request(
                    big_token,
                    queries.body(queries.DEEP_PAGE, big.organization_id, after=cursor),
                )
            ],
            "search": [
                Request(
                    big_token,
                    queries.body(queries.SEARCH, big.organization_id, last_name=SEARCH_PREFIX),
                )
            ],
        }
    )
    workload.write(VAR / "requests" / database)
    facts = {
        "targets": f"{len(targets)} organizations of {params.contacts_per_organization} "
        f"contacts in turn, each asked by one of its contacts (organization or area "
        f"administrator, or member)",
        "deep": f"{position:,}",
    }
    return workload, facts


# Checking ------------------------------------------------------------------------------------


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "extensions"}


def check_same_answers(server: Service, baseline: Service, workload: Workload) -> dict[str, Any]:
    """Every request of the workload, to both: the same JSON after parsing, or stop."""
    statements: dict[str, list[int]] = defaultdict(list)
    notes: set[str] = set()
    with httpx.Client(timeout=60) as client:
        for kind, requests in workload.requests.items():
            for request in requests:
                answers = []
                for service in (server, baseline):
                    response = client.post(
                        f"{service.url}/graphql",
                        content=request.body,
                        headers={
                            "Authorization": request.authorization,
                            "Content-Type": "application/json",
                        },
                    )
                    if response.status_code != 200:
                        raise SystemExit(
                            f"{service.name} answered {response.status_code} to {kind}:\n"
                            f"{response.text[:2000]}"
                        )
                    answers.append(response.json())
                    if service is baseline:
                        statements[kind].append(int(response.headers["x-sql-statements"]))
                ours, theirs = answers
                if "extensions" in ours:
                    notes.add(f"the server adds `extensions` ({', '.join(ours['extensions'])})")
                if ours.get("errors") or not (ours.get("data") or {}).get("organization"):
                    raise SystemExit(
                        f"the server did not answer {kind}:\n{json.dumps(ours)[:2000]}"
                    )
                if _comparable(ours) != theirs:
                    diff = difflib.unified_diff(
                        json.dumps(_comparable(ours), indent=1, ensure_ascii=False).splitlines(),
                        json.dumps(theirs, indent=1, ensure_ascii=False).splitlines(),
                        "server",
                        "baseline",
                        lineterm="",
                        n=2,
                    )
                    raise SystemExit(
                        f"server and baseline differ on {kind}:\n" + "\n".join(list(diff)[:80])
                    )
                edges = ours["data"]["organization"]["contacts"]["edges"]
                if kind != "search" and len(edges) != 10:
                    raise SystemExit(f"{kind}: expected 10 contacts, got {len(edges)}")
    return {
        "baseline_statements": {kind: statistics.mean(v) for kind, v in statements.items()},
        "notes": sorted(notes),
    }


# Measuring -----------------------------------------------------------------------------------


@dataclass
class Round:
    wrk: WrkResult
    cpu_seconds: float
    database_cpu_seconds: float | None
    other_cpu_seconds: float
    process_cpu_seconds: list[float]  # each process of the target, most first
    resident_mb: list[float]  # each process of the target after the round, largest first

    def per_request_ms(self, seconds: float | None) -> float | None:
        if seconds is None or not self.wrk.requests:
            return None
        return seconds * 1000 / self.wrk.requests


def measure(
    service: Service, requests_file: Path, clients: int, seconds: int, database: str | None
) -> Round:
    """One wrk run against `service`, with the CPU its processes, the database's backends
    (PostgreSQL: `database`), wrk and everything else on the machine used meanwhile."""
    everything_before = cpu_snapshot(every_process())
    service_before = service.cpu_snapshot()
    database_before = cpu_snapshot(postgresql_backends(database)) if database else {}
    result = run_wrk(service.url, LUA, requests_file, clients=clients, seconds=seconds)
    service_after = service.cpu_snapshot()
    cpu = cpu_used(service_before, service_after)
    processes = sorted(
        (seconds - service_before.get(key, 0.0) for key, seconds in service_after.items()),
        reverse=True,
    )
    database_cpu = (
        cpu_used(database_before, cpu_snapshot(postgresql_backends(database))) if database else None
    )
    # wrk has exited by now: what remains is the target, its database, everything else.
    everything = cpu_used(everything_before, cpu_snapshot(every_process()))
    other = everything - cpu - (database_cpu or 0.0)
    return Round(result, cpu, database_cpu, max(0.0, other), processes, service.resident_mb())


def _median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


@dataclass
class Series:
    rounds: list[Round] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return statistics.median(r.wrk.rate for r in self.rounds)

    @property
    def p50(self) -> float:
        return statistics.median(r.wrk.p50_ms for r in self.rounds)

    @property
    def p99(self) -> float:
        return statistics.median(r.wrk.p99_ms for r in self.rounds)

    @property
    def cpu_ms(self) -> float | None:
        return _median([r.per_request_ms(r.cpu_seconds) for r in self.rounds])

    @property
    def database_cpu_ms(self) -> float | None:
        return _median([r.per_request_ms(r.database_cpu_seconds) for r in self.rounds])

    @property
    def wrk_cpu_ms(self) -> float | None:
        return _median([r.per_request_ms(r.wrk.cpu_seconds) for r in self.rounds])

    @property
    def wrk_core_share(self) -> float:
        return statistics.median(r.wrk.cpu_seconds / r.wrk.seconds for r in self.rounds)

    @property
    def service_core_share(self) -> float:
        return statistics.median(r.cpu_seconds / r.wrk.seconds for r in self.rounds)

    def worker_cores(self, workers: int) -> list[float]:
        """The cores used by each worker (the busiest first), median of the rounds."""
        return [
            statistics.median(
                r.process_cpu_seconds[n] / r.wrk.seconds if n < len(r.process_cpu_seconds) else 0
                for r in self.rounds
            )
            for n in range(workers)
        ]

    @property
    def other_cores(self) -> float:
        """Cores kept busy by everything else on the machine during the rounds."""
        return statistics.median(r.other_cpu_seconds / r.wrk.seconds for r in self.rounds)

    @property
    def errors(self) -> int:
        return sum(r.wrk.errors for r in self.rounds)


def paired_ratio(server: Series, baseline: Series) -> float:
    """The median of server/baseline over rounds run one after the other."""
    return statistics.median(
        s.wrk.rate / b.wrk.rate
        for s, b in zip(server.rounds, baseline.rounds, strict=True)
        if b.wrk.rate
    )


@dataclass
class DatabaseResult:
    database: str
    version: str
    built: bool
    facts: dict[str, str]
    check: dict[str, Any]
    health: dict[str, Series]
    load: dict[tuple[int, str], Series]
    figures: dict[tuple[str, str], Series]
    server_statements: dict[str, list[int]]
    server_errors: int


def _server_env(config: Config, database: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(dict.fromkeys(CONFIGURATION, ""))
    url = (
        database_url(config.postgresql_admin_url, config.postgresql_database)
        if database == "postgresql"
        else f"sqlite:///{config.sqlite_path}"
    )
    env.update(
        {
            "APP_ENV": "production",
            "DATABASE_URL": url,
            "AUTH_JWT_SECRET": SECRET,
            "MAIL_DIR": str(VAR / "mail"),
            # The rate limits are per client address and account; wrk is one address.
            "RATE_LIMIT_PER_ACCOUNT": HUGE_LIMIT,
            "RATE_LIMIT_PER_ADDRESS": HUGE_LIMIT,
            # The timed work (digests for every organization of the data set, whose access is
            # all due for review) would run in the rounds and be counted as the page's cost.
            "SCHEDULER": "off",
            # The baseline's pool: up to this many connections a worker, kept open. With a
            # smaller pool and overflow, the server would open and close connections on every
            # burst.
            "DATABASE_POOL_SIZE": str(baseline.POSTGRESQL_POOL_SIZE),
            "DATABASE_MAX_OVERFLOW": "0",
            "PYTHONUNBUFFERED": "1",
            "BENCH_DATABASE_URL": url,
        }
    )
    return env


def _start(config: Config, database: str, stack: ExitStack) -> tuple[Service, Service]:
    env = _server_env(config, database)
    executables = Path(sys.executable).parent
    server_port, baseline_port = free_port(), free_port()
    server_log = VAR / f"server-{database}.log"
    baseline_log = VAR / f"baseline-{database}.log"
    for log in (server_log, baseline_log):
        log.unlink(missing_ok=True)
    server = Service.start(
        "server",
        [
            str(executables / "contacts"),
            "serve",
            "--host=127.0.0.1",
            f"--port={server_port}",
            f"--workers={config.workers}",
        ],
        env,
        PROJECT,
        server_log,
        server_port,
    )
    stack.callback(server.stop)
    baseline = Service.start(
        "baseline",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.baseline:create_app",
            "--factory",
            "--host=127.0.0.1",
            f"--port={baseline_port}",
            f"--workers={config.workers}",
            "--no-access-log",
            "--log-level=warning",
        ],
        env,
        PROJECT,
        baseline_log,
        baseline_port,
    )
    stack.callback(baseline.stop)
    server.wait_until_healthy(config.workers)
    baseline.wait_until_healthy(config.workers)
    return server, baseline


def _server_statements(log: Path) -> tuple[dict[str, list[int]], int]:
    statements: dict[str, list[int]] = defaultdict(list)
    errors = 0
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        if entry.get("level") in {"error", "critical"}:
            errors += 1
        if entry.get("logger") == "contacts.requests" and "sql_statements" in entry:
            statements[str(entry.get("operation"))].append(int(entry["sql_statements"]))
    return statements, errors


_STARTED = time.perf_counter()


def _progress(text: str) -> None:
    print(f"  [{time.perf_counter() - _STARTED:5.1f} s] {text}", flush=True)


def run_database(config: Config, database: str) -> DatabaseResult | None:
    postgresql = database == "postgresql"
    backends = config.postgresql_database if postgresql else None
    print(f"\n== {database}", flush=True)
    started = time.perf_counter()
    if postgresql:
        try:
            built = asyncio.run(
                prepare_postgresql(
                    config.postgresql_admin_url, config.postgresql_database, config.params
                )
            )
        except (OSError, asyncpg.PostgresError) as error:
            message = f"PostgreSQL at {config.postgresql_admin_url} is not reachable: {error}"
            if os.environ.get("REQUIRE_POSTGRESQL") == "1" or not config.smoke:
                raise SystemExit(message) from None
            print(f"  skipped: {message}")
            return None
        (version,) = _fetch(config, database, "SHOW server_version")[0]
        version = f"PostgreSQL {version}"
    else:
        built = prepare_sqlite(config.sqlite_path, config.params)
        version = f"SQLite {sqlite3.sqlite_version}"
    _progress(f"data set {'built' if built else 'reused'} ({time.perf_counter() - started:.1f} s)")
    workload, facts = _workload(config, database)

    with ExitStack() as stack:
        server, baseline = _start(config, database, stack)
        _progress(f"server {server.url} (PIDs {server.pids()}), baseline {baseline.url}")
        check = check_same_answers(server, baseline, workload)
        _progress("server and baseline give the same answers")

        health: dict[str, Series] = {}
        for service in (server, baseline):
            series = health.setdefault(service.name, Series())
            series.rounds.append(
                measure(service, workload.files["healthz"], 16, config.figure_seconds, backends)
            )
        _progress(
            "/healthz at 16 clients: "
            + ", ".join(f"{name} {series.rate:,.0f}/s" for name, series in health.items())
        )

        load: dict[tuple[int, str], Series] = {}
        for clients in config.clients:
            for service in (server, baseline) if config.warmup_seconds else ():
                # Warm-up: pools, caches, lazy imports.
                measure(service, workload.files["page"], clients, config.warmup_seconds, None)
            for number in range(config.rounds):
                for service in (server, baseline):
                    round_ = measure(
                        service, workload.files["page"], clients, config.seconds, backends
                    )
                    load.setdefault((clients, service.name), Series()).rounds.append(round_)
                    _progress(
                        f"{clients} clients, round {number + 1}, {service.name}: "
                        f"{round_.wrk.rate:,.0f}/s, p50 {round_.wrk.p50_ms:.1f} ms"
                    )

        figures: dict[tuple[str, str], Series] = {}
        kinds = ("page", "big_page", "deep_page", "search")
        for number in range(config.rounds):
            for kind in kinds:
                for service in (server, baseline):
                    round_ = measure(
                        service, workload.files[kind], 1, config.figure_seconds, backends
                    )
                    figures.setdefault((kind, service.name), Series()).rounds.append(round_)
            _progress(
                f"one client, round {number + 1}: "
                + ", ".join(
                    f"{kind} {figures[(kind, 'server')].rounds[-1].wrk.p50_ms:.2f} ms"
                    for kind in kinds
                )
            )
    statements, errors = _server_statements(server.log)
    return DatabaseResult(
        database, version, built, facts, check, health, load, figures, statements, errors
    )


# The report ----------------------------------------------------------------------------------


def _ms(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _mean(values: list[int]) -> str:
    if not values:
        return "—"
    low, high = min(values), max(values)
    return f"{statistics.mean(values):.1f}" + ("" if low == high else f" ({low}–{high})")


KIND_LABELS = {
    "page": "page 1, organizations of {n} contacts",
    "big_page": "page 1, organization of {big} contacts",
    "deep_page": "page after position {deep}, organization of {big} contacts",
    "search": 'last name "{prefix}…", organization of {big} contacts',
}
KIND_OPERATIONS = {
    "page": queries.PAGE,
    "big_page": queries.PAGE,
    "deep_page": queries.DEEP_PAGE,
    "search": queries.SEARCH,
}


def _database_section(config: Config, result: DatabaseResult) -> Iterator[str]:
    title = "PostgreSQL" if result.database == "postgresql" else "SQLite"
    postgresql = result.database == "postgresql"
    yield f"## {title} ({result.version})"
    yield ""
    yield (
        f"Contacts page: {result.facts['targets']}. Medians of {config.rounds} rounds of "
        f"{config.seconds} s per target, server and baseline alternating; "
        f"{config.workers} workers each."
    )
    yield ""
    yield (
        "| clients | target | req/s | p50 ms | p99 ms | CPU ms/req | DB CPU ms/req "
        "| SQL/req | errors | others' cores | server ÷ baseline |"
    )
    yield "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
    page_statements = result.server_statements.get(queries.PAGE, [])
    for clients in config.clients:
        server = result.load[(clients, "server")]
        baseline = result.load[(clients, "baseline")]
        for name, series in (("server", server), ("baseline", baseline)):
            if name == "server":
                statements = _mean(page_statements)
                cpu_ratio = (server.cpu_ms or 0) / (baseline.cpu_ms or 1)
                ratio = f"**{paired_ratio(server, baseline):.3f}×** req/s; {cpu_ratio:.1f}× CPU"
            else:
                statements = f"{result.check['baseline_statements']['page']:.1f}"
                ratio = ""
            yield (
                f"| {clients} | {name} | {series.rate:,.0f} | {series.p50:.1f} | "
                f"{series.p99:.1f} | {_ms(series.cpu_ms)} | {_ms(series.database_cpu_ms)} | "
                f"{statements} | {series.errors} | {series.other_cores:.2f} | {ratio} |"
            )
    yield ""
    yield (
        "req/s: ratio is the median over consecutive (server, baseline) round pairs. "
        "CPU ms/req: user + system time of the target's processes (uvicorn's supervisor and "
        "workers, /proc/PID/stat) over a round, divided by the requests answered. "
        + (
            "DB CPU: the PostgreSQL backends connected to the benchmark's database, the same way. "
            if postgresql
            else "SQLite runs inside the target's processes: its CPU is in CPU ms/req. "
        )
        + "SQL/req: the server's request log (`sql_statements`, every request of the run); "
        "the baseline's own count. Others' cores: CPU used meanwhile by every other process "
        "on the machine (median round), which the targets could not have."
    )
    yield ""
    yield (
        f"Deep page and search: one client (wrk -c1), medians of {config.rounds} rounds of "
        f"{config.figure_seconds} s; totalCount included everywhere; ratios of p50."
    )
    yield ""
    yield (
        "| request | server p50 ms | ÷ same org page 1 | ÷ page 1 | server CPU ms/req "
        "| DB CPU ms/req | SQL/req | others' cores | baseline p50 ms | ÷ same org page 1 |"
    )
    yield "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    labels = {
        "n": config.params.contacts_per_organization,
        "big": f"{config.params.big_organization_contacts:,}",
        "deep": result.facts["deep"],
        "prefix": SEARCH_PREFIX,
    }
    server_big = result.figures[("big_page", "server")].p50
    server_page = result.figures[("page", "server")].p50
    baseline_big = result.figures[("big_page", "baseline")].p50
    for kind in ("page", "big_page", "deep_page", "search"):
        server = result.figures[(kind, "server")]
        baseline = result.figures[(kind, "baseline")]
        same_org = "" if kind == "page" else f"{server.p50 / server_big:.2f}×"
        baseline_same_org = "" if kind == "page" else f"{baseline.p50 / baseline_big:.2f}×"
        statements = _mean(result.server_statements.get(KIND_OPERATIONS[kind], []))
        yield (
            f"| {KIND_LABELS[kind].format(**labels)} | {server.p50:.2f} | {same_org} | "
            f"{server.p50 / server_page:.2f}× | {_ms(server.cpu_ms)} | "
            f"{_ms(server.database_cpu_ms)} | {statements} | {server.other_cores:.2f} | "
            f"{baseline.p50:.2f} | "
            f"{baseline_same_org} |"
        )
    yield ""
    yield "The load generator is not the bottleneck:"
    yield ""
    for clients in config.clients:
        for name in ("server", "baseline"):
            series = result.load[(clients, name)]
            split = " + ".join(f"{cores:.2f}" for cores in series.worker_cores(config.workers))
            yield (
                f"- {clients} clients, {name}: wrk used {_ms(series.wrk_cpu_ms, 3)} ms CPU per "
                f"request ({series.wrk_core_share:.0%} of one core) while the {name} used "
                f"{_ms(series.cpu_ms)} ms ({series.service_core_share:.0%} of one core; its "
                f"busiest processes {split} cores)."
            )
    yield ""
    yield (
        "Memory: resident size of the server's largest process (a worker; MB) after each "
        "round under load, in the order they ran:"
    )
    yield ""
    loaded = 0.0
    for clients in config.clients:
        sizes = []
        for round_ in result.load[(clients, "server")].rounds:
            loaded += round_.wrk.seconds
            sizes.append(f"{round_.resident_mb[0]:.0f} after {loaded:.0f} s")
        yield f"- {clients} clients: " + ", ".join(sizes) + "."
    yield ""
    health_server, health_baseline = result.health["server"], result.health["baseline"]
    yield (
        f"- the same wrk gets {health_server.rate:,.0f} req/s from the server's /healthz and "
        f"{health_baseline.rate:,.0f} req/s from the baseline's, at 16 clients."
    )
    everything = [
        round_
        for series in (*result.load.values(), *result.figures.values())
        for round_ in series.rounds
    ]
    other = statistics.median(r.other_cpu_seconds / r.wrk.seconds for r in everything)
    busiest = max(r.other_cpu_seconds / r.wrk.seconds for r in everything)
    yield ""
    disturbed = other > 0.15 or busiest > 0.5
    yield (
        f"{'**Disturbed:** ' if disturbed else ''}other processes on the machine kept "
        f"{other:.2f} cores busy during a median round (at most {busiest:.2f})"
        + (": the figures above are lower than on a quiet machine." if disturbed else ".")
    )
    notes = [f"the server logged {result.server_errors} error line(s): see var/bench/."] * bool(
        result.server_errors
    )
    notes += [f"{note}; it is left out of the comparison." for note in result.check["notes"]]
    if notes:
        yield ""
        yield from (f"Note: {note}" for note in notes)
    yield ""


def _git() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=PROJECT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with uncommitted changes" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def report(config: Config, results: list[DatabaseResult], elapsed: float) -> str:
    params = config.params
    lines = [
        f"# Contacts page benchmark{' (smoke)' if config.smoke else ''}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {_git()}; {os.cpu_count()} cores "
        f"({_cpu_model()}), Python {platform.python_version()}; {elapsed / 60:.1f} minutes; "
        f"load average at the start {config.load_at_start}.",
        "",
        f"Data: {params.organizations:,} organizations × {params.contacts_per_organization} "
        f"contacts plus one of {params.big_organization_contacts:,} (seed {params.seed}). "
        f"The query: the first 10 active contacts in the contract's order with every scalar "
        f"field, securityProfiles {{ code name }}, invitation {{ status expiresAt }}, "
        f"cursors, totalCount and pageInfo (bench/queries.py). The server: `contacts serve "
        f"--workers {config.workers}`; the baseline: bench/baseline.py, {config.workers} "
        f"workers. Load: wrk over loopback (bench/load.lua).",
        "",
    ]
    for result in results:
        lines.extend(_database_section(config, result))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    config = _config(argv)
    if subprocess.run(["which", "wrk"], capture_output=True, check=False).returncode:  # noqa: S607
        print("wrk is not installed: apt-get install wrk (make bench does)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results: list[DatabaseResult] = []
    for name in config.databases:
        if name not in {"postgresql", "sqlite"}:
            print(f"unknown database {name!r}", file=sys.stderr)
            return 2
        result = run_database(config, name)
        if result is not None:
            results.append(result)
    text = report(config, results, time.perf_counter() - started)
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(text)
    print("\n" + text)
    print(f"written to {config.output.relative_to(PROJECT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
