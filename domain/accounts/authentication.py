"""The one way in: HTTP (`Authorization: Bearer …` or the session) and WebSocket
(`{"authorization": "Bearer …"}` in connection_init, or the session cookie) both resolve
their caller here.

A WebSocket connection outlives the moment it was checked, so it keeps a `SignIn` (what
it was signed in with) and checks it again with `sign_in_recheck` when told that its
user's sign-in changed, when it ends by itself, and every so often."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.db.models import Exists

from domain.accounts.models import RefreshToken, User
from domain.accounts.tokens import (
    InvalidAccessToken,
    access_token_claims,
    access_token_family,
    access_token_matches_user,
)


class AuthenticationFailed(Exception):
    """The credentials presented are not valid; the caller must not be treated as
    anonymous either."""


@dataclass(frozen=True)
class SignIn:
    """What a long-lived connection was signed in with: a bearer access token or a
    session (by its key). `is_staff` is the user's flag at sign-in: the connection's rights
    were fixed then, so a change ends it. `ends_at`: when it ends by itself (the token's
    expiry, the session's expiry date), when known."""

    user_id: int
    is_staff: bool
    access_token: str | None = None
    session_key: str | None = None
    ends_at: datetime | None = None


def bearer_token(authorization: str | None) -> str | None:
    """The token of a `Bearer <token>` value; None when there is no value at all.

    Raises AuthenticationFailed for any other scheme or an empty token."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Use `Authorization: Bearer <access token>`.")
    return token.strip()


def _access_token_user(token: str) -> tuple[User, dict[str, Any]]:
    """The token's user and claims: signature and expiry checked, the user active, the
    password unchanged since the token was issued, and its refresh-token family (if it
    names one) not revoked. One query."""
    try:
        claims = access_token_claims(token)
        family = access_token_family(claims)
    except InvalidAccessToken:
        raise AuthenticationFailed("The access token is invalid or expired.") from None
    users = User.objects.filter(pk=claims["sub"], is_active=True)
    if family is not None:
        revoked = RefreshToken.objects.filter(family=family, revoked_at__isnull=False)
        users = users.annotate(family_revoked=Exists(revoked))
    user = users.first()
    if (
        user is None
        or not access_token_matches_user(claims, user)
        or getattr(user, "family_revoked", False)
    ):
        raise AuthenticationFailed("The access token is invalid or expired.")
    return user, claims


def user_from_access_token(token: str) -> User:
    return _access_token_user(token)[0]


def sign_in_by_authorization(
    authorization: str | None, *, session_user: Any, session_key: str | None
) -> tuple[Any, SignIn | None]:
    """The caller and their sign-in: the bearer token's user when a token is presented
    (the session is then ignored), else the session's user (possibly anonymous, without a
    sign-in)."""
    token = bearer_token(authorization)
    if token is None:
        if session_user is None or not session_user.is_authenticated or not session_key:
            return session_user, None
        sign_in = SignIn(
            user_id=session_user.pk,
            is_staff=session_user.is_staff,
            session_key=session_key,
            ends_at=_session_expiry(session_key),
        )
        return session_user, sign_in
    user, claims = _access_token_user(token)
    sign_in = SignIn(
        user_id=user.pk,
        is_staff=user.is_staff,
        access_token=token,
        ends_at=datetime.fromtimestamp(claims["exp"], UTC),
    )
    return user, sign_in


def _session_store(session_key: str) -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def _session_user(session_key: str) -> Any:
    """The session's user as Django resolves it for each HTTP request (an ended session,
    an inactive user, or a password changed since sign-in give AnonymousUser)."""
    return get_user(SimpleNamespace(session=_session_store(session_key)))


def _session_expiry(session_key: str) -> datetime | None:
    """When a database-backed session ends (None for other session engines, which keep
    no date to read: the periodic check covers them)."""
    store = _session_store(session_key)
    model_of = getattr(store, "get_model_class", None)
    if model_of is None:
        return None
    return (
        model_of()
        .objects.filter(session_key=session_key)
        .values_list("expire_date", flat=True)
        .first()
    )


def sign_in_key(*, access_token: str | None, session_key: str | None) -> str | None:
    """Which sign-in (device) a caller acts through, for limits that must not let one
    device lock out the others: the refresh-token family its access token came from (or,
    for a token without one, the token itself), else its browser session. None when
    neither is known."""
    if access_token:
        try:
            claims = access_token_claims(access_token)
        except InvalidAccessToken:
            return None
        family = claims.get("fam") or claims.get("jti")
        return f"token:{family}" if family else None
    if session_key:
        return "session:" + hashlib.sha256(session_key.encode()).hexdigest()[:32]
    return None


def sign_in_recheck(sign_in: SignIn) -> SignIn | None:
    """The sign-in as it stands now (a session's end may have moved), or None when it no
    longer holds: the user was deactivated, deleted or signed out, the password changed,
    the token expired or its family was revoked, the session ended, or the staff flag
    changed."""
    if sign_in.access_token is not None:
        try:
            user, _ = _access_token_user(sign_in.access_token)
        except AuthenticationFailed:
            return None
        ends_at = sign_in.ends_at
    elif sign_in.session_key is not None:
        user = _session_user(sign_in.session_key)
        if not user.is_authenticated:
            return None
        ends_at = _session_expiry(sign_in.session_key)
    else:
        return None
    if user.pk != sign_in.user_id or user.is_staff != sign_in.is_staff:
        return None
    return replace(sign_in, ends_at=ends_at)
