"""Who is calling: a valid bearer token signs the caller in; anything else leaves it anonymous.

Development tokens are HS256 (AUTH_JWT_SECRET). Production tokens are RS256 and ES256, checked
against a JWKS document served here by a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import func, select

from contacts_api.edge.authentication import TokenVerifier, issue_development_token
from contacts_api.models import Account
from contacts_api.rules.authorization import Claims
from contacts_api.runtime import cli
from contacts_api.runtime.settings import Settings
from contacts_api.server import create_app
from tests.factories import Factory, Person
from tests.graphql import Api

VIEWER = """
query Viewer {
  viewer {
    account { email name isStaff }
  }
}
"""

VIEWER_ID = "{ viewer { account { id } } }"

VIEWER_CONTACTS = """
query ViewerContacts {
  viewer {
    account { email name isStaff }
    contacts { email accountEmail }
  }
}
"""

ISSUER = "https://id.novascotia.example/"
AUDIENCE = "organization-contacts"
OTHER_SECRET = "another-secret-that-is-long-enough-for-hs256-987654321"


# --- helpers ---------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _unsigned(payload: dict[str, Any], alg: str = "none") -> str:
    """A token that claims no signature: header {"alg": "none"}, payload, empty signature."""
    return f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(payload)}."


def _hmac_signed(payload: dict[str, Any], secret: bytes, headers: dict[str, Any]) -> str:
    """An HS256 token signed by hand (PyJWT refuses to use a PEM key as an HMAC secret)."""
    signing_input = f"{_segment({'alg': 'HS256', 'typ': 'JWT', **headers})}.{_segment(payload)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _claims(email: str = "alex.martin@example.org", **overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": f"idp|{email}",
        "email": email,
        "name": "Alex Martin",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    payload.update(overrides)
    return {key: value for key, value in payload.items() if value is not None}


def _epoch(payload: dict[str, Any]) -> dict[str, Any]:
    """JSON-ready claims (datetimes as seconds since the epoch)."""
    return {
        key: int(value.timestamp()) if isinstance(value, datetime) else value
        for key, value in payload.items()
    }


async def _accounts(factory: Factory) -> list[Account]:
    async with factory.sessions() as session:
        return list((await session.scalars(select(Account).order_by(Account.id))).all())


async def _account_count(factory: Factory) -> int:
    async with factory.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


# --- development tokens (HS256) --------------------------------------------------------------


async def test_a_development_token_signs_the_caller_in(api: Api) -> None:
    token = issue_development_token(api.settings, email="alex.martin@example.org", name="Alex")

    data = await api.data(VIEWER, token=token)

    assert data == {
        "viewer": {
            "account": {"email": "alex.martin@example.org", "name": "Alex", "isStaff": False}
        }
    }


async def test_the_scheme_is_case_insensitive(api: Api) -> None:
    token = issue_development_token(api.settings, email="alex.martin@example.org")

    body = await api.execute(VIEWER, headers={"Authorization": f"bearer {token}"})

    assert body["data"]["viewer"]["account"]["email"] == "alex.martin@example.org"


async def test_the_first_request_creates_the_account_from_the_claims(
    api: Api, factory: Factory
) -> None:
    token = issue_development_token(
        api.settings, email="Robin.Leger@Example.org", name="Robin Léger", subject="idp|robin"
    )
    assert await _account_count(factory) == 0

    first = await api.data(VIEWER, token=token)
    second = await api.data(VIEWER, token=token)

    assert first == second
    assert first["viewer"]["account"] == {
        "email": "Robin.Leger@Example.org",
        "name": "Robin Léger",
        "isStaff": False,
    }
    [account] = await _accounts(factory)
    assert (account.subject, account.email, account.name, account.is_staff) == (
        "idp|robin",
        "Robin.Leger@Example.org",
        "Robin Léger",
        False,
    )


async def test_a_later_request_refreshes_the_account_and_its_contacts(
    api: Api, factory: Factory
) -> None:
    settings = api.settings
    before = issue_development_token(
        settings, email="robin@old.example", name="Robin Léger", subject="idp|robin"
    )
    await api.data(VIEWER, token=before)
    [account] = await _accounts(factory)
    organization = await factory.organization()
    person = Person(account.id, account.email, account.name, before)
    await factory.contact(organization, email="robin@old.example", account=person)
    after = issue_development_token(
        settings, email="robin.leger@new.example", name="Robin Léger-Cormier", subject="idp|robin"
    )

    data = await api.data(VIEWER_CONTACTS, token=after)

    assert data["viewer"]["account"] == {
        "email": "robin.leger@new.example",
        "name": "Robin Léger-Cormier",
        "isStaff": False,
    }
    assert data["viewer"]["contacts"] == [
        {"email": "robin@old.example", "accountEmail": "robin.leger@new.example"}
    ]
    [refreshed] = await _accounts(factory)
    assert refreshed.id == account.id
    assert (refreshed.subject, refreshed.email, refreshed.name) == (
        "idp|robin",
        "robin.leger@new.example",
        "Robin Léger-Cormier",
    )


def _development_refusals() -> list[Any]:
    """(id, settings -> Authorization header or None) for every refused development token."""

    def payload(**overrides: Any) -> dict[str, Any]:
        return _claims(**overrides)

    def valid(settings: Settings) -> str:
        return issue_development_token(settings, email="alex.martin@example.org")

    cases: dict[str, Callable[[Settings], str | None]] = {
        "missing": lambda _settings: None,
        "empty": lambda _settings: "",
        "bearer-without-token": lambda _settings: "Bearer ",
        "malformed": lambda _settings: "Bearer not-a-jwt",
        "three-garbage-segments": lambda _settings: "Bearer abc.def.ghi",
        "truncated-signature": lambda settings: f"Bearer {valid(settings)[:-6]}",
        "expired": lambda settings: (
            "Bearer "
            + issue_development_token(
                settings,
                email="alex.martin@example.org",
                now=datetime.now(UTC) - timedelta(hours=2),
                lifetime=timedelta(hours=1),
            )
        ),
        "not-yet-valid": lambda settings: (
            "Bearer "
            + jwt.encode(
                payload(nbf=datetime.now(UTC) + timedelta(hours=1)),
                settings.auth_jwt_secret,
                algorithm="HS256",
            )
        ),
        "wrong-secret": lambda _settings: (
            "Bearer " + jwt.encode(payload(), OTHER_SECRET, algorithm="HS256")
        ),
        "alg-none": lambda _settings: f"Bearer {_unsigned(_epoch(payload()))}",
        "alg-None": lambda _settings: f"Bearer {_unsigned(_epoch(payload()), alg='None')}",
        "hs512": lambda settings: (
            "Bearer " + jwt.encode(payload(), settings.auth_jwt_secret, algorithm="HS512")
        ),
        "rs256-without-jwks": lambda _settings: (
            "Bearer "
            + jwt.encode(
                payload(),
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
                algorithm="RS256",
            )
        ),
        "missing-exp": lambda settings: (
            "Bearer " + jwt.encode(payload(exp=None), settings.auth_jwt_secret, algorithm="HS256")
        ),
        "missing-sub": lambda settings: (
            "Bearer " + jwt.encode(payload(sub=None), settings.auth_jwt_secret, algorithm="HS256")
        ),
        "blank-sub": lambda settings: (
            "Bearer " + jwt.encode(payload(sub="   "), settings.auth_jwt_secret, algorithm="HS256")
        ),
        "missing-email": lambda settings: (
            "Bearer " + jwt.encode(payload(email=None), settings.auth_jwt_secret, algorithm="HS256")
        ),
        "email-not-an-address": lambda settings: (
            "Bearer "
            + jwt.encode(payload(email="alex"), settings.auth_jwt_secret, algorithm="HS256")
        ),
        "email-not-a-string": lambda settings: (
            "Bearer "
            + jwt.encode(
                payload(email=["a@b.example"]), settings.auth_jwt_secret, algorithm="HS256"
            )
        ),
        "basic-scheme": lambda _settings: (
            "Basic " + base64.b64encode(b"alex.martin@example.org:password").decode()
        ),
        "basic-scheme-with-a-valid-token": lambda settings: f"Basic {valid(settings)}",
        "token-without-scheme": lambda settings: valid(settings),
        "too-long": lambda settings: (
            "Bearer "
            + jwt.encode(payload(pad="x" * 9000), settings.auth_jwt_secret, algorithm="HS256")
        ),
    }
    return [pytest.param(build, id=name) for name, build in cases.items()]


DEVELOPMENT_REFUSALS = _development_refusals()


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("authorization", DEVELOPMENT_REFUSALS)
async def test_a_refused_development_token_leaves_the_caller_anonymous(
    api: Api, factory: Factory, authorization: Callable[[Settings], str | None]
) -> None:
    header = authorization(api.settings)
    headers = {} if header is None else {"Authorization": header}

    assert await TokenVerifier(api.settings).verify(header) is None
    body = await api.execute(VIEWER, headers=headers)

    assert body["data"] == {"viewer": None}
    assert "errors" not in body
    assert await _account_count(factory) == 0


class CountingVerifier(TokenVerifier):
    """The real verifier, counting the tokens whose signature it checks."""

    def __init__(self, settings: Settings, clock: Callable[[], float]) -> None:
        super().__init__(settings, clock=clock)
        self.decoded = 0

    async def _decode(self, token: str) -> dict[str, object]:
        self.decoded += 1
        return await super()._decode(token)


async def test_a_verified_token_is_trusted_until_it_expires_and_checked_again_each_minute(
    settings: Settings,
) -> None:
    settings = dataclasses.replace(settings, auth_leeway_seconds=0)
    now = datetime.now(UTC)
    moment = [now.timestamp()]
    verifier = CountingVerifier(settings, clock=lambda: moment[0])
    lasting = issue_development_token(settings, email="a@example.org", now=now)
    brief = issue_development_token(
        settings, email="b@example.org", now=now, lifetime=timedelta(seconds=20)
    )
    for token in (lasting, brief):
        for _ in range(3):
            assert await verifier.verify(f"Bearer {token}") is not None
    assert verifier.decoded == 2

    # Past the brief token's expiry, and past a minute for the other: neither is taken from
    # what was verified before (PyJWT, on the real clock, then decides).
    moment[0] += 61
    await verifier.verify(f"Bearer {brief}")
    assert await verifier.verify(f"Bearer {lasting}") is not None
    assert verifier.decoded == 4
    assert await verifier.verify(f"Bearer {brief}x") is None
    assert verifier.decoded == 5


# --- staff announced by the command line -----------------------------------------------------


async def test_an_announced_staff_account_is_claimed_by_its_first_sign_in(
    api: Api, factory: Factory
) -> None:
    await cli._mark_staff(api.settings, "Samira.Staff@NovaScotia.example")
    [announced] = await _accounts(factory)
    assert (announced.subject, announced.is_staff) == (None, True)
    token = issue_development_token(
        api.settings,
        email="samira.staff@novascotia.example",
        name="Samira Staff",
        subject="idp|samira",
    )

    data = await api.data(VIEWER, token=token)

    assert data["viewer"]["account"] == {
        "email": "samira.staff@novascotia.example",
        "name": "Samira Staff",
        "isStaff": True,
    }
    [claimed] = await _accounts(factory)
    assert (claimed.id, claimed.subject, claimed.is_staff) == (announced.id, "idp|samira", True)

    # The announcement is spent: another identity with the same email is not staff.
    impostor = issue_development_token(
        api.settings, email="samira.staff@novascotia.example", subject="idp|someone-else"
    )
    other = await api.data(VIEWER, token=impostor)
    assert other["viewer"]["account"]["isStaff"] is False
    # And the staff member still is, on a later request.
    again = await api.data(VIEWER, token=token)
    assert again["viewer"]["account"]["isStaff"] is True


async def test_marking_a_signed_in_account_as_staff(api: Api, factory: Factory) -> None:
    token = issue_development_token(api.settings, email="Lee.Park@Example.org", name="Lee Park")
    assert (await api.data(VIEWER, token=token))["viewer"]["account"]["isStaff"] is False

    await cli._mark_staff(api.settings, "lee.park@example.org")

    data = await api.data(VIEWER, token=token)
    assert data["viewer"]["account"]["isStaff"] is True
    assert await _account_count(factory) == 1


def _signed(settings: Settings, **claims: Any) -> str:
    return jwt.encode(_claims(**claims), settings.auth_jwt_secret, algorithm="HS256")


STAFF_EMAIL = "kirk.staff@novascotia.example"
LOOK_ALIKES = {
    # Each folds to the staff address under Unicode case folding, but is another mailbox.
    "Kelvin sign": "\u212airk.staff@novascotia.example",
    "long s": "kirk.\u017ftaff@novascotia.example",
    "ligature": "kirk.sta\ufb00@novascotia.example",
}


@pytest.mark.parametrize("look_alike", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
async def test_a_look_alike_email_never_claims_a_staff_announcement(
    api: Api, factory: Factory, look_alike: str
) -> None:
    await cli._mark_staff(api.settings, STAFF_EMAIL)

    impostor = await api.data(VIEWER, token=_signed(api.settings, email=look_alike, sub="idp|x"))
    owner = await api.data(
        VIEWER, token=_signed(api.settings, email="Kirk.Staff@NovaScotia.example", sub="idp|kirk")
    )

    assert impostor["viewer"]["account"]["isStaff"] is False
    assert owner["viewer"]["account"]["isStaff"] is True


async def test_an_unverified_email_never_claims_a_staff_announcement(
    api: Api, factory: Factory
) -> None:
    await cli._mark_staff(api.settings, STAFF_EMAIL)
    unverified = _signed(api.settings, email=STAFF_EMAIL, sub="idp|a", email_verified=False)
    verified = _signed(api.settings, email=STAFF_EMAIL, sub="idp|b", email_verified=True)

    assert (await api.data(VIEWER, token=unverified))["viewer"]["account"]["isStaff"] is False
    assert (await api.data(VIEWER, token=verified))["viewer"]["account"]["isStaff"] is True


async def test_marking_staff_skips_an_account_whose_email_is_not_verified(
    api: Api, factory: Factory
) -> None:
    squatter = _signed(api.settings, email=STAFF_EMAIL, sub="idp|squatter", email_verified=False)
    assert (await api.data(VIEWER, token=squatter))["viewer"]["account"]["isStaff"] is False

    await cli._mark_staff(api.settings, STAFF_EMAIL)
    owner = _signed(api.settings, email=STAFF_EMAIL, sub="idp|owner", email_verified=True)

    assert (await api.data(VIEWER, token=squatter))["viewer"]["account"]["isStaff"] is False
    assert (await api.data(VIEWER, token=owner))["viewer"]["account"]["isStaff"] is True


HOSTILE_CLAIMS = {
    "lone surrogate in sub": {"sub": "idp|\ud800"},
    "NUL in sub": {"sub": "idp|\x00x"},
    "control character in sub": {"sub": "idp|\x1bx"},
    "sub too long": {"sub": "x" * 256},
    "lone surrogate in email": {"email": "a\udfff@example.org"},
    "NUL in email": {"email": "a\x00@example.org"},
    "not an email": {"email": "not an address"},
    "lone surrogate in name": {"name": "Alex \ud83d"},
    "NUL in name": {"name": "Alex\x00"},
}


@pytest.mark.parametrize("claims", HOSTILE_CLAIMS.values(), ids=HOSTILE_CLAIMS.keys())
async def test_a_token_with_a_hostile_claim_leaves_the_caller_anonymous(
    api: Api, factory: Factory, claims: dict[str, Any]
) -> None:
    response = await api.post(VIEWER, token=_signed(api.settings, **claims))

    assert response.status_code == 200
    assert response.json()["data"] == {"viewer": None}
    assert await _account_count(factory) == 0


async def test_a_subject_is_kept_exactly_as_issued(api: Api, factory: Factory) -> None:
    plain = await api.data(VIEWER_ID, token=_signed(api.settings, sub="idp|x"))
    padded = await api.data(VIEWER_ID, token=_signed(api.settings, sub=" idp|x "))

    assert plain["viewer"]["account"]["id"] != padded["viewer"]["account"]["id"]
    assert {account.subject for account in await _accounts(factory)} == {"idp|x", " idp|x "}


# --- production tokens (RS256, ES256, JWKS) --------------------------------------------------


class IdentityProvider:
    """Key pairs, and a real HTTP server on 127.0.0.1 that publishes their JWKS."""

    def __init__(self) -> None:
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_ec = ec.generate_private_key(ec.SECP256R1())
        rsa_jwk = RSAAlgorithm.to_jwk(self.rsa.public_key(), as_dict=True)
        ec_jwk = ECAlgorithm.to_jwk(self.ec.public_key(), as_dict=True)
        self.jwks = {
            "keys": [
                {**rsa_jwk, "kid": "rsa-1", "alg": "RS256", "use": "sig"},
                {**ec_jwk, "kid": "ec-1", "alg": "ES256", "use": "sig"},
            ]
        }
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    def start(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.requests.append(self.path)
                if self.path == "/.well-known/jwks.json":
                    self._answer(200, json.dumps(provider.jwks).encode())
                elif self.path == "/not-json":
                    self._answer(200, b"<html>maintenance</html>", "text/html")
                elif self.path == "/not-a-key-set":
                    self._answer(200, b'{"keys": "none"}')
                else:
                    self._answer(500, b'{"error": "down"}')

            def _answer(
                self, status: int, body: bytes, content_type: str = "application/json"
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def token(
        self,
        *,
        algorithm: str = "RS256",
        kid: str | None = None,
        key: Any = None,
        **claims: Any,
    ) -> str:
        default_key, default_kid = (
            (self.rsa, "rsa-1") if algorithm == "RS256" else (self.ec, "ec-1")
        )
        headers = {"kid": kid or default_kid} if kid != "" else None
        payload = _claims(**{"iss": ISSUER, "aud": AUDIENCE, **claims})
        return jwt.encode(payload, key or default_key, algorithm=algorithm, headers=headers)

    def public_pem(self) -> bytes:
        return self.rsa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@pytest.fixture(scope="module")
def identity_provider() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    provider.start()
    yield provider
    provider.stop()


def _production_settings(jwks_url: str, database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_mapping(
        {
            "APP_ENV": "production",
            "DATABASE_URL": database_url,
            "AUTH_JWKS_URL": jwks_url,
            "AUTH_ISSUER": ISSUER,
            "AUTH_AUDIENCE": AUDIENCE,
            "PUBLIC_URL": "https://contacts.novascotia.example",
            "MAIL_DIR": str(tmp_path / "mail"),
        }
    )


@pytest.fixture
def production_settings(identity_provider: IdentityProvider, tmp_path: Path) -> Settings:
    """Production settings for the verifier alone (no database is opened)."""
    return _production_settings(
        identity_provider.jwks_url, f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", tmp_path
    )


@pytest.fixture
async def production_api(
    identity_provider: IdentityProvider, database_url: str, tmp_path: Path
) -> AsyncIterator[Api]:
    settings = _production_settings(identity_provider.jwks_url, database_url, tmp_path)
    assert settings.auth_jwt_secret is None
    app = create_app(settings)
    # What a client sees: a crash is a 500 response, not an exception in the test.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://contacts.test") as client:
        yield Api(client, settings)
    await app.state.services.engine.dispose()


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_the_identity_providers_tokens_are_accepted(
    identity_provider: IdentityProvider, production_settings: Settings, algorithm: str
) -> None:
    token = identity_provider.token(
        algorithm=algorithm, sub="myns|4242", email="jo.doe@example.org", name="Jo Doe"
    )

    claims = await TokenVerifier(production_settings).verify(f"Bearer {token}")

    assert claims == Claims(subject="myns|4242", email="jo.doe@example.org", name="Jo Doe")
    assert "/.well-known/jwks.json" in identity_provider.requests


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_the_identity_providers_tokens_sign_in_through_the_endpoint(
    identity_provider: IdentityProvider, production_api: Api, algorithm: str
) -> None:
    token = identity_provider.token(
        algorithm=algorithm, sub=f"myns|{algorithm}", email="jo.doe@example.org", name="Jo Doe"
    )

    data = await production_api.data(VIEWER, token=token)

    assert data == {
        "viewer": {"account": {"email": "jo.doe@example.org", "name": "Jo Doe", "isStaff": False}}
    }


def _production_refusals() -> list[Any]:
    later = datetime.now(UTC) + timedelta(hours=1)
    earlier = datetime.now(UTC) - timedelta(hours=2)
    cases: dict[str, Callable[[IdentityProvider], str]] = {
        "wrong-issuer": lambda idp: idp.token(iss="https://evil.example/"),
        "wrong-audience": lambda idp: idp.token(aud="another-api"),
        "missing-issuer": lambda idp: idp.token(iss=None),
        "missing-audience": lambda idp: idp.token(aud=None),
        "unknown-kid": lambda idp: idp.token(kid="rotated-away"),
        "no-kid": lambda idp: idp.token(kid=""),
        "expired-rs256": lambda idp: idp.token(iat=earlier, exp=earlier + timedelta(hours=1)),
        "expired-es256": lambda idp: idp.token(
            algorithm="ES256", iat=earlier, exp=earlier + timedelta(hours=1)
        ),
        "not-yet-valid": lambda idp: idp.token(nbf=later),
        "missing-exp": lambda idp: idp.token(exp=None),
        "missing-sub": lambda idp: idp.token(sub=None),
        "missing-email": lambda idp: idp.token(email=None),
        "another-rsa-key": lambda idp: idp.token(key=idp.other_rsa),
        "another-ec-key": lambda idp: idp.token(algorithm="ES256", key=idp.other_ec),
        "rs256-header-on-the-ec-key": lambda idp: idp.token(kid="ec-1"),
        "es256-header-on-the-rsa-key": lambda idp: idp.token(
            algorithm="ES256", kid="rsa-1", key=idp.ec
        ),
        "hs256-without-a-secret": lambda idp: jwt.encode(
            _claims(iss=ISSUER, aud=AUDIENCE), OTHER_SECRET, algorithm="HS256"
        ),
        "hs256-keyed-with-the-public-key": lambda idp: _hmac_signed(
            _epoch(_claims(iss=ISSUER, aud=AUDIENCE)), idp.public_pem(), {"kid": "rsa-1"}
        ),
        "alg-none": lambda idp: _unsigned(_epoch(_claims(iss=ISSUER, aud=AUDIENCE))),
        "signature-stripped": lambda idp: idp.token().rsplit(".", 1)[0] + ".",
    }
    return [pytest.param(build, id=name) for name, build in cases.items()]


PRODUCTION_REFUSALS = _production_refusals()


@pytest.mark.parametrize("build", PRODUCTION_REFUSALS)
async def test_a_refused_production_token_is_anonymous(
    identity_provider: IdentityProvider,
    production_settings: Settings,
    build: Callable[[IdentityProvider], str],
) -> None:
    assert (
        await TokenVerifier(production_settings).verify(f"Bearer {build(identity_provider)}")
        is None
    )


@pytest.mark.parametrize(
    "build",
    [
        param
        for param in PRODUCTION_REFUSALS
        if param.id
        in {
            "wrong-issuer",
            "wrong-audience",
            "unknown-kid",
            "expired-rs256",
            "another-rsa-key",
            "rs256-header-on-the-ec-key",
        }
    ],
)
async def test_a_refused_production_token_is_anonymous_through_the_endpoint(
    identity_provider: IdentityProvider,
    production_api: Api,
    build: Callable[[IdentityProvider], str],
) -> None:
    body = await production_api.execute(VIEWER, token=build(identity_provider))

    assert body["data"] == {"viewer": None}
    assert "errors" not in body


@pytest.mark.parametrize("path", ["/down", "/not-json", "/not-a-key-set"])
async def test_a_broken_key_set_leaves_the_caller_anonymous(
    identity_provider: IdentityProvider, tmp_path: Path, path: str
) -> None:
    settings = _production_settings(
        identity_provider.base_url + path, f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", tmp_path
    )

    assert await TokenVerifier(settings).verify(f"Bearer {identity_provider.token()}") is None


async def test_an_unreachable_identity_provider_leaves_the_caller_anonymous(
    identity_provider: IdentityProvider, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings = _production_settings(
        f"http://127.0.0.1:{closed_port}/jwks.json",
        f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}",
        tmp_path,
    )

    assert await TokenVerifier(settings).verify(f"Bearer {identity_provider.token()}") is None


async def test_an_announced_staff_account_is_claimed_by_a_production_token(
    identity_provider: IdentityProvider, production_api: Api
) -> None:
    await cli._mark_staff(production_api.settings, "Samira.Staff@NovaScotia.example")
    token = identity_provider.token(
        algorithm="ES256",
        sub="myns|samira",
        email="Samira.Staff@NovaScotia.example",
        name="Samira Staff",
    )

    data = await production_api.data(VIEWER, token=token)

    assert data["viewer"]["account"] == {
        "email": "Samira.Staff@NovaScotia.example",
        "name": "Samira Staff",
        "isStaff": True,
    }


@pytest.mark.parametrize(("skew", "signed_in"), [(3, True), (25, True), (90, False)])
async def test_a_token_from_a_clock_a_little_ahead_is_accepted(
    api: Api, skew: int, signed_in: bool
) -> None:
    """Issued by a clock `skew` seconds ahead: within the 30 s leeway, it is still good."""
    ahead = datetime.now(UTC) + timedelta(seconds=skew)
    token = _signed(api.settings, iat=ahead, nbf=ahead, exp=ahead + timedelta(minutes=5))

    data = await api.data(VIEWER, token=token)

    assert (data["viewer"] is not None) is signed_in
