"""Text the database cannot store is refused with BAD_USER_INPUT, never an internal error."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("query ($s: String!) { product(slug: $s) { id } }", {"s": "a\u0000b"}),
        (
            "query ($s: String!) { products(first: 1, filters: {search: $s}) { totalCount } }",
            {"s": "x\u0000"},
        ),
        ("mutation ($t: String!) { tokenRefresh(refreshToken: $t) { token } }", {"t": "\ud800"}),
        (
            'mutation ($e: String!) { tokenCreate(email: $e, password: "x") { token } }',
            {"e": "\udc00@example.com"},
        ),
    ],
)
def test_nul_characters_and_lone_surrogates_are_bad_user_input(client, query, variables):
    make_product()
    body = json.dumps({"query": query, "variables": variables})  # escapes them as \\uXXXX
    response = client.post("/graphql/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


def test_emoji_and_other_characters_pass(client):
    make_product(name="Lamp 💡", slug="lamp")
    body = json.dumps(
        {
            "query": "query ($s: String!) { product(slug: $s) { name } }",
            "variables": {"s": "lamp"},
            "operationName": None,
            "x": "😀 ü",
        }
    )
    response = client.post("/graphql/", body, content_type="application/json")
    assert response.json() == {"data": {"product": {"name": "Lamp 💡"}}}
