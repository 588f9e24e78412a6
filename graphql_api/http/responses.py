"""GraphQL over HTTP: the response's media type and status code.

`application/json` stays the default; a client that accepts
`application/graphql-response+json` (and prefers it, or does not rank them) gets it, with
the spec's status codes: a request error (the document did not parse or validate, its
variables did not coerce, it was refused before execution) is 400 and has no `data` entry.
Under `application/json` a request error is answered 200, as legacy clients expect, and has
no `data` entry either (the GraphQL spec: "If an error was raised before execution begins,
the data entry should not be present"). Whatever the media type: 429 with `Retry-After`
for RATE_LIMITED, and the envelope's own 4xx codes (graphql_api/http/envelope.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from graphql import GraphQLError

from graphql_api.common.errors import ApiErrorCode

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
_CONTENT_TYPES = {JSON: JSON, GRAPHQL_RESPONSE: f"{GRAPHQL_RESPONSE}; charset=utf-8"}


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def negotiate(accept: str | None) -> str:
    """The response media type for an `Accept` header."""
    ranked: dict[str, float] = {}
    for item in (accept or "").split(","):
        media_type, *parameters = item.split(";")
        media_type = media_type.strip().lower()
        if media_type:
            ranked[media_type] = max(ranked.get(media_type, 0.0), _quality(parameters))
    graphql_response = ranked.get(GRAPHQL_RESPONSE, 0.0)
    json_like = max(ranked.get(JSON, 0.0), ranked.get("application/*", 0.0))
    if graphql_response > 0 and graphql_response >= json_like:
        return GRAPHQL_RESPONSE
    return JSON


def content_type_for(request: HttpRequest) -> str:
    return _CONTENT_TYPES[negotiate(request.headers.get("Accept"))]


@dataclass(frozen=True)
class Outcome:
    """What an execution result means for the HTTP response."""

    request_error: bool
    retry_after: int | None = None

    def status(self, media_type: str) -> int:
        if self.retry_after is not None:
            return 429
        if self.request_error and media_type == GRAPHQL_RESPONSE:
            return 400
        return 200


def outcome_of(data: Any, errors: list[GraphQLError] | None) -> Outcome:
    """A request error is one raised before execution began: no data, no error path."""
    errors = errors or []
    request_error = bool(errors) and data is None and all(e.path is None for e in errors)
    retry_after = next(
        (
            int((e.extensions or {}).get("retryAfter") or 1)
            for e in errors
            if e.path is None and (e.extensions or {}).get("code") == ApiErrorCode.RATE_LIMITED
        ),
        None,
    )
    return Outcome(request_error=request_error, retry_after=retry_after)


def apply_outcome(request: HttpRequest, response: HttpResponse, outcome: Outcome) -> None:
    media_type = negotiate(request.headers.get("Accept"))
    response["Content-Type"] = _CONTENT_TYPES[media_type]
    response.status_code = outcome.status(media_type)
    if outcome.retry_after is not None:
        response["Retry-After"] = str(outcome.retry_after)


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """A request refused before any GraphQL work: one error, no `data` entry."""
    response = JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status=status,
        headers=headers,
    )
    response["Content-Type"] = content_type_for(request)
    return response
