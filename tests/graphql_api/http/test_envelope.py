"""A malformed request is answered 4xx with one GraphQL error (`extensions.code`) and no
`data`: never a 500, never executed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db

QUERY = "{ __typename }"


def _refusal(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"errors"}, body
    assert len(body["errors"]) == 1
    return body["errors"][0]


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param({"query": QUERY, "operationName": {"a": 1}}, id="operationName-object"),
        pytest.param({"query": QUERY, "operationName": ["x"]}, id="operationName-list"),
        pytest.param({"query": QUERY, "operationName": 7}, id="operationName-number"),
        pytest.param({"query": QUERY, "extensions": "x"}, id="extensions-string"),
        pytest.param({"query": QUERY, "extensions": ["x"]}, id="extensions-list"),
        pytest.param({"query": QUERY, "variables": "x"}, id="variables-string"),
        pytest.param({"query": QUERY, "variables": 0}, id="variables-number"),
        pytest.param({"query": QUERY, "variables": False}, id="variables-false"),
        pytest.param({"query": QUERY, "variables": ["x"]}, id="variables-list"),
        pytest.param({"query": {"obj": "ect"}}, id="query-object"),
        pytest.param({"query": 0}, id="query-number"),
        pytest.param({"query": ["x"]}, id="query-list"),
        pytest.param({"qeury": QUERY}, id="query-missing"),
        pytest.param([{"query": QUERY}], id="batch"),
        pytest.param("just a string", id="not-an-object"),
    ],
)
def test_a_malformed_envelope_is_a_bad_request(client: Client, envelope: Any) -> None:
    # when
    response = client.post("/graphql/", json.dumps(envelope), content_type="application/json")
    # then
    assert response.status_code == 400
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b'{ "not a JSON', id="broken-json"),
        pytest.param(b"\xff\xfe{}", id="not-utf-8"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, id="nested-too-deep"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_bad_request(client: Client, body: bytes) -> None:
    # (the test client drops the content type of an empty body unless it is given again)
    response = client.post(
        "/graphql/", body, content_type="application/json", CONTENT_TYPE="application/json"
    )
    assert response.status_code == 400
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


@pytest.mark.parametrize(
    "content_type",
    ["application/jsonx", "text/plain", "application/x-www-form-urlencoded", ""],
)
def test_a_media_type_other_than_json_is_unsupported(client: Client, content_type: str) -> None:
    response = client.post("/graphql/", json.dumps({"query": QUERY}), content_type=content_type)
    assert response.status_code == 415
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


def test_json_is_recognised_whatever_the_spelling_of_its_media_type(client: Client) -> None:
    response = client.post(
        "/graphql/", json.dumps({"query": QUERY}), content_type="Application/JSON; Charset=UTF-8"
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: Client, settings) -> None:
    settings.GRAPHQL_MAX_BODY_BYTES = 1_000
    body = json.dumps({"query": "{ " + "a " * 1_000 + "}"})
    response = client.post("/graphql/", body, content_type="application/json")
    assert response.status_code == 413
    assert _refusal(response)["extensions"] == {"code": "REQUEST_TOO_LARGE"}


@pytest.mark.parametrize(
    "query_string",
    [
        pytest.param({"query": QUERY, "variables": "{not json"}, id="variables-not-json"),
        pytest.param({"query": QUERY, "variables": "[1]"}, id="variables-list"),
        pytest.param({"query": QUERY, "extensions": '"x"'}, id="extensions-string"),
        pytest.param({"query": [QUERY, QUERY]}, id="query-twice"),
        pytest.param({"operationName": "x"}, id="query-missing"),
    ],
)
def test_a_malformed_get_request_is_a_bad_request(client: Client, query_string: Any) -> None:
    response = client.get("/graphql/", query_string, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


def test_a_mutation_sent_with_get_is_refused_and_not_run(client: Client) -> None:
    response = client.get(
        "/graphql/", {"query": 'mutation { tokenRevoke(refreshToken: "x") { revoked } }'}
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


def test_other_methods_are_not_allowed(client: Client) -> None:
    response = client.put(
        "/graphql/", json.dumps({"query": QUERY}), content_type="application/json"
    )
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


def test_an_unknown_operation_name_is_a_bad_request(client: Client) -> None:
    body = {"query": "query A { __typename } query B { __typename }", "operationName": "C"}
    response = client.post("/graphql/", body, content_type="application/json")
    assert response.status_code == 400
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}


def test_an_anonymous_multipart_query_is_answered_and_not_cached(client: Client, settings) -> None:
    # given the response cache on, and a query sent as a multipart request with a file
    settings.RESPONSE_CACHE_TTL = 30
    operations = {"query": "{ __typename }", "variables": {"file": None}}
    body = {
        "operations": json.dumps(operations),
        "map": json.dumps({"0": ["variables.file"]}),
        "0": SimpleUploadedFile("a.txt", b"x"),
    }
    # when
    responses = [client.post("/graphql/", body) for _ in range(2)]
    # then
    assert [r.status_code for r in responses] == [200, 200]
    assert [r.json() for r in responses] == [{"data": {"__typename": "Query"}}] * 2
    assert "X-Cache" not in responses[1]


def test_a_subscription_sent_over_http_is_a_bad_request(client: Client) -> None:
    response = client.post(
        "/graphql/",
        {"query": "subscription { productEvents { type } }"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert _refusal(response) == {
        "message": "Subscriptions run over WebSocket at this URL, not over HTTP.",
        "extensions": {"code": "BAD_REQUEST"},
    }


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"--x\r\nnot a part", id="broken-part"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_malformed_multipart_body_is_a_graphql_bad_request_even_with_a_csrf_cookie(
    body: bytes,
) -> None:
    # given a browser-like client holding a CSRF cookie (Django would read the form for it)
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "x" * 32
    # when
    content_type = "multipart/form-data; boundary=x"
    response = client.generic(
        "POST", "/graphql/", body, content_type=content_type, CONTENT_TYPE=content_type
    )
    # then
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert _refusal(response)["extensions"] == {"code": "BAD_REQUEST"}
