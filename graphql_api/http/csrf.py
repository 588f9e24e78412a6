"""CSRF for the GraphQL endpoint.

A forged cross-site request can only ride on ambient credentials, which here means the
session cookie. So a POST that carries the session cookie and no bearer token or API key
must bring Django's CSRF token (GraphiQL sends it from the `csrftoken` cookie); a
bearer-token, API-key or credential-less request needs none (a cross-site page cannot set
`Authorization` or `X-Api-Key` without a preflight, which CORS refuses).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from graphql_api.http.responses import error_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _not_called(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    raise AssertionError("CsrfViewMiddleware.process_view does not call get_response")


_csrf = CsrfViewMiddleware(_not_called)


def has_bearer_token(request: HttpRequest) -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")


def has_header_credentials(request: HttpRequest) -> bool:
    """A bearer token or an API key (`Authorization: Api-Key …` or `X-Api-Key`)."""
    authorization = request.headers.get("Authorization", "").lower()
    return authorization.startswith(("bearer ", "api-key ")) or bool(
        request.headers.get("X-Api-Key", "").strip()
    )


def is_multipart(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data"


def csrf_rejection(request: HttpRequest) -> HttpResponse | None:
    """A 403 GraphQL error response when this request needs a CSRF token it lacks.

    Multipart requests (file uploads) are the form a cross-site page can send without a
    preflight, so they need a bearer token or a CSRF token even without a session cookie
    (the strawberry CSRF-by-multipart advisory)."""
    if request.method in SAFE_METHODS or has_header_credentials(request):
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not is_multipart(request):
        return None
    if _csrf.process_view(request, None, (), {}) is None:
        return None
    return error_response(
        request,
        status=403,
        code="CSRF_FAILED",
        message="CSRF token missing or incorrect: send the X-CSRFToken header "
        "(cookie sessions), or authenticate with a bearer token or an API key.",
    )
