"""Configuration: sensible defaults, and a bad value fails at start-up naming its variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from contacts_api.models.database import PoolOptions
from contacts_api.runtime.settings import (
    DEVELOPMENT_SECRET_FILE,
    ConfigurationError,
    Settings,
    normalize_database_url,
)

SECRET = "settings-test-secret-long-enough-for-hs256-0123456789"
JWKS = {
    "AUTH_JWKS_URL": "https://id.novascotia.example/.well-known/jwks.json",
    "AUTH_ISSUER": "https://id.novascotia.example/",
    "AUTH_AUDIENCE": "organization-contacts",
}


@pytest.fixture(autouse=True)
def working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test runs in a directory of its own: the state defaults to var/ in it."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(working_directory: Path) -> None:
    settings = Settings.from_mapping({"AUTH_JWT_SECRET": SECRET})
    var = working_directory.resolve() / "var"

    assert settings.environment == "development"
    assert settings.state_dir == var
    assert settings.database_url == f"sqlite+aiosqlite:///{var / 'contacts.db'}"
    assert settings.is_sqlite
    assert settings.auth_jwt_secret == SECRET
    assert settings.auth_jwks_url is None
    assert settings.auth_issuer is None
    assert settings.auth_audience is None
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.invitation_ttl_days == 30
    assert settings.smtp_host is None
    assert settings.smtp_port == 587
    assert settings.smtp_username is None
    assert settings.smtp_password is None
    assert settings.smtp_starttls is True
    assert settings.mail_from
    assert settings.mail_dir == var / "mail"
    assert settings.redis_url is None


def test_every_variable_is_read() -> None:
    settings = Settings.from_mapping(
        {
            "APP_ENV": " Production ",
            "DATABASE_URL": "postgresql://contacts:pw@db.internal:5432/contacts",
            **JWKS,
            "PUBLIC_URL": "https://contacts.novascotia.example/",
            "INVITATION_TTL_DAYS": " 14 ",
            "SMTP_HOST": "smtp.novascotia.example",
            "SMTP_PORT": "2525",
            "SMTP_USERNAME": "mailer",
            "SMTP_PASSWORD": "mail-password",
            "SMTP_STARTTLS": "off",
            "MAIL_FROM": "LaMPSS <lampss@novascotia.example>",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "DATABASE_POOL_SIZE": "12",
            "DATABASE_MAX_OVERFLOW": "0",
            "DATABASE_POOL_TIMEOUT": "5",
            "DATABASE_CONNECT_TIMEOUT": "3",
            "DATABASE_STATEMENT_TIMEOUT": "20",
            "AUTH_LEEWAY_SECONDS": "10",
            "FORWARDED_ALLOW_IPS": "10.0.0.0/8,192.168.1.4",
            "CORS_ALLOW_ORIGINS": "https://app.example.org/, http://localhost:5173",
            "METRICS": "9100",
        }
    )

    assert settings.database_pool == PoolOptions(12, 0, 5, 3, 20)
    assert settings.auth_leeway_seconds == 10
    assert settings.forwarded_allow_ips == "10.0.0.0/8,192.168.1.4"
    assert settings.cors_allow_origins == ("https://app.example.org", "http://localhost:5173")
    assert (settings.metrics_public, settings.metrics_port) == (False, 9100)
    assert settings.environment == "production"
    assert settings.database_url == "postgresql+asyncpg://contacts:pw@db.internal:5432/contacts"
    assert not settings.is_sqlite
    assert settings.auth_jwt_secret is None
    assert settings.auth_jwks_url == JWKS["AUTH_JWKS_URL"]
    assert settings.auth_issuer == JWKS["AUTH_ISSUER"]
    assert settings.auth_audience == JWKS["AUTH_AUDIENCE"]
    assert settings.public_url == "https://contacts.novascotia.example"
    assert settings.invitation_ttl_days == 14
    assert settings.smtp_host == "smtp.novascotia.example"
    assert settings.smtp_port == 2525
    assert settings.smtp_username == "mailer"
    assert settings.smtp_password == "mail-password"
    assert settings.smtp_starttls is False
    assert settings.mail_from == "LaMPSS <lampss@novascotia.example>"
    assert settings.redis_url == "redis://cache.internal:6379/0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("Yes", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("off", False),
        ("", True),
    ],
)
def test_smtp_starttls_spellings(raw: str, expected: bool) -> None:
    settings = Settings.from_mapping({"AUTH_JWT_SECRET": SECRET, "SMTP_STARTTLS": raw})

    assert settings.smtp_starttls is expected


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        pytest.param({"AUTH_JWT_SECRET": "too-short"}, "AUTH_JWT_SECRET", id="short-secret"),
        pytest.param(
            {"AUTH_JWKS_URL": JWKS["AUTH_JWKS_URL"], "AUTH_AUDIENCE": "contacts"},
            "AUTH_ISSUER",
            id="jwks-without-issuer",
        ),
        pytest.param(
            {"AUTH_JWKS_URL": JWKS["AUTH_JWKS_URL"], "AUTH_ISSUER": "https://id.example/"},
            "AUTH_AUDIENCE",
            id="jwks-without-audience",
        ),
        pytest.param(
            {**JWKS, "AUTH_JWKS_URL": "file:///etc/jwks.json"}, "AUTH_JWKS_URL", id="jwks-not-http"
        ),
        pytest.param({"PUBLIC_URL": "ftp://contacts.example"}, "PUBLIC_URL", id="public-url-ftp"),
        pytest.param({"PUBLIC_URL": "contacts.example"}, "PUBLIC_URL", id="public-url-no-scheme"),
        pytest.param({"INVITATION_TTL_DAYS": "abc"}, "INVITATION_TTL_DAYS", id="ttl-abc"),
        pytest.param({"INVITATION_TTL_DAYS": "0"}, "INVITATION_TTL_DAYS", id="ttl-zero"),
        pytest.param({"INVITATION_TTL_DAYS": "-5"}, "INVITATION_TTL_DAYS", id="ttl-negative"),
        pytest.param({"INVITATION_TTL_DAYS": "2.5"}, "INVITATION_TTL_DAYS", id="ttl-fraction"),
        pytest.param({"SMTP_PORT": "70000"}, "SMTP_PORT", id="smtp-port-too-large"),
        pytest.param({"SMTP_PORT": "0"}, "SMTP_PORT", id="smtp-port-zero"),
        pytest.param({"SMTP_PORT": "smtp"}, "SMTP_PORT", id="smtp-port-text"),
        pytest.param({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS", id="starttls-maybe"),
        pytest.param({"APP_ENV": "staging"}, "APP_ENV", id="app-env-staging"),
        pytest.param({"DATABASE_URL": "mysql://u@db/contacts"}, "DATABASE_URL", id="mysql"),
        pytest.param({"DATABASE_URL": "contacts.db"}, "DATABASE_URL", id="database-not-a-url"),
    ],
)
def test_a_bad_value_fails_fast_naming_the_variable(values: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigurationError, match=variable):
        Settings.from_mapping({"AUTH_JWT_SECRET": SECRET, **values})


def test_errors_do_not_echo_secrets() -> None:
    with pytest.raises(ConfigurationError) as short_secret:
        Settings.from_mapping({"AUTH_JWT_SECRET": "hunter2-secret"})
    with pytest.raises(ConfigurationError) as database:
        Settings.from_mapping(
            {"AUTH_JWT_SECRET": SECRET, "DATABASE_URL": "mysql://app:hunter2@db/contacts"}
        )

    assert "hunter2" not in str(short_secret.value)
    assert "hunter2" not in str(database.value)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("postgres://app:pw@db:5432/contacts", "postgresql+asyncpg://app:pw@db:5432/contacts"),
        ("postgresql://app:pw@db:5432/contacts", "postgresql+asyncpg://app:pw@db:5432/contacts"),
        (
            "postgresql+asyncpg://app:pw@db:5432/contacts",
            "postgresql+asyncpg://app:pw@db:5432/contacts",
        ),
        ("sqlite:///var/contacts.db", "sqlite+aiosqlite:///var/contacts.db"),
        ("sqlite:////srv/contacts.db", "sqlite+aiosqlite:////srv/contacts.db"),
        ("sqlite+aiosqlite:///contacts.db", "sqlite+aiosqlite:///contacts.db"),
    ],
)
def test_database_urls_name_the_async_driver(url: str, normalized: str) -> None:
    assert normalize_database_url(url) == normalized
    settings = Settings.from_mapping({"AUTH_JWT_SECRET": SECRET, "DATABASE_URL": url})
    assert settings.database_url == normalized


def test_production_without_any_token_check_refuses_to_start() -> None:
    with pytest.raises(ConfigurationError, match="AUTH_JWKS_URL"):
        Settings.from_mapping({"APP_ENV": "production"})


def test_production_with_the_identity_provider_starts() -> None:
    settings = Settings.from_mapping({"APP_ENV": "production", **JWKS})

    assert settings.environment == "production"
    assert settings.auth_jwt_secret is None
    assert settings.auth_jwks_url == JWKS["AUTH_JWKS_URL"]


def test_development_without_a_secret_keeps_one_in_the_state_directory(
    working_directory: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    first = Settings.from_mapping({})
    second = Settings.from_mapping({"APP_ENV": "test"})
    elsewhere = tmp_path_factory.mktemp("state")
    third = Settings.from_mapping({"CONTACTS_STATE_DIR": str(elsewhere)})

    assert first.auth_jwt_secret is not None
    assert len(first.auth_jwt_secret) >= 32
    assert second.auth_jwt_secret == first.auth_jwt_secret
    kept = working_directory / "var" / DEVELOPMENT_SECRET_FILE
    assert kept.read_text().strip() == first.auth_jwt_secret
    assert kept.stat().st_mode & 0o077 == 0
    assert third.auth_jwt_secret != first.auth_jwt_secret
    assert (elsewhere / DEVELOPMENT_SECRET_FILE).read_text().strip() == third.auth_jwt_secret
    assert third.database_url == f"sqlite+aiosqlite:///{elsewhere.resolve() / 'contacts.db'}"


def test_the_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# deployment defaults\n"
        f"AUTH_JWT_SECRET={SECRET}\n"
        "DATABASE_URL=postgres://app:pw@db:5432/contacts\n"
        "PUBLIC_URL=https://from-file.example\n"
        'INVITATION_TTL_DAYS="14"\n'
        "SMTP_PORT=2525\n"
    )

    settings = Settings.from_environment(
        environ={"PUBLIC_URL": "https://from-environment.example", "SMTP_PORT": "465"},
        env_file=env_file,
    )

    assert settings.auth_jwt_secret == SECRET
    assert settings.database_url == "postgresql+asyncpg://app:pw@db:5432/contacts"
    assert settings.invitation_ttl_days == 14
    assert settings.public_url == "https://from-environment.example"
    assert settings.smtp_port == 465


def test_a_bad_value_in_the_env_file_fails_naming_the_variable(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(f"AUTH_JWT_SECRET={SECRET}\nINVITATION_TTL_DAYS=abc\n")

    with pytest.raises(ConfigurationError, match="INVITATION_TTL_DAYS"):
        Settings.from_environment(environ={}, env_file=env_file)
    # The environment can correct it.
    settings = Settings.from_environment(environ={"INVITATION_TTL_DAYS": "9"}, env_file=env_file)
    assert settings.invitation_ttl_days == 9


def test_a_missing_env_file_is_fine(tmp_path: Path) -> None:
    settings = Settings.from_environment(
        environ={"AUTH_JWT_SECRET": SECRET, "SMTP_PORT": "25"}, env_file=tmp_path / "absent.env"
    )

    assert settings.smtp_port == 25
    assert settings.invitation_ttl_days == 30
