"""HTTP side of the one authentication entry (domain.accounts.authentication)."""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse

from domain.accounts.authentication import bearer_token, user_from_access_token
from graphql_api.http.responses import error_response


async def resolve_viewer(request: HttpRequest) -> Any:
    """The caller of this request: the bearer token's user when a token is sent (the
    session is then ignored), else the session's user. Raises AuthenticationFailed for
    bad credentials."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        return await request.auser()
    return await sync_to_async(user_from_access_token)(token)


def unauthenticated_response(request: HttpRequest, message: str) -> HttpResponse:
    return error_response(
        request,
        status=401,
        code="UNAUTHENTICATED",
        message=message,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
