"""The one way in: HTTP (`Authorization: Bearer …`, `Authorization: Api-Key …` or
`X-Api-Key: …`, or the session) and WebSocket (`{"authorization": "Bearer …"}` or
`"Api-Key …"` in connection_init, or the session cookie) both resolve their caller here.
An API key's caller is its maker, limited to the key's scopes (domain/accounts/api_keys.py).

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

from domain.accounts.api_keys import api_key_id_of, api_key_user, api_key_user_by_id
from domain.accounts.models import RefreshToken, User
from domain.accounts.tokens import (
    InvalidAccessToken,
    access_token_claims,
    access_token_family,
    access_token_matches_user,
)

BEARER = "Bearer"
API_KEY = "Api-Key"


class AuthenticationFailed(Exception):
    """The credentials presented are not valid; the caller must not be treated as
    anonymous either. `scheme`: the authentication scheme they were presented with."""

    def __init__(self, message: str, *, scheme: str = BEARER) -> None:
        super().__init__(message)
        self.scheme = scheme


@dataclass(frozen=True)
class Credentials:
    """What a request presents: `scheme` BEARER (an access token) or API_KEY (a key's
    secret), and the value."""

    scheme: str
    value: str


@dataclass(frozen=True)
class SignIn:
    """What a long-lived connection was signed in with: a bearer access token, an API key
    (by its id) or a session (by its key). `is_staff` is the user's flag at sign-in: the
    connection's rights were fixed then, so a change ends it. `ends_at`: when it ends by
    itself (the token's expiry, the session's expiry date), when known."""

    user_id: int
    is_staff: bool
    access_token: str | None = None
    session_key: str | None = None
    ends_at: datetime | None = None
    api_key_id: int | None = None


_WRONG_SCHEME = "Use `Authorization: Bearer <access token>` or `Authorization: Api-Key <key>`."


def presented_credentials(
    authorization: str | None, api_key: str | None = None
) -> Credentials | None:
    """The credentials of an `Authorization` value (`Bearer <token>` or `Api-Key <key>`)
    and an `X-Api-Key` value (None: the header is absent); None when neither is given (an
    empty `Authorization` counts as absent).

    Raises AuthenticationFailed for another scheme, an empty token or key (an `X-Api-Key`
    header that is present but blank included: a key was meant, and a caller meaning a key
    never runs as anonymous), or both headers at once (which one would be meant is not for
    the server to guess)."""
    if api_key is not None and not api_key.strip():
        raise AuthenticationFailed("The `X-Api-Key` header is empty.", scheme=API_KEY)
    authorization = (authorization or "").strip()
    api_key = (api_key or "").strip()
    if authorization and api_key:
        raise AuthenticationFailed(
            "Send one credential: `Authorization` or `X-Api-Key`, not both.", scheme=API_KEY
        )
    if api_key:
        return Credentials(API_KEY, api_key)
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    value = value.strip()
    for known in (BEARER, API_KEY):
        if scheme.lower() == known.lower() and value:
            return Credentials(known, value)
    raise AuthenticationFailed(_WRONG_SCHEME)


def bearer_token(authorization: str | None) -> str | None:
    """The token of a `Bearer <token>` value; None when there is no value at all, or an
    API key.

    Raises AuthenticationFailed for any other scheme or an empty token."""
    credentials = presented_credentials(authorization)
    if credentials is None or credentials.scheme != BEARER:
        return None
    return credentials.value


def _api_key_user(secret: str) -> User:
    user = api_key_user(secret)
    if user is None:
        raise AuthenticationFailed("The API key is invalid or revoked.", scheme=API_KEY)
    return user


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


def user_from_credentials(credentials: Credentials) -> User:
    """The user presented credentials act as: an access token's user, or an API key's
    maker limited to the key's scopes (an instance of this request's own). Raises
    AuthenticationFailed when they are not valid."""
    if credentials.scheme == API_KEY:
        return _api_key_user(credentials.value)
    return user_from_access_token(credentials.value)


def sign_in_by_authorization(
    authorization: str | None, *, session_user: Any, session_key: str | None
) -> tuple[Any, SignIn | None]:
    """The caller and their sign-in: the bearer token's user, or the API key's, when one
    is presented (the session is then ignored), else the session's user (possibly
    anonymous, without a sign-in)."""
    credentials = presented_credentials(authorization)
    if credentials is not None and credentials.scheme == API_KEY:
        user = _api_key_user(credentials.value)
        return user, SignIn(user_id=user.pk, is_staff=user.is_staff, api_key_id=api_key_id_of(user))
    token = credentials.value if credentials is not None else None
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


def sign_in_key(
    *, access_token: str | None, session_key: str | None, api_key_id: int | None = None
) -> str | None:
    """Which sign-in (device) a caller acts through, for limits that must not let one
    device lock out the others: its API key, or the refresh-token family its access token
    came from (or, for a token without one, the token itself), else its browser session.
    None when neither is known."""
    if api_key_id is not None:
        return f"api-key:{api_key_id}"
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
    the token expired or its family was revoked, the API key was revoked, the session
    ended, or the staff flag changed."""
    if sign_in.api_key_id is not None:
        key_user = api_key_user_by_id(sign_in.api_key_id)
        if key_user is None:
            return None
        user, ends_at = key_user, None
    elif sign_in.access_token is not None:
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
