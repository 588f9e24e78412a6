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
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from domain.common.read_version import acatalog_version

KEY_PREFIX = "gql-response:"


@lru_cache(maxsize=512)
def _operation_types(query: str) -> dict[str | None, OperationType] | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    types: dict[str | None, OperationType] = {
        (o.name.value if o.name else None): o.operation for o in operations
    }
    if len(operations) == 1:
        types[None] = operations[0].operation
    return types


def _payload(request: HttpRequest) -> dict[str, Any] | None:
    if request.method == "GET":
        variables = request.GET.get("variables")
        try:
            return {
                "query": request.GET.get("query"),
                "variables": json.loads(variables) if variables else None,
                "operationName": request.GET.get("operationName"),
            }
        except ValueError:
            return None
    if request.method == "POST" and request.content_type == "application/json":
        try:
            payload = json.loads(request.body)
        except ValueError:
            return None
        return payload if isinstance(payload, dict) else None
    return None


async def cache_key(request: HttpRequest) -> str | None:
    """The key of this request's answer, or None when it must not be cached."""
    if not settings.RESPONSE_CACHE_TTL:
        return None
    if "Authorization" in request.headers or settings.SESSION_COOKIE_NAME in request.COOKIES:
        return None
    payload = _payload(request)
    if payload is None or not isinstance(payload.get("query"), str):
        return None
    types = _operation_types(payload["query"])
    if not types or types.get(payload.get("operationName")) is not OperationType.QUERY:
        return None
    material = json.dumps(
        [
            request.scheme,
            request.get_host(),
            payload["query"],
            payload.get("operationName"),
            payload.get("variables") or {},
        ],
        sort_keys=True,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(material.encode()).hexdigest()
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
