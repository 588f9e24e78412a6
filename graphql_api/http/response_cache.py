"""Whole-response cache for anonymous read queries.

Most storefront traffic is anonymous and asks the same catalog pages again and again. An
anonymous caller (no Authorization header, no session cookie) sees only public data with
no per-viewer values (isFavorite is false for all of them), so the answer depends only on
the document, the variables, the host (absolute image URLs) and the catalog. Answers are
filed under the catalog's read version (domain/common/read_version.py), which every
committed catalog change bumps, and kept RESPONSE_CACHE_TTL seconds at most (a bound on
anything a write path might not report, such as a renamed reviewer).

Only successful query operations are stored; mutations, subscriptions, signed-in callers
and answers with errors always run."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from graphql import OperationType

from domain.common.read_version import acatalog_version
from graphql_api.execution.documents import digest_of
from graphql_api.http.envelope import GraphQLRequest

KEY_PREFIX = "gql-response:"


async def cache_key(
    request: HttpRequest, operation: GraphQLRequest, operation_type: OperationType | None
) -> str | None:
    """The key of this request's answer, or None when it must not be cached."""
    if not settings.RESPONSE_CACHE_TTL or operation_type is not OperationType.QUERY:
        return None
    if operation.uploads:
        return None  # files are no part of a key
    if "Authorization" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    material = json.dumps(
        [
            request.scheme,
            request.get_host(),
            digest_of(operation.query),
            operation.operation_name,
            operation.variables or {},
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{KEY_PREFIX}{await acatalog_version()}:{digest}"


async def cached(key: str) -> HttpResponse | None:
    content = await cache.aget(key)
    if content is None:
        return None
    return HttpResponse(content, content_type="application/json", headers={"X-Cache": "hit"})


async def store(key: str, response: HttpResponse) -> None:
    if response.status_code == 200 and b'"errors"' not in response.content:
        await cache.aset(key, response.content, timeout=settings.RESPONSE_CACHE_TTL)
        response["X-Cache"] = "miss"
