"""The one way in: HTTP (`Authorization: Bearer …` or the session) and WebSocket
(`{"authorization": "Bearer …"}` in connection_init, or the session cookie) both resolve
their caller here."""

from __future__ import annotations

from typing import Any

from domain.accounts.models import User
from domain.accounts.tokens import (
    InvalidAccessToken,
    access_token_claims,
    access_token_matches_user,
)


class AuthenticationFailed(Exception):
    """The credentials presented are not valid; the caller must not be treated as
    anonymous either."""


def bearer_token(authorization: str | None) -> str | None:
    """The token of a `Bearer <token>` value; None when there is no value at all.

    Raises AuthenticationFailed for any other scheme or an empty token."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Use `Authorization: Bearer <access token>`.")
    return token.strip()


def user_from_access_token(token: str) -> User:
    try:
        claims = access_token_claims(token)
    except InvalidAccessToken:
        raise AuthenticationFailed("The access token is invalid or expired.") from None
    user = User.objects.filter(pk=claims["sub"], is_active=True).first()
    if user is None or not access_token_matches_user(claims, user):
        raise AuthenticationFailed("The access token is invalid or expired.")
    return user


def user_from_authorization(authorization: str | None, *, session_user: Any) -> Any:
    """The caller: the bearer token's user when a token is presented (the session is then
    ignored), else the session's user (possibly anonymous)."""
    token = bearer_token(authorization)
    if token is None:
        return session_user
    return user_from_access_token(token)
