from __future__ import annotations

import pytest

from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_products_returns_published_products_only(client):
    # given
    make_product(name="Visible", is_published=True)
    make_product(name="Draft", is_published=False)
    # when
    response = client.post(
        "/graphql/",
        {"query": "{ products(first: 5) { totalCount edges { node { name } } } }"},
        content_type="application/json",
    )
    # then
    assert response.json() == {
        "data": {"products": {"totalCount": 1, "edges": [{"node": {"name": "Visible"}}]}}
    }
