"""Apollo's automatic persisted queries and GraphQL over HTTP's `documentId`, over POST
and GET, in `any` mode (the default)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from graphql_api.execution.documents import documents
from tests.factories import make_product
from tests.support.graphql import operation_document
from tests.support.persisted import (
    fresh_documents,  # noqa: F401 (an autouse fixture)
    hash_and_text,
    hash_only,
    persisted,
    sha256,
)

pytestmark = pytest.mark.django_db

PAGE = "query Page { products(first: 5) { edges { node { name } } } }"
NOT_FOUND = {
    "errors": [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]
}


def _post(body: dict[str, Any], **headers: str) -> Any:
    return Client().post("/graphql/", body, content_type="application/json", headers=headers)


def _get(params: dict[str, Any], **headers: str) -> Any:
    encoded = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in params.items()}
    return Client().get("/graphql/", encoded, headers=headers)


def test_an_unknown_hash_alone_answers_persisted_query_not_found_as_json_200():
    # given
    make_product(name="Lamp")
    # when
    response = _post(hash_only(PAGE))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


def test_not_found_is_a_400_request_error_under_graphql_response_json():
    response = _post(hash_only(PAGE), Accept="application/graphql-response+json")
    assert response.status_code == 400
    assert response.json() == NOT_FOUND


def test_the_hash_with_its_text_runs_and_registers_it_for_hash_only_requests():
    # given
    make_product(name="Lamp")
    first = _post(hash_and_text(PAGE))
    documents().clear()  # found in the registrations (the cache), as another process would
    # when
    second = _post(hash_only(PAGE))
    # then
    expected = {"data": {"products": {"edges": [{"node": {"name": "Lamp"}}]}}}
    assert first.json() == expected
    assert second.json() == expected


def test_a_hash_that_is_not_the_texts_is_refused_and_registers_nothing():
    # given
    other = "query Other { products(first: 1) { totalCount } }"
    # when
    response = _post({"query": PAGE, "extensions": persisted(sha256(other))})
    # then
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "The persisted query's sha256Hash is not the SHA-256 of its "
                "`query` text.",
                "extensions": {"code": "PERSISTED_QUERY_HASH_MISMATCH"},
            }
        ]
    }
    assert _post(hash_only(other)).json() == NOT_FOUND


def test_an_unsupported_persisted_query_version_is_refused():
    response = _post({"query": PAGE, "extensions": persisted(sha256(PAGE), version=2)})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Persisted query version 2 is not supported: send version 1.",
                "extensions": {"code": "PERSISTED_QUERY_VERSION_NOT_SUPPORTED"},
            }
        ]
    }


@pytest.mark.parametrize(
    "persisted_query",
    [{"version": 1, "sha256Hash": "not-hex"}, {"version": 1}, "abc"],
)
def test_a_malformed_persisted_query_is_a_bad_request(persisted_query):
    response = _post({"extensions": {"persistedQuery": persisted_query}})
    assert response.status_code == 400
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["BAD_REQUEST"]


@pytest.mark.parametrize("prefix", ["sha256:", ""])
def test_document_id_runs_a_contract_operation_by_its_hash(prefix):
    # given
    make_product(name="Lamp", slug="lamp")
    text = operation_document("storefront", "ProductDetail")
    # when
    response = _post({"documentId": prefix + sha256(text), "variables": {"slug": "lamp"}})
    # then
    assert response.json()["data"]["product"]["name"] == "Lamp"


def test_a_malformed_document_id_is_a_bad_request():
    response = _post({"documentId": "md5:abc"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": '`documentId` must be "sha256:" followed by 64 hexadecimal digits.',
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


def test_a_request_with_neither_text_nor_hash_still_asks_for_the_document():
    response = _post({"variables": {}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_the_response_cache_serves_a_hash_only_request_the_answer_filed_for_the_text(settings):
    # given
    settings.RESPONSE_CACHE_TTL = 30
    make_product(name="Lamp")
    filed = _post(hash_and_text(PAGE))
    # when
    hit = _post(hash_only(PAGE))
    # then
    assert filed["X-Cache"] == "miss"
    assert hit["X-Cache"] == "hit"
    assert hit.content == filed.content


# GET: cacheable answers.


def test_a_persisted_query_over_get_has_an_etag_and_public_cache_control(settings):
    # given
    settings.RESPONSE_CACHE_TTL = 30
    make_product(name="Lamp")
    _post(hash_and_text(PAGE))
    # when
    response = _get({"extensions": persisted(sha256(PAGE))})
    # then
    assert response.status_code == 200
    assert response.json() == {"data": {"products": {"edges": [{"node": {"name": "Lamp"}}]}}}
    assert response["Cache-Control"] == "public, no-cache"  # kept, but revalidated each time
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 66


def test_a_matching_if_none_match_is_answered_304_without_execution(django_assert_num_queries):
    # given
    make_product(name="Lamp")
    _post(hash_and_text(PAGE))
    tag = _get({"extensions": persisted(sha256(PAGE))})["ETag"]
    # when
    with django_assert_num_queries(0):
        response = _get({"extensions": persisted(sha256(PAGE))}, **{"If-None-Match": tag})
    # then
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == tag


def test_the_etag_changes_with_the_catalog_and_with_the_variables():
    # given
    from domain.common.read_version import _bump

    text = "query Page($first: Int) { products(first: $first) { edges { node { name } } } }"
    make_product(name="Lamp")
    _post(hash_and_text(text, variables={"first": 1}))
    params = {"extensions": persisted(sha256(text)), "variables": {"first": 1}}
    before = _get(params)["ETag"]
    # when
    other_variables = _get({**params, "variables": {"first": 2}})["ETag"]
    _bump()  # what a committed public change does
    after = _get(params)
    # then
    assert len({before, other_variables, after["ETag"]}) == 3
    assert _get(params, **{"If-None-Match": before}).status_code == 200


def test_a_signed_in_get_is_private_and_has_no_etag():
    # given
    from domain.accounts.tokens import access_token_encode
    from tests.factories import make_user
    from tests.support.graphql import bearer

    _post(hash_and_text(PAGE))
    # when
    response = _get(
        {"extensions": persisted(sha256(PAGE))}, **bearer(access_token_encode(make_user()))
    )
    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response


def test_a_not_found_over_get_is_not_stored():
    response = _get({"extensions": persisted(sha256(PAGE))})
    assert response.json() == NOT_FOUND
    assert response["Cache-Control"] == "no-store"
    assert "ETag" not in response


def test_a_get_by_document_id_is_cacheable_too():
    text = operation_document("storefront", "CategoryTree")
    response = _get({"documentId": f"sha256:{sha256(text)}"})
    assert response.status_code == 200 and "errors" not in response.json()
    assert "ETag" in response and response["Cache-Control"].startswith("public")


@pytest.mark.parametrize("accept", ["*/*", "application/json, */*;q=0.5", "text/html, */*"])
def test_a_get_by_hash_that_accepts_anything_gets_the_answer_not_graphiql_or_404(accept):
    # `fetch` and many clients send `Accept: */*`; a GET with no `query` parameter is then
    # still a GraphQL request when it names its document by hash.
    make_product(name="Lamp")
    _post(hash_and_text(PAGE))
    response = _get({"extensions": persisted(sha256(PAGE))}, Accept=accept)
    assert response.status_code == 200
    assert response.json() == {"data": {"products": {"edges": [{"node": {"name": "Lamp"}}]}}}


@pytest.mark.urls("tests.graphql_api.http.graphiql_urls")
def test_with_graphiql_on_a_browser_get_by_hash_gets_the_answer_and_a_bare_get_the_ide():
    # given
    make_product(name="Lamp")
    _post(hash_and_text(PAGE))
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"
    # when
    answer = _get({"extensions": persisted(sha256(PAGE))}, Accept=browser)
    page = Client().get("/graphql/", headers={"Accept": browser})
    # then
    assert answer.json() == {"data": {"products": {"edges": [{"node": {"name": "Lamp"}}]}}}
    assert page["Content-Type"].startswith("text/html") and b"graphiql" in page.content.lower()
