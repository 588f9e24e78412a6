"""GraphQL over HTTP: `application/graphql-response+json` with the spec's status codes when
the client accepts it; `application/json` (200 for GraphQL errors) otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GRAPHQL_RESPONSE = "application/graphql-response+json"


def _post(client: Client, body: dict[str, Any], accept: str | None) -> Any:
    headers = {"Accept": accept} if accept is not None else {}
    return client.post("/graphql/", body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (GRAPHQL_RESPONSE, f"{GRAPHQL_RESPONSE}; charset=utf-8"),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", f"{GRAPHQL_RESPONSE}; charset=utf-8"),
        ("application/json", "application/json"),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", "application/json"),
        ("*/*", "application/json"),
        (None, "application/json"),
    ],
)
def test_the_response_media_type_follows_accept(
    client: Client, accept: str | None, content_type: str
) -> None:
    response = _post(client, {"query": "{ __typename }"}, accept)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param({"query": "{"}, "GRAPHQL_PARSE_FAILED", id="parse"),
        pytest.param({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED", id="validation"),
        pytest.param(
            {"query": "query ($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
            "BAD_USER_INPUT",
            id="variable-coercion",
        ),
        pytest.param(
            {"query": "{ products(first: 500) { totalCount } }"}, "PAGINATION_LIMIT", id="page-rule"
        ),
    ],
)
@pytest.mark.parametrize(
    ("accept", "status"), [(GRAPHQL_RESPONSE, 400), ("application/json", 200), (None, 200)]
)
def test_a_request_error_has_no_data_and_the_status_of_its_media_type(
    client: Client, body: dict[str, Any], code: str, accept: str | None, status: int
) -> None:
    response = _post(client, body, accept)
    assert response.status_code == status
    payload = response.json()
    assert "data" not in payload
    assert [error["extensions"]["code"] for error in payload["errors"]] == [code]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
def test_a_field_error_keeps_data_and_status_200(client: Client, accept: str) -> None:
    # given an anonymous caller asking for a staff-only list next to a public field
    body = {"query": "{ __typename products(first: 1, includeUnpublished: true) { totalCount } }"}
    # when
    response = _post(client, body, accept)
    # then execution began: data is there (null where the field failed), and it is a 200
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in payload["errors"]] == [
        (["products"], "UNAUTHENTICATED")
    ]


def test_get_queries_negotiate_like_posts(client: Client) -> None:
    response = client.get(
        "/graphql/",
        {"query": "query ($n: String!) { __type(name: $n) { name } }", "variables": '{"n":"x"}'},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(GRAPHQL_RESPONSE)
    assert response.json() == {"data": {"__type": None}}
