"""The `contacts` command, run for real as a subprocess, and `contacts serve` as a real server."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import jwt
import pytest
from graphql import build_schema

from contacts_api.edge.authentication import TokenVerifier
from contacts_api.rules.authorization import Claims
from contacts_api.runtime.settings import Settings
from tests.servers import CONTACTS, environment, run_server

SECRET = "cli-test-secret-that-is-long-enough-for-hs256-0123456789"
ADMINISTRATOR = "marieeve.theriault@halifaxcareercentre.example"
HALIFAX = "Nova Scotia Works — Halifax Career Centre"
DEMO_ORGANIZATIONS = 3
HALIFAX_ACTIVE_CONTACTS = 30

ORGANIZATION_CONTACTS = """
query OrganizationContacts {
  viewer {
    account { email name isStaff }
    organizations {
      nodes {
        name
        viewerIsAdministrator
        contacts(first: 100) {
          totalCount
          nodes { firstName lastName isPrimary }
        }
      }
    }
  }
}
"""


class Cli:
    """The command with a fresh SQLite database and a clean environment."""

    def __init__(self, tmp_path: Path) -> None:
        self.directory = tmp_path
        self.database = tmp_path / "contacts.db"
        self.env = environment(tmp_path, SECRET)

    @property
    def settings(self) -> Settings:
        return Settings.from_mapping(self.env)

    def run(
        self, *arguments: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
            [str(CONTACTS), *arguments],
            env={**self.env, **(env or {})},
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def ok(self, *arguments: str) -> str:
        result = self.run(*arguments)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def query(self, sql: str, *parameters: object) -> list[tuple[object, ...]]:
        connection = sqlite3.connect(self.database)
        try:
            return connection.execute(sql, parameters).fetchall()
        finally:
            connection.close()

    def count(self, table: str) -> int:
        [(number,)] = self.query(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
        assert isinstance(number, int)
        return number


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    assert CONTACTS.is_file(), f"the console script is not installed at {CONTACTS}"
    return Cli(tmp_path)


def test_db_upgrade_creates_the_schema(cli: Cli) -> None:
    assert not cli.database.exists()

    assert "up to date" in cli.ok("db", "upgrade")
    # Running it again is harmless.
    assert "up to date" in cli.ok("db", "upgrade")

    tables = {name for (name,) in cli.query("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"accounts", "organizations", "contacts", "invitations"} <= tables
    assert cli.count("accounts") == 0


async def test_seed_demo_prints_accounts_and_is_idempotent(cli: Cli) -> None:
    first = cli.ok("seed-demo")
    contacts = cli.count("contacts")
    accounts = cli.count("accounts")
    invitations = cli.count("invitations")
    second = cli.ok("seed-demo")

    assert cli.count("organizations") == DEMO_ORGANIZATIONS
    assert contacts > HALIFAX_ACTIVE_CONTACTS
    assert (cli.count("contacts"), cli.count("accounts"), cli.count("invitations")) == (
        contacts,
        accounts,
        invitations,
    )
    tokens = re.findall(r'\{"Authorization": "Bearer ([\w.-]+)"\}', first)
    assert len(tokens) == len(re.findall(r'"Authorization"', second)) >= 5
    verifier = TokenVerifier(cli.settings)
    claims = [await verifier.verify(f"Bearer {token}") for token in tokens]
    assert None not in claims
    emails = {claim.email for claim in claims if claim is not None}
    assert {ADMINISTRATOR, "staff@novascotia.example"} <= emails


def test_jobs_run_does_what_is_due_once_and_delivers_it(cli: Cli) -> None:
    cli.ok("seed-demo")
    emails = cli.count("outbound_emails")

    first = cli.ok("jobs", "run")
    second = cli.ok("jobs", "run")

    # The demo's access was granted over a year ago, and one of its invitations has expired.
    assert re.search(r"expired 1\b", first), first
    assert re.search(r"digests [1-9]", first), first
    assert re.search(r"expired 0, failed 0, digests 0, lapsed 0", second), second
    assert cli.count("outbound_emails") > emails
    [(queued,)] = cli.query("SELECT count(*) FROM outbound_emails WHERE status = 'QUEUED'")
    assert queued == 0
    assert list((cli.directory / "mail").glob("*.eml"))


def test_staff_add_marks_an_account_before_and_after_its_first_sign_in(cli: Cli) -> None:
    cli.ok("seed-demo")
    [(email, was_staff)] = cli.query(
        "SELECT email, is_staff FROM accounts WHERE email = ?", ADMINISTRATOR
    )
    assert not was_staff
    accounts = cli.count("accounts")

    assert "is staff" in cli.ok("staff", "add", ADMINISTRATOR.upper())
    assert "is announced as staff" in cli.ok("staff", "add", "New.Staff@NovaScotia.example")

    assert cli.query("SELECT is_staff FROM accounts WHERE email = ?", email) == [(1,)]
    assert cli.query(
        "SELECT subject, is_staff FROM accounts WHERE lower(email) = 'new.staff@novascotia.example'"
    ) == [(None, 1)]
    assert cli.count("accounts") == accounts + 1
    # Announcing again creates no second account.
    cli.ok("staff", "add", "new.staff@novascotia.example")
    assert cli.count("accounts") == accounts + 1


def test_staff_add_refuses_something_that_is_not_an_email(cli: Cli) -> None:
    result = cli.run("staff", "add", "not-an-email")

    assert result.returncode != 0
    assert "not-an-email" in result.stderr
    assert "Traceback" not in result.stderr
    assert not cli.database.exists()


async def test_token_prints_a_token_the_verifier_accepts(cli: Cli) -> None:
    token = cli.ok("token", "Jo.Doe@Example.org", "--name", "Jo Doe", "--hours", "2").strip()

    claims = await TokenVerifier(cli.settings).verify(f"Bearer {token}")

    assert claims == Claims(
        subject="dev|jo.doe@example.org", email="Jo.Doe@Example.org", name="Jo Doe"
    )
    payload = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert payload["exp"] - payload["iat"] == 2 * 3600
    assert abs(payload["iat"] - time.time()) < 60


def test_export_schema_writes_the_sdl(cli: Cli) -> None:
    output = cli.directory / "exported" / "schema.graphql"
    output.parent.mkdir()

    assert str(output) in cli.ok("export-schema", "--output", str(output))

    sdl = output.read_text()
    assert "type Query" in sdl
    assert "type Mutation" in sdl
    schema = build_schema(sdl)
    assert schema.query_type is not None
    assert "viewer" in schema.query_type.fields


@pytest.mark.parametrize(
    ("environment", "variable"),
    [
        ({"INVITATION_TTL_DAYS": "abc"}, "INVITATION_TTL_DAYS"),
        ({"DATABASE_URL": "mysql://app:pw@db/contacts"}, "DATABASE_URL"),
        ({"APP_ENV": "production", "AUTH_JWT_SECRET": ""}, "AUTH_JWKS_URL"),
    ],
    ids=["ttl-abc", "mysql", "production-without-token-check"],
)
def test_a_bad_configuration_exits_2_with_a_clear_message(
    cli: Cli, environment: dict[str, str], variable: str
) -> None:
    result = cli.run("db", "upgrade", env=environment)

    assert result.returncode == 2
    assert result.stderr.startswith("configuration error:")
    assert variable in result.stderr
    assert "Traceback" not in result.stderr
    assert not cli.database.exists()


def test_serve_answers_health_checks_and_graphql(cli: Cli) -> None:
    with run_server(cli.directory, env=cli.env, seed=True) as server:
        token = server.token(ADMINISTRATOR, "Marie-Ève Thériault")
        with httpx.Client(base_url=server.url, timeout=5) as client:
            health = client.get("/healthz")
            assert health.status_code == 200
            assert health.json() == {"status": "ok"}
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json() == {"status": "ready", "database": "ok"}

            anonymous = client.post("/graphql", json={"query": ORGANIZATION_CONTACTS})
            assert anonymous.status_code == 200
            assert anonymous.json()["data"] == {"viewer": None}

            response = client.post(
                "/graphql",
                json={"query": ORGANIZATION_CONTACTS},
                headers={"Authorization": f"Bearer {token}"},
            )

    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    viewer = body["data"]["viewer"]
    assert viewer["account"] == {
        "email": ADMINISTRATOR,
        "name": "Marie-Ève Thériault",
        "isStaff": False,
    }
    [organization] = viewer["organizations"]["nodes"]
    assert organization["name"] == HALIFAX
    assert organization["viewerIsAdministrator"] is True
    contacts = organization["contacts"]
    assert contacts["totalCount"] == HALIFAX_ACTIVE_CONTACTS
    assert len(contacts["nodes"]) == HALIFAX_ACTIVE_CONTACTS
    assert contacts["nodes"][0] == {
        "firstName": "Marie-Ève",
        "lastName": "Thériault",
        "isPrimary": True,
    }
    last_names = [node["lastName"] for node in contacts["nodes"]]
    assert "MacKinnon" not in last_names  # inactive
    assert last_names.index("Doucet") < last_names.index("Émond") < last_names.index("Fraser")


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("postgresql://app:s3cret-password@127.0.0.1:1/contacts", "host 127.0.0.1, port 1"),
        ("postgresql://app:s3cret-password@db.invalid/contacts", "host db.invalid, port 5432"),
    ],
)
@pytest.mark.parametrize("command", [("db", "upgrade"), ("serve", "--port", "1"), ("jobs", "run")])
def test_a_database_out_of_reach_stops_with_one_line_naming_it(
    cli: Cli, url: str, where: str, command: tuple[str, ...]
) -> None:
    result = cli.run(*command, env={"DATABASE_URL": url})

    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("cannot reach the database of DATABASE_URL")
    assert where in line
    assert "s3cret-password" not in line
