"""Configuration from the environment (and a `.env` file), checked once at start-up.

Every value is validated here so that a bad deployment fails at once with a message that
names the variable, instead of failing later on the first request that needs it.

Nothing is kept beside the code: the state (the SQLite default, the development secret, the
development mail) lives in `CONTACTS_STATE_DIR`, by default `var/` in the working directory,
and `.env` is read from the working directory.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values
from sqlalchemy import make_url

from contacts_api.models.database import PoolOptions, asyncpg_arguments

DEVELOPMENT_SECRET_FILE = "development-jwt-secret"  # noqa: S105 - a file name
ENVIRONMENTS = ("development", "test", "production")
MINIMUM_SECRET_LENGTH = 32


class ConfigurationError(ValueError):
    """A configuration value is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    environment: str
    state_dir: Path
    database_url: str
    auth_jwt_secret: str | None
    auth_jwks_url: str | None
    auth_issuer: str | None
    auth_audience: str | None
    public_url: str
    invitation_ttl_days: int
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    mail_from: str
    mail_dir: Path
    outbox_max_attempts: int
    outbox_retry_seconds: int
    redis_url: str | None
    graphql_introspection: bool
    query_max_cost: int
    rate_limit_per_account: int
    rate_limit_per_address: int
    database_pool: PoolOptions = field(default_factory=PoolOptions)
    auth_leeway_seconds: int = 30
    forwarded_allow_ips: str = "127.0.0.1"
    cors_allow_origins: tuple[str, ...] = ()
    metrics_public: bool = True
    metrics_port: int | None = None
    invitation_reminder_days: int = 7
    access_review_days: int = 365
    scheduler: bool = True
    scheduler_interval_seconds: int = 60
    query_planner: bool = True

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = None
    ) -> Settings:
        """Read the process environment, completed by `.env` (the environment wins)."""
        env_file = env_file if env_file is not None else Path.cwd() / ".env"
        values: dict[str, str] = {}
        if env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(values)

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Settings:
        def text(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        state_dir = Path(text("CONTACTS_STATE_DIR") or Path.cwd() / "var").resolve()
        environment = (text("APP_ENV") or "development").lower()
        if environment not in ENVIRONMENTS:
            raise ConfigurationError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}")

        jwt_secret = text("AUTH_JWT_SECRET")
        jwks_url = text("AUTH_JWKS_URL")
        issuer = text("AUTH_ISSUER")
        audience = text("AUTH_AUDIENCE")
        if jwt_secret is not None and len(jwt_secret) < MINIMUM_SECRET_LENGTH:
            raise ConfigurationError(
                f"AUTH_JWT_SECRET must be at least {MINIMUM_SECRET_LENGTH} characters"
            )
        if jwks_url is not None:
            _require_http_url("AUTH_JWKS_URL", jwks_url)
            if issuer is None or audience is None:
                raise ConfigurationError("AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE")
        if jwt_secret is None and jwks_url is None:
            if environment == "production":
                raise ConfigurationError(
                    "production needs AUTH_JWKS_URL (or AUTH_JWT_SECRET) to check tokens"
                )
            jwt_secret = _development_secret(state_dir)

        redis_url = text("REDIS_URL")
        if redis_url is not None and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
            raise ConfigurationError(f"REDIS_URL must be a redis:// URL, not {redis_url!r}")

        public_url = (text("PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/")
        _require_http_url("PUBLIC_URL", public_url)

        database_url = normalize_database_url(
            text("DATABASE_URL") or f"sqlite:///{state_dir / 'contacts.db'}"
        )
        if not database_url.startswith("sqlite"):
            try:
                asyncpg_arguments(make_url(database_url))
            except ValueError as error:
                raise ConfigurationError(f"DATABASE_URL: {error}") from None
        statement_timeout = _integer(values, "DATABASE_STATEMENT_TIMEOUT", 0, minimum=0)
        pool = PoolOptions(
            size=_integer(values, "DATABASE_POOL_SIZE", 5, minimum=1),
            max_overflow=_integer(values, "DATABASE_MAX_OVERFLOW", 10, minimum=0),
            timeout=_integer(values, "DATABASE_POOL_TIMEOUT", 30, minimum=1),
            connect_timeout=_integer(values, "DATABASE_CONNECT_TIMEOUT", 10, minimum=1),
            statement_timeout=statement_timeout or None,
        )
        origins = tuple(
            origin.strip().rstrip("/") for origin in values.get("CORS_ALLOW_ORIGINS", "").split(",")
        )
        origins = tuple(origin for origin in origins if origin)
        for origin in origins:
            if origin != "*":
                _require_http_url("CORS_ALLOW_ORIGINS", origin)
        metrics = (text("METRICS") or "public").lower()
        if metrics not in {"public", "off"} and not (
            metrics.isdigit() and 0 < int(metrics) < 65536
        ):
            raise ConfigurationError(f"METRICS must be public, off or a port, not {metrics!r}")

        ttl_days = _integer(values, "INVITATION_TTL_DAYS", 30, minimum=1, maximum=365)
        reminder_days = _integer(
            values, "INVITATION_REMINDER_DAYS", min(7, ttl_days - 1), minimum=0
        )
        if reminder_days >= ttl_days:
            raise ConfigurationError(
                "INVITATION_REMINDER_DAYS must be less than INVITATION_TTL_DAYS "
                f"({reminder_days} >= {ttl_days}); 0 sends no reminder"
            )

        return cls(
            environment=environment,
            state_dir=state_dir,
            database_url=database_url,
            auth_jwt_secret=jwt_secret,
            auth_jwks_url=jwks_url,
            auth_issuer=issuer,
            auth_audience=audience,
            public_url=public_url,
            invitation_ttl_days=ttl_days,
            invitation_reminder_days=reminder_days,
            access_review_days=_integer(values, "ACCESS_REVIEW_DAYS", 365, minimum=1, maximum=3650),
            scheduler=_boolean(values, "SCHEDULER", default=True),
            query_planner=_boolean(values, "QUERY_PLANNER", default=True),
            scheduler_interval_seconds=_integer(
                values, "SCHEDULER_INTERVAL_SECONDS", 60, minimum=1, maximum=3600
            ),
            smtp_host=text("SMTP_HOST"),
            smtp_port=_integer(values, "SMTP_PORT", 587, minimum=1, maximum=65535),
            smtp_username=text("SMTP_USERNAME"),
            smtp_password=text("SMTP_PASSWORD"),
            smtp_starttls=_boolean(values, "SMTP_STARTTLS", default=True),
            mail_from=text("MAIL_FROM") or "LaMPSS <no-reply@lampss.example>",
            mail_dir=Path(text("MAIL_DIR") or state_dir / "mail"),
            outbox_max_attempts=_integer(values, "OUTBOX_MAX_ATTEMPTS", 8, minimum=1),
            outbox_retry_seconds=_integer(values, "OUTBOX_RETRY_SECONDS", 30, minimum=0),
            redis_url=redis_url,
            graphql_introspection=_boolean(values, "GRAPHQL_INTROSPECTION", default=True),
            query_max_cost=_integer(values, "QUERY_MAX_COST", 1000, minimum=1),
            rate_limit_per_account=_integer(values, "RATE_LIMIT_PER_ACCOUNT", 600, minimum=1),
            rate_limit_per_address=_integer(values, "RATE_LIMIT_PER_ADDRESS", 1200, minimum=1),
            database_pool=pool,
            auth_leeway_seconds=_integer(values, "AUTH_LEEWAY_SECONDS", 30, minimum=0),
            forwarded_allow_ips=text("FORWARDED_ALLOW_IPS") or "127.0.0.1",
            cors_allow_origins=origins,
            metrics_public=metrics == "public",
            metrics_port=int(metrics) if metrics.isdigit() else None,
        )


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings and name the async driver that this service uses."""
    scheme, _, rest = url.partition("://")
    if not rest:
        raise ConfigurationError("DATABASE_URL must look like postgresql://… or sqlite:///…")
    drivers = {
        "postgres": "postgresql+asyncpg",
        "postgresql": "postgresql+asyncpg",
        "postgresql+asyncpg": "postgresql+asyncpg",
        "sqlite": "sqlite+aiosqlite",
        "sqlite+aiosqlite": "sqlite+aiosqlite",
    }
    if scheme not in drivers:
        raise ConfigurationError(
            f"DATABASE_URL scheme {scheme!r} is not supported: use postgresql:// or sqlite:///"
        )
    return f"{drivers[scheme]}://{rest}"


def _development_secret(state_dir: Path) -> str:
    """A random secret kept in the state directory, so development tokens survive restarts."""
    path = state_dir / DEVELOPMENT_SECRET_FILE
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


def _integer(
    values: Mapping[str, str],
    name: str,
    default: int,
    *,
    minimum: int,
    maximum: int | None = None,
) -> int:
    raw = values.get(name, "").strip()
    if not raw:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, not {raw!r}") from None
    if number < minimum or (maximum is not None and number > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ConfigurationError(f"{name} must be at least {minimum}{upper}, not {number}")
    return number


def _boolean(values: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = values.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, not {raw!r}")


def _require_http_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigurationError(f"{name} must be an http(s) URL, not {url!r}")
