"""HTTP side of the one authentication entry (domain.accounts.authentication): the caller
of a request, from `Authorization: Bearer <token>`, `Authorization: Api-Key <key>`,
`X-Api-Key: <key>` or the session cookie."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from domain.accounts.authentication import presented_credentials, user_from_credentials
from graphql_api.http.responses import error_response

# Headers that carry credentials of their own (not ambient ones, like a cookie): a request
# with one is never anonymous, never answered from the anonymous response cache, and
# needs no CSRF token (a cross-site page cannot set them without a preflight).
CREDENTIAL_HEADERS = ("Authorization", "X-Api-Key")


def sends_credentials(request: HttpRequest) -> bool:
    """Whether the request carries a credential header, valid or not."""
    return any(name in request.headers for name in CREDENTIAL_HEADERS)


async def resolve_viewer(request: HttpRequest) -> Any:
    """The caller of this request: the bearer token's or the API key's user when one is
    sent (the session is then ignored), else the session's user. Raises
    AuthenticationFailed for bad credentials. An API key's user is an instance of this
    request's own, limited to the key's scopes."""
    credentials = presented_credentials(
        request.headers.get("Authorization"), request.headers.get("X-Api-Key")
    )
    if credentials is None:
        return await request.auser()
    return await sync_to_async(user_from_credentials)(credentials)


def unauthenticated_response(request: HttpRequest, message: str, scheme: str) -> HttpResponse:
    return error_response(
        request,
        status=401,
        code="UNAUTHENTICATED",
        message=message,
        headers={"WWW-Authenticate": f'{scheme} error="invalid_token"'},
    )
