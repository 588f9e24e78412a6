"""GraphQL requests over HTTP in /metrics: counted by operation (a contract name or
`other`) and outcome, timed, and the response cache's hits and misses."""

from __future__ import annotations

import pytest

from tests.support.asgi import http_request
from tests.support.graphql import contract_document
from tests.support.metrics import TOKEN, moved, scrape, scrape_client

pytestmark = pytest.mark.django_db(transaction=True)

STOREFRONT = contract_document("storefront")
REQUESTS = "graphql_http_requests_total"
DURATION_COUNT = "graphql_http_request_duration_seconds_count"
DURATION_SUM = "graphql_http_request_duration_seconds_sum"
CACHE = "graphql_response_cache_requests_total"


@pytest.fixture(autouse=True)
def _metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def test_a_contract_query_is_counted_under_its_name_and_timed(client):
    # given
    before = scrape_client(client)
    # when
    response = client.post(
        "/graphql/",
        {"query": STOREFRONT, "operationName": "CategoryTree"},
        content_type="application/json",
    )
    # then
    assert response.status_code == 200 and "errors" not in response.json()
    after = scrape_client(client)
    assert moved(before, after, REQUESTS, operation="CategoryTree", outcome="ok") == 1
    assert moved(before, after, DURATION_COUNT, operation="CategoryTree") == 1
    assert moved(before, after, DURATION_SUM, operation="CategoryTree") > 0


def test_names_outside_the_contract_are_counted_as_other_and_never_become_labels(client):
    # given
    before = scrape_client(client)
    # when
    for name in ("Whatever123", "CatalogPageX"):
        client.post(
            "/graphql/",
            {"query": f"query {name} {{ __typename }}", "operationName": name},
            content_type="application/json",
        )
    client.post("/graphql/", {"query": "{ __typename }"}, content_type="application/json")
    # then
    after = scrape_client(client)
    assert moved(before, after, REQUESTS, operation="other", outcome="ok") == 3
    assert after.label_values(REQUESTS, "operation") <= {"other", *_contract_operations()}


def _contract_operations() -> set[str]:
    from graphql_api.persisted.store import contract_entries

    return {entry.operation_name for entry in contract_entries() if entry.operation_name}


@pytest.mark.parametrize(
    ("body", "accept", "status", "outcome"),
    [
        ('{"query": "{ categories { nope } }"}', "application/json", 200, "error"),
        (
            '{"query": "{ categories { nope } }"}',
            "application/graphql-response+json",
            400,
            "4xx",
        ),
        ('{"query": "{ __typename ', "application/json", 400, "4xx"),
        ("not json", "application/json", 400, "4xx"),
    ],
)
def test_each_request_is_counted_with_its_outcome(client, body, accept, status, outcome):
    # given
    before = scrape_client(client)
    # when
    response = client.post(
        "/graphql/", body, content_type="application/json", headers={"Accept": accept}
    )
    # then
    assert response.status_code == status
    after = scrape_client(client)
    assert moved(before, after, REQUESTS, operation="other", outcome=outcome) == 1
    assert (
        sum(
            moved(before, after, REQUESTS, operation="other", outcome=o)
            for o in ("ok", "error", "4xx", "5xx")
        )
        == 1
    )


async def test_the_response_cache_counts_a_miss_then_a_hit_served_in_front_of_django(settings):
    # given the response cache on
    settings.RESPONSE_CACHE_TTL = 60
    body = {"query": STOREFRONT, "operationName": "CategoryTree"}
    before = await scrape()
    # when the same anonymous query is asked twice
    first = await http_request("POST", body=body)
    second = await http_request("POST", body=body)
    # then the first computed its answer and the second was a hit, both counted requests
    assert (first["headers"]["x-cache"], second["headers"]["x-cache"]) == ("miss", "hit")
    after = await scrape()
    assert moved(before, after, CACHE, result="miss") == 1
    assert moved(before, after, CACHE, result="hit") == 1
    assert moved(before, after, REQUESTS, operation="CategoryTree", outcome="ok") == 2
    assert moved(before, after, DURATION_COUNT, operation="CategoryTree") == 2
