"""Database URLs as operators give them: libpq's parameters, translated for asyncpg."""

from __future__ import annotations

import ssl

import pytest
from sqlalchemy import make_url

from contacts_api.models.database import asyncpg_arguments
from contacts_api.runtime.settings import ConfigurationError, Settings

SECRET = "database-url-test-secret-long-enough-for-hs256-0123456789"


def arguments(url: str) -> dict[str, object]:
    bare, connect_args = asyncpg_arguments(make_url(url))
    assert not bare.query
    return connect_args


def test_a_plain_url_needs_nothing() -> None:
    assert arguments("postgresql+asyncpg://app@db/contacts") == {}


@pytest.mark.parametrize(("mode", "expected"), [("disable", False), ("prefer", "prefer")])
def test_sslmode_without_certificates(mode: str, expected: object) -> None:
    assert arguments(f"postgresql+asyncpg://app@db/contacts?sslmode={mode}") == {"ssl": expected}


def test_sslmode_require_encrypts_without_checking_the_certificate() -> None:
    context = arguments("postgresql+asyncpg://app@db/contacts?sslmode=require")["ssl"]

    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_NONE
    assert not context.check_hostname


def test_sslmode_verify_full_checks_the_certificate_and_the_host() -> None:
    context = arguments("postgresql+asyncpg://app@db/contacts?sslmode=verify-full")["ssl"]

    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname


def test_sslmode_verify_ca_checks_the_certificate_only() -> None:
    context = arguments("postgresql+asyncpg://app@db/contacts?sslmode=verify-ca")["ssl"]

    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert not context.check_hostname


def test_timeouts_and_the_application_name() -> None:
    found = arguments(
        "postgresql+asyncpg://app@db/contacts?connect_timeout=4&application_name=contacts"
    )

    assert found == {"timeout": 4.0, "server_settings": {"application_name": "contacts"}}


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("sslmode=requir", "sslmode"),
        ("sslmode=verify-full&sslrootcert=/no/such/file.pem", "certificates"),
        ("connect_timeout=soon", "connect_timeout"),
        ("keepalives=1", "keepalives"),
    ],
)
def test_a_bad_parameter_stops_the_service_at_start_up_naming_it(query: str, named: str) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_mapping(
            {"AUTH_JWT_SECRET": SECRET, "DATABASE_URL": f"postgresql://app@db/contacts?{query}"}
        )

    assert "DATABASE_URL" in str(refused.value)
    assert named in str(refused.value)
