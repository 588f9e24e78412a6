"""A request with an API key (`Authorization: Api-Key` or `X-Api-Key`) is never answered
from the anonymous response cache, neither by the view nor by the fast path in front of
Django, and its answer is never filed there; a public GET answer varies on X-Api-Key."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from domain.common.permissions import StaffScope
from graphql_api.http.fast_path import CachedAnswers
from tests.factories import make_api_key, make_product
from tests.graphql_api.http.test_fast_path import _Counting, _request, _without_x_cache
from tests.support.persisted import (
    fresh_documents,  # noqa: F401 (an autouse fixture)
    hash_and_text,
    persisted,
    sha256,
)

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = {"query": "query Page { products(first: 5, includeUnpublished: true) { totalCount } }"}
PUBLIC = {"query": "query Page { products(first: 5) { totalCount } }"}


def _post(body: dict, **headers: str):
    return Client().post("/graphql/", body, content_type="application/json", headers=headers)


@pytest.fixture
def reader_secret():
    make_product(name="Live Lamp")
    make_product(name="Draft Lamp", is_published=False)
    return make_api_key(scopes=[StaffScope.CATALOG_READ])[1]


@pytest.mark.parametrize("form", ["Authorization", "X-Api-Key"])
def test_a_key_request_is_neither_served_nor_filed_by_the_response_cache(
    settings, reader_secret, form
):
    settings.RESPONSE_CACHE_TTL = 30
    headers = {form: f"Api-Key {reader_secret}" if form == "Authorization" else reader_secret}
    # given the anonymous answer to a public query in the cache
    assert _post(PUBLIC)["X-Cache"] == "miss"
    assert _post(PUBLIC)["X-Cache"] == "hit"
    # when a key asks the same query, then for unpublished products too
    same = _post(PUBLIC, **headers)
    staff_view = _post(QUERY, **headers)
    # then both are computed for the key, and neither is filed
    assert "X-Cache" not in same and "X-Cache" not in staff_view
    assert same.json() == {"data": {"products": {"totalCount": 1}}}
    assert staff_view.json() == {"data": {"products": {"totalCount": 2}}}
    assert "X-Cache" not in _post(PUBLIC, **headers)
    assert _post(PUBLIC).json() == {"data": {"products": {"totalCount": 1}}}


@pytest.mark.parametrize("header", ["authorization", "x-api-key"])
async def test_the_fast_path_hands_key_requests_to_django(settings, reader_secret, header):
    # given an anonymous answer in the cache, served by the fast path
    settings.RESPONSE_CACHE_TTL = 60
    django_app = _Counting()
    app = CachedAnswers(django_app)
    await _request(app, "POST", PUBLIC, {})
    hit = await _request(app, "POST", PUBLIC, {})
    assert _without_x_cache(hit[1])[1] == b"hit"
    calls = django_app.calls
    # when a key asks for it
    value = f"Api-Key {reader_secret}" if header == "authorization" else reader_secret
    status, headers, _ = await _request(app, "POST", PUBLIC, {header: value})
    # then Django answered it, for the key, without the cache
    assert django_app.calls == calls + 1
    assert status == 200
    assert _without_x_cache(headers)[1] is None
    # and a bad key is refused there too, never served the anonymous answer
    status, _, _ = await _request(app, "POST", PUBLIC, {header: value[:-2]})
    assert status == 401
    assert django_app.calls == calls + 2


def test_a_key_get_by_hash_is_private_and_the_public_answer_varies_on_the_key(
    settings, reader_secret
):
    # given a persisted query, and its public answer with an ETag
    settings.RESPONSE_CACHE_TTL = 30
    text = PUBLIC["query"]
    _post(hash_and_text(text))
    params = {"extensions": json.dumps(persisted(sha256(text)))}
    public = Client().get("/graphql/", params)
    assert public["Cache-Control"] == "public, no-cache"
    assert "X-Api-Key" in [name.strip() for name in public["Vary"].split(",")]
    # when a key asks for it by hash, even with the public answer's tag
    response = Client().get(
        "/graphql/", params, headers={"X-Api-Key": reader_secret, "If-None-Match": public["ETag"]}
    )
    # then it is answered for the key alone: executed, private, without a tag
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response
