"""Cached anonymous answers served in front of Django's handler are the same bytes, with the
same headers, as the view's answers: a hit, a miss, or the cache off."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.sync import sync_to_async
from django.core.asgi import get_asgi_application

from domain.catalog.models import Product
from domain.demo.seeding import demo_seed
from graphql_api.http import response_cache
from graphql_api.http.fast_path import CachedAnswers
from project.cache_prefix import clear_own_entries
from tests.support.graphql import contract_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db(transaction=True)

STOREFRONT = contract_document("storefront")
ORIGIN = "https://shop.example.com"


class _Counting:
    """Django's ASGI application, counting the requests that reach it."""

    def __init__(self) -> None:
        self.app = get_asgi_application()
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        await self.app(scope, receive, send)


async def _request(
    app: Any, method: str, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    raw = json.dumps(body).encode() if method == "POST" else b""
    query = urlencode({k: json.dumps(v) if k == "variables" else v for k, v in body.items()})
    all_headers = {"host": "testserver", **headers}
    if method == "POST":
        all_headers.update({"content-type": "application/json", "content-length": str(len(raw))})
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/graphql/",
        "raw_path": b"/graphql/",
        "query_string": query.encode() if method == "GET" else b"",
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in all_headers.items()],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }
    messages: list[dict[str, Any]] = []
    sent_body = False

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": raw, "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    content = b"".join(m.get("body", b"") for m in messages[1:])
    return start["status"], sorted(start["headers"]), content


def _without_x_cache(headers: list[tuple[bytes, bytes]]) -> tuple[list[Any], bytes | None]:
    rest = [(k, v) for k, v in headers if k.lower() != b"x-cache"]
    sources = [v for k, v in headers if k.lower() == b"x-cache"]
    return rest, sources[0] if sources else None


@sync_to_async
def _contract_requests() -> list[dict[str, Any]]:
    demo_seed(products=12, seed=3)
    product = Product.objects.published().order_by("-created_at").first()
    hidden = Product.objects.filter(is_published=False).first()
    requests = [
        {"operationName": "CatalogPage"},
        {"operationName": "CatalogPage", "variables": {"first": 5, "ordering": [{"price": "ASC"}]}},
        {"operationName": "ProductDetail", "variables": {"slug": product.slug}},
        {"operationName": "ProductDetail", "variables": {"slug": "no-such-product"}},
        {"operationName": "ProductNode", "variables": {"id": global_id("Product", product.pk)}},
        {"operationName": "CategoryTree"},
    ]
    if hidden is not None:
        requests.append(
            {"operationName": "ProductNode", "variables": {"id": global_id("Product", hidden.pk)}}
        )
    return [{"query": STOREFRONT, **request} for request in requests]


@sync_to_async
def _forget_answers() -> None:
    """Another variant of a request may have the same key (GET and POST do)."""
    clear_own_entries()
    response_cache.local.clear()


VARIANTS = [
    ("POST", {}),
    ("GET", {}),
    ("POST", {"origin": ORIGIN}),
    ("POST", {"accept": "application/graphql-response+json"}),
]


async def test_hits_misses_and_uncached_answers_are_the_same_bytes_and_headers(settings):
    # given every anonymous query of the storefront contract, asked in several ways
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    django_app = _Counting()
    app = CachedAnswers(django_app)
    for body in await _contract_requests():
        for method, headers in VARIANTS:
            # when: the cache off, then on (a miss, then a hit)
            await _forget_answers()
            settings.RESPONSE_CACHE_TTL = 0
            uncached = await _request(app, method, body, headers)
            settings.RESPONSE_CACHE_TTL = 60
            miss = await _request(app, method, body, headers)
            reached_django = django_app.calls
            hit = await _request(app, method, body, headers)
            # then
            what = (body.get("operationName"), method, headers)
            assert uncached[0] == miss[0] == hit[0] == 200, what
            assert uncached[2] == miss[2] == hit[2], what
            plain, no_source = _without_x_cache(uncached[1])
            assert no_source is None, what
            assert _without_x_cache(miss[1]) == (plain, b"miss"), what
            assert _without_x_cache(hit[1]) == (plain, b"hit"), what
            assert django_app.calls == reached_django, f"the hit went to Django: {what}"


async def test_the_views_own_hit_has_the_same_headers_as_the_fast_paths(settings):
    # given an answer cached through the fast path
    settings.RESPONSE_CACHE_TTL = 60
    settings.CORS_ALLOWED_ORIGINS = [ORIGIN]
    (body, *_) = await _contract_requests()
    headers = {"origin": ORIGIN}
    app = CachedAnswers(get_asgi_application())
    await _request(app, "POST", body, headers)
    # when the same request is served by Django alone (the view's early lookup)
    through_view = await _request(get_asgi_application(), "POST", body, headers)
    fast = await _request(app, "POST", body, headers)
    # then
    assert through_view == fast
    assert _without_x_cache(fast[1])[1] == b"hit"


async def test_signed_in_and_refused_requests_go_to_django(settings):
    # given a cached answer
    settings.RESPONSE_CACHE_TTL = 60
    (body, *_) = await _contract_requests()
    django_app = _Counting()
    app = CachedAnswers(django_app)
    await _request(app, "POST", body, {})
    assert (await _request(app, "POST", body, {}))[0] == 200
    calls = django_app.calls
    # when
    bearer = await _request(app, "POST", body, {"authorization": "Bearer nonsense"})
    session = await _request(app, "POST", body, {"cookie": "sessionid=abc"})
    broken = await _request(app, "POST", {"query": 3}, {})
    # then: Django answered each, as without the fast path
    assert django_app.calls == calls + 3
    assert bearer[0] == 401
    assert _without_x_cache(session[1])[1] is None
    assert broken[0] == 400


async def test_a_persisted_query_sent_with_get_keeps_its_etag_when_its_answer_is_cached(settings):
    # given a persisted query's answer in the cache (registered with its text, then asked
    # for by hash alone with GET)
    settings.RESPONSE_CACHE_TTL = 60
    text = "query Count { products(first: 1) { totalCount } }"
    digest = hashlib.sha256(text.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    app = CachedAnswers(_Counting())
    assert (await _request(app, "POST", {"query": text, "extensions": persisted}, {}))[0] == 200
    by_hash = {"operationName": "Count", "extensions": json.dumps(persisted)}
    await _request(app, "GET", by_hash, {})
    # when it is asked for again, then with the ETag it was given
    status, headers, _ = await _request(app, "GET", by_hash, {})
    named = {name.decode().lower(): value.decode() for name, value in headers}
    again = await _request(app, "GET", by_hash, {"if-none-match": named.get("etag", "")})
    # then the view answered both: the ETag and its cache rule, then 304
    assert status == 200 and named.get("cache-control") == "public, no-cache" and named["etag"]
    assert again[0] == 304
