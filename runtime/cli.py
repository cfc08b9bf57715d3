"""The `contacts` command: serve, migrate, seed the demo, manage staff, mint tokens, do the
timed work."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError

from contacts_api import migrations
from contacts_api.edge.authentication import issue_development_token
from contacts_api.mail.outbox import OutboxSender
from contacts_api.models.database import create_engine, create_session_factory
from contacts_api.rules import authorization
from contacts_api.runtime.logs import LOG_CONFIG
from contacts_api.runtime.scheduler import Scheduler
from contacts_api.runtime.settings import ConfigurationError, Settings

# prometheus_client's multiprocess folder (the name runtime.metrics reads; not imported here,
# as importing prometheus_client fixes its storage).
MULTIPROCESS_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        settings = Settings.from_environment()
    except ConfigurationError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    return int(arguments.handler(settings, arguments) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contacts", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(handler=_serve)

    database = commands.add_parser("db", help="database schema")
    database_commands = database.add_subparsers(required=True, metavar="COMMAND")
    upgrade = database_commands.add_parser("upgrade", help="apply every pending migration")
    upgrade.set_defaults(handler=_upgrade)

    seed = commands.add_parser("seed-demo", help="write the demo organizations (idempotent)")
    seed.set_defaults(handler=_seed_demo)

    staff = commands.add_parser("staff", help="department staff accounts")
    staff_commands = staff.add_subparsers(required=True, metavar="COMMAND")
    staff_add = staff_commands.add_parser("add", help="mark the account with EMAIL as staff")
    staff_add.add_argument("email")
    staff_add.set_defaults(handler=_staff_add)

    token = commands.add_parser("token", help="print a development token (HS256)")
    token.add_argument("email")
    token.add_argument("--name")
    token.add_argument("--hours", type=float, default=12)
    token.set_defaults(handler=_token)

    outbox = commands.add_parser("outbox", help="queued emails")
    outbox_commands = outbox.add_subparsers(required=True, metavar="COMMAND")
    send = outbox_commands.add_parser("send", help="deliver the emails that are due, then stop")
    send.add_argument("--watch", action="store_true", help="keep delivering until interrupted")
    send.set_defaults(handler=_outbox_send)

    jobs = commands.add_parser("jobs", help="timed work: reminders, notices, reviews, lapse")
    jobs_commands = jobs.add_subparsers(required=True, metavar="COMMAND")
    run = jobs_commands.add_parser(
        "run", help="do the timed work that is due and deliver the emails, then stop"
    )
    run.add_argument(
        "--watch", action="store_true", help="keep doing it until interrupted (SIGINT, SIGTERM)"
    )
    run.set_defaults(handler=_jobs_run)

    export = commands.add_parser("export-schema", help="write the schema as SDL")
    export.add_argument(
        "--output", type=Path, default=Path("schema.graphql"), help="default: ./schema.graphql"
    )
    export.set_defaults(handler=_export_schema)
    return parser


def _serve(settings: Settings, arguments: argparse.Namespace) -> None:
    """Migrate, then serve with uvicorn: every worker counts its metrics in one shared folder
    (prometheus_client's multiprocess mode), which `METRICS=<port>` serves apart."""
    import uvicorn

    asyncio.run(_migrate(settings))
    directory = Path(tempfile.mkdtemp(prefix="contacts-metrics-"))
    # Before any worker imports prometheus_client: it picks its storage when imported.
    os.environ[MULTIPROCESS_DIRECTORY] = str(directory)
    if settings.metrics_port is not None:
        from contacts_api.runtime.metrics import serve_every_worker

        serve_every_worker(arguments.host, settings.metrics_port)
        print(f"metrics on http://{arguments.host}:{settings.metrics_port}/metrics", flush=True)
    print(f"GraphQL and GraphiQL on http://{arguments.host}:{arguments.port}/graphql", flush=True)
    try:
        uvicorn.run(
            "contacts_api.server:app_from_environment",
            factory=True,
            host=arguments.host,
            port=arguments.port,
            workers=arguments.workers,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            log_config=LOG_CONFIG,
            timeout_graceful_shutdown=30,
        )
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _upgrade(settings: Settings, _arguments: argparse.Namespace) -> None:
    asyncio.run(_migrate(settings))
    print("database is up to date")


async def _migrate(settings: Settings) -> None:
    """Migrate; a database that cannot be reached stops the command with one line naming it."""
    if settings.is_sqlite:
        Path(settings.database_url.partition(":///")[2]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, settings.database_pool)
    try:
        await migrations.upgrade(engine)
    except (OSError, TimeoutError, DBAPIError, asyncpg.PostgresError) as error:
        raise SystemExit(unreachable(settings.database_url, error)) from None
    finally:
        await engine.dispose()


def unreachable(database_url: str, error: BaseException) -> str:
    """One line: which database could not be reached (never its password), and why."""
    url = make_url(database_url)
    where = (
        f"file {url.database}"
        if url.get_backend_name() == "sqlite"
        else f"host {url.host or 'localhost'}, port {url.port or 5432}, database {url.database}"
    )
    cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
    reason = " ".join(str(cause).split())[:300] or type(cause).__name__
    return f"cannot reach the database of DATABASE_URL ({where}): {reason}"


def _seed_demo(settings: Settings, _arguments: argparse.Namespace) -> None:
    from contacts_api.runtime import demo

    asyncio.run(_migrate(settings))
    accounts = asyncio.run(demo.seed(settings))
    print("Demo accounts (paste a header into GraphiQL's Headers tab):")
    for account in accounts:
        token = issue_development_token(
            settings, email=account.email, name=account.name, lifetime=timedelta(days=30)
        )
        print(f"\n  {account.role}: {account.name} <{account.email}>")
        print(f'  {{"Authorization": "Bearer {token}"}}')


def _staff_add(settings: Settings, arguments: argparse.Namespace) -> None:
    email = arguments.email.strip()
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise SystemExit(f"not an email address: {email!r}") from None
    print(asyncio.run(_mark_staff(settings, email)))


async def _mark_staff(settings: Settings, email: str) -> str:
    engine = create_engine(settings.database_url, settings.database_pool)
    try:
        async with create_session_factory(engine).begin() as session:
            marked = await authorization.mark_staff(session, email, now=datetime.now(UTC))
    finally:
        await engine.dispose()
    if marked is None:
        return f"{email} is announced as staff: the first verified sign-in with it becomes staff"
    return f"{email} is staff (account {marked})"


def _token(settings: Settings, arguments: argparse.Namespace) -> None:
    print(
        issue_development_token(
            settings,
            email=arguments.email,
            name=arguments.name,
            lifetime=timedelta(hours=arguments.hours),
        )
    )


def _outbox_send(settings: Settings, arguments: argparse.Namespace) -> None:
    async def send() -> int:
        engine = create_engine(settings.database_url, settings.database_pool)
        sender = OutboxSender(
            create_session_factory(engine), settings, clock=lambda: datetime.now(UTC)
        )
        try:
            if arguments.watch:
                await sender.run(asyncio.Event())
            return await sender.send_due()
        finally:
            await engine.dispose()

    attempts = asyncio.run(send())
    print(f"{attempts} delivery attempt(s)")


def _jobs_run(settings: Settings, arguments: argparse.Namespace) -> int:
    """Exit status 1 when a pass failed (the error is logged), so that cron sees it."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    async def run() -> int:
        engine = create_engine(settings.database_url, settings.database_pool)
        sessions = create_session_factory(engine)
        clock = lambda: datetime.now(UTC)  # noqa: E731
        sender = OutboxSender(sessions, settings, clock=clock)
        failures: list[str] = []
        scheduler = Scheduler(
            sessions,
            settings,
            clock=clock,
            on_done=lambda job, _count: failures.append(job) if job == "error" else None,
        )
        try:
            if not arguments.watch:
                done = await scheduler.run_once()
                attempts = await sender.send_due()
                print(
                    ", ".join(f"{job} {count}" for job, count in dataclasses.asdict(done).items())
                    + f"; {attempts} delivery attempt(s)"
                )
                return 1 if done.errors else 0
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signal_number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signal_number, stop.set)
            await asyncio.gather(scheduler.run(stop), sender.run(stop))
            return 1 if failures else 0
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (OSError, TimeoutError, DBAPIError, asyncpg.PostgresError) as error:
        print(unreachable(settings.database_url, error), file=sys.stderr)
        return 1
    except Exception:
        logging.getLogger("contacts.scheduler").exception("timed work failed")
        return 1


def _export_schema(_settings: Settings, arguments: argparse.Namespace) -> None:
    from contacts_api.schema import schema

    arguments.output.write_text(str(schema) + "\n")
    print(f"wrote {arguments.output}")


if __name__ == "__main__":
    sys.exit(main())
