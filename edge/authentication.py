"""Bearer tokens: who is calling.

Development tokens are HS256, signed with AUTH_JWT_SECRET; production tokens are RS256 or
ES256, checked against the identity provider's JWKS, issuer and audience. Whatever is wrong
with a token (missing, malformed, expired, badly signed, unknown algorithm), the caller is
simply anonymous: nothing tells an attacker which check failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import jwt
from email_validator import EmailNotValidError, validate_email
from jwt.types import Options

from contacts_api.models.emails import email_key
from contacts_api.models.text import plain_text
from contacts_api.rules.authorization import Claims
from contacts_api.runtime.settings import Settings

logger = logging.getLogger(__name__)

DEVELOPMENT_ALGORITHM = "HS256"
PROVIDER_ALGORITHMS = ("RS256", "ES256")
MAX_TOKEN_LENGTH = 8192
MAX_SUBJECT_LENGTH = 255
MAX_EMAIL_LENGTH = 254
MAX_NAME_LENGTH = 200


VERIFIED_TOKENS = 1024
RECHECK_SECONDS = 60


class TokenVerifier:
    """Checks tokens; a token it verified is trusted again without checking its signature
    until it expires (with the leeway) or for RECHECK_SECONDS at most, so that a key the
    provider retires, or a setting that changes, takes effect within a minute. At most
    VERIFIED_TOKENS are kept, the least recently used going first."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.time) -> None:
        self._secret = settings.auth_jwt_secret
        self._issuer = settings.auth_issuer
        self._audience = settings.auth_audience
        # Clocks drift: exp, nbf and iat are checked with this much leeway.
        self._leeway = settings.auth_leeway_seconds
        self._clock = clock
        self._verified: OrderedDict[str, tuple[float, Claims]] = OrderedDict()
        self._jwks = (
            # The key set is cached for five minutes, so a key the provider retires stops
            # being trusted soon after.
            jwt.PyJWKClient(settings.auth_jwks_url, timeout=5) if settings.auth_jwks_url else None
        )

    async def verify(self, authorization: str | None) -> Claims | None:
        """The claims of a valid `Authorization: Bearer …` header, or None."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        now = self._clock()
        known = self._verified.get(token)
        if known is not None:
            if known[0] > now:
                self._verified.move_to_end(token)
                return known[1]
            del self._verified[token]
        try:
            payload = await self._decode(token)
        except (jwt.PyJWTError, ValueError) as error:
            logger.info("bearer token refused: %s", type(error).__name__)
            return None
        claims = _claims(payload)
        expires = payload.get("exp")
        if claims is not None and isinstance(expires, int | float):
            self._verified[token] = (min(expires + self._leeway, now + RECHECK_SECONDS), claims)
            if len(self._verified) > VERIFIED_TOKENS:
                self._verified.popitem(last=False)
        return claims

    async def _decode(self, token: str) -> dict[str, object]:
        algorithm = jwt.get_unverified_header(token).get("alg")
        options: Options = {"require": ["exp", "sub"]}
        if algorithm == DEVELOPMENT_ALGORITHM and self._secret:
            return jwt.decode(
                token,
                self._secret,
                algorithms=[DEVELOPMENT_ALGORITHM],
                options=options,
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
            )
        if algorithm in PROVIDER_ALGORITHMS and self._jwks is not None:
            # PyJWKClient fetches with urllib; keep that blocking call off the event loop.
            signing_key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            # The PyJWK itself, so that the token's algorithm must be the key's own.
            return jwt.decode(
                token,
                signing_key,
                algorithms=list(PROVIDER_ALGORITHMS),
                options={"require": ["exp", "sub", "iss", "aud"]},
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
            )
        raise jwt.InvalidAlgorithmError(f"algorithm {algorithm!r} is not accepted")


def _claims(payload: dict[str, object]) -> Claims | None:
    """The claims of a verified payload, or None (an anonymous caller) when one is unusable."""
    subject, email, name = payload.get("sub"), payload.get("email"), payload.get("name")
    if not isinstance(subject, str) or not subject.strip() or not plain_text(subject):
        return None
    if len(subject) > MAX_SUBJECT_LENGTH:
        return None
    if not isinstance(email, str) or len(email) > MAX_EMAIL_LENGTH or not plain_text(email):
        return None
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return None
    if isinstance(name, str) and not plain_text(name):
        return None
    return Claims(
        subject=subject,
        email=email,
        name=(name.strip()[:MAX_NAME_LENGTH] or None) if isinstance(name, str) else None,
        email_verified=_verified(payload.get("email_verified")),
    )


def _verified(claim: object) -> bool | None:
    """OpenID's `email_verified`: a boolean, or "true"/"false" as some providers send it;
    anything else is taken as not verified."""
    if claim is None:
        return None
    if isinstance(claim, bool):
        return claim
    return claim in {"true", "True"}


def development_subject(email: str) -> str:
    """The subject of a development token minted for `email` without one."""
    return f"dev|{email_key(email)}"


def issue_development_token(
    settings: Settings,
    *,
    email: str,
    name: str | None = None,
    subject: str | None = None,
    lifetime: timedelta = timedelta(hours=12),
    now: datetime | None = None,
) -> str:
    """An HS256 token as the identity provider would issue it, for development and tests."""
    if not settings.auth_jwt_secret:
        raise RuntimeError("AUTH_JWT_SECRET is not set: development tokens are disabled")
    issued_at = now or datetime.now(UTC)
    payload: dict[str, object] = {
        "sub": subject or development_subject(email),
        "email": email,
        "iat": issued_at,
        "exp": issued_at + lifetime,
        "jti": uuid.uuid4().hex,
    }
    if name:
        payload["name"] = name
    if settings.auth_issuer:
        payload["iss"] = settings.auth_issuer
    if settings.auth_audience:
        payload["aud"] = settings.auth_audience
    return jwt.encode(payload, settings.auth_jwt_secret, algorithm=DEVELOPMENT_ALGORITHM)
