"""Access tokens (short-lived JWTs, HS256) and refresh tokens (random, stored hashed).

An access token names its user and a fingerprint of the user's password hash, so a
password change also ends access tokens issued before it."""

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


class InvalidAccessToken(Exception):
    """Malformed, wrongly signed, of another algorithm, expired, or not an access token."""


def _password_fingerprint(user: Any) -> str:
    return user.get_session_auth_hash()[:16]


def access_token_encode(user: Any, *, now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user.pk),
        "type": ACCESS,
        "pwd": _password_fingerprint(user),
        "iat": issued,
        "exp": issued + timedelta(seconds=settings.JWT_ACCESS_TOKEN_TTL),
        "jti": uuid.uuid4().hex,
    }
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


def access_token_matches_user(claims: dict[str, Any], user: Any) -> bool:
    return secrets.compare_digest(str(claims["pwd"]), _password_fingerprint(user))


def refresh_token_generate() -> tuple[str, str]:
    """A new refresh token and the hash we store for it."""
    raw = secrets.token_urlsafe(32)
    return raw, refresh_token_hash(raw)


def refresh_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
