"""Text the database cannot store (NUL, unpaired surrogates) is refused with BAD_USER_INPUT
before any database work, whichever way it is sent: a variable, a GraphQL string literal
with escapes, a GET parameter, a multipart field, or over WebSocket."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from domain.accounts.tokens import access_token_encode
from domain.catalog.models import ProductImage
from tests.factories import make_product, make_user
from tests.support.graphql import bearer, contract_document

pytestmark = pytest.mark.django_db(transaction=True)

REFUSAL = [
    {
        "message": "Text may not contain NUL characters or unpaired surrogates.",
        "extensions": {"code": "BAD_USER_INPUT"},
    }
]


def _post(client: Client, body: dict[str, Any], content_type: str = "application/json") -> Any:
    # json.dumps escapes NUL and lone surrogates as \uXXXX, as a JavaScript client does
    return client.post("/graphql/", json.dumps(body), content_type=content_type)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        pytest.param(
            "query ($s: String!) { product(slug: $s) { id } }", {"s": "a\u0000b"}, id="nul"
        ),
        pytest.param(
            "query ($s: String!) { products(first: 1, filters: {search: $s}) { totalCount } }",
            {"s": "x\u0000"},
            id="nul-in-input-object",
        ),
        pytest.param(
            "mutation ($t: String!) { tokenRefresh(refreshToken: $t) { token } }",
            {"t": "\ud800"},
            id="lone-high-surrogate",
        ),
        pytest.param(
            'mutation ($e: String!) { tokenCreate(email: $e, password: "x") { token } }',
            {"e": "\udc00@example.com"},
            id="lone-low-surrogate",
        ),
    ],
)
@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_a_variable_with_unstorable_text_is_refused_before_the_database(
    client, django_assert_num_queries, query, variables, content_type
):
    with django_assert_num_queries(0):
        response = _post(client, {"query": query, "variables": variables}, content_type)
    assert response.status_code == 200
    assert response.json() == {"errors": REFUSAL}


@pytest.mark.parametrize(
    "query",
    [
        pytest.param('{ product(slug: "a\\u0000b") { id } }', id="product-slug"),
        pytest.param('{ category(slug: "a\\u0000") { id } }', id="category-slug"),
        pytest.param(
            '{ products(first: 1, filters: {search: "\\u0000"}) { totalCount } }', id="nested-input"
        ),
        pytest.param('{ category(slug: """a\u0000""") { id } }', id="raw-nul-in-block-string"),
    ],
)
def test_a_string_literal_with_unstorable_text_is_refused_before_the_database(
    client, django_assert_num_queries, query
):
    with django_assert_num_queries(0):
        response = _post(client, {"query": query})
    assert response.json() == {"errors": REFUSAL}


def test_a_get_variable_with_unstorable_text_is_refused(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(
            "/graphql/",
            {
                "query": "query ($s: String!) { product(slug: $s) { id } }",
                "variables": json.dumps({"s": "a\u0000"}),
            },
            headers={"Accept": "application/graphql-response+json"},
        )
    assert response.status_code == 400
    assert response.json() == {"errors": REFUSAL}


def test_a_multipart_field_with_unstorable_text_is_refused_and_nothing_is_stored(client):
    # given a staff member uploading an image with a NUL in its alt text
    staff = make_user(is_staff=True)
    product = make_product()
    operations = {
        "query": contract_document("staff"),
        "operationName": "ProductImageUpload",
        "variables": {
            "productId": f"{product.pk}",
            "file": None,
            "altText": "Front\u0000",
        },
    }
    # when
    response = client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": SimpleUploadedFile("a.png", b"\x89PNG", content_type="image/png"),
        },
        headers=bearer(access_token_encode(staff)),
    )
    # then
    assert response.json() == {"errors": REFUSAL}
    assert not ProductImage.objects.exists()


def test_emoji_and_other_characters_pass(client):
    make_product(name="Lamp 💡", slug="lamp")
    body = {
        "query": "query ($s: String!) { product(slug: $s) { name } }",
        "variables": {"s": "lamp"},
        "operationName": None,
    }
    assert _post(client, body).json() == {"data": {"product": {"name": "Lamp 💡"}}}


async def test_a_websocket_variable_with_unstorable_text_is_refused(open_ws):
    # given
    await sync_to_async(make_product)()
    socket = await open_ws()
    # when
    await socket.subscribe(
        contract_document("realtime"),
        {"productIds": ["UHJvZHVjdDox"], "after": "\u0000"},
        "OnProductEvents",
    )
    # then
    message = await socket.receive()
    assert message["type"] == "error"
    assert message["payload"] == REFUSAL


def test_variables_nested_as_deep_as_json_allows_are_refused_without_an_internal_error(client):
    # given a filter nested 500 levels deep with a NUL at the bottom, and one without
    nested: Any = {"name": {"exact": "x\u0000"}}
    clean: Any = {"name": {"exact": "x"}}
    for _ in range(500):
        nested, clean = {"AND": nested}, {"AND": clean}
    query = "query ($f: ProductFilter) { products(first: 1, filters: $f) { totalCount } }"
    # when / then
    assert _post(client, {"query": query, "variables": {"f": nested}}).json() == {"errors": REFUSAL}
    deep = _post(client, {"query": query, "variables": {"f": clean}}).json()
    assert [e["extensions"]["code"] for e in deep["errors"]] == ["BAD_USER_INPUT"]
