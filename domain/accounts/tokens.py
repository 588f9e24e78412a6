"""Access tokens (short-lived JWTs, HS256) and refresh tokens (random, stored hashed).

An access token names its user, a fingerprint of the user's password hash (a password
change also ends access tokens issued before it) and, when it was issued with a refresh
token, that token's family (revoking the family ends it too)."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.conf import settings

ALGORITHM = "HS256"
ACCESS = "access"
FAMILY = "fam"


class InvalidAccessToken(Exception):
    """Malformed, wrongly signed, of another algorithm, expired, or not an access token."""


def _password_fingerprint(user: Any) -> str:
    return user.get_session_auth_hash()[:16]


def access_token_encode(
    user: Any, *, family: uuid.UUID | None = None, now: datetime | None = None
) -> str:
    """`family`: the refresh-token family the token was issued with (`fam`); revoking the
    family (tokenRevoke, reuse of a used refresh token) ends the access token too."""
    issued = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": str(user.pk),
        "type": ACCESS,
        "pwd": _password_fingerprint(user),
        "iat": issued,
        "exp": issued + timedelta(seconds=settings.JWT_ACCESS_TOKEN_TTL),
        "jti": uuid.uuid4().hex,
    }
    if family is not None:
        claims[FAMILY] = str(family)
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm=ALGORITHM)


def access_token_claims(token: str) -> dict[str, Any]:
    """The verified claims; `algorithms` is pinned, so `alg: none` and others are refused."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=[ALGORITHM],
            options={"require": ["sub", "exp", "iat", "type", "pwd"]},
        )
    except jwt.PyJWTError as error:
        raise InvalidAccessToken(str(error)) from None
    if claims.get("type") != ACCESS:
        raise InvalidAccessToken("not an access token")
    return claims


def access_token_family(claims: dict[str, Any]) -> uuid.UUID | None:
    """The refresh-token family the token names; None when it names none."""
    family = claims.get(FAMILY)
    if family is None:
        return None
    try:
        return uuid.UUID(str(family))
    except ValueError:
        raise InvalidAccessToken("malformed family") from None


def access_token_matches_user(claims: dict[str, Any], user: Any) -> bool:
    return secrets.compare_digest(str(claims["pwd"]), _password_fingerprint(user))


def refresh_token_generate() -> tuple[str, str]:
    """A new refresh token and the hash we store for it."""
    raw = secrets.token_urlsafe(32)
    return raw, refresh_token_hash(raw)


def refresh_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
