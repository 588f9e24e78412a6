"""Anonymous read queries are answered from the cache until the catalog changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from domain.catalog import services
from tests.factories import make_product, make_user
from tests.support.graphql import bearer

pytestmark = pytest.mark.django_db(transaction=True)

QUERY = {"query": "query Page { products(first: 5) { edges { node { name price isFavorite } } } }"}


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.RESPONSE_CACHE_TTL = 30


def _post(client: Client, body: dict, **headers: str):
    return client.post("/graphql/", body, content_type="application/json", headers=headers)


def test_a_repeated_anonymous_query_is_served_from_the_cache():
    make_product(name="Lamp")
    first, second = _post(Client(), QUERY), _post(Client(), QUERY)
    assert first["X-Cache"] == "miss" and second["X-Cache"] == "hit"
    assert first.content == second.content


def test_a_committed_change_is_seen_by_the_very_next_anonymous_query():
    staff = make_user(is_staff=True)
    product = make_product(name="Lamp", price=Decimal("10.00"))
    _post(Client(), QUERY)
    services.product_update(actor=staff, product=product, price=Decimal("12.00"))
    after = _post(Client(), QUERY)
    assert after["X-Cache"] == "miss"
    assert after.json()["data"]["products"]["edges"][0]["node"]["price"] == "12.00"


def test_signed_in_callers_and_mutations_are_never_served_from_the_cache():
    from domain.accounts.tokens import access_token_encode

    customer = make_user()
    make_product()
    _post(Client(), QUERY)
    signed_in = _post(Client(), QUERY, **bearer(access_token_encode(customer)))
    assert "X-Cache" not in signed_in
    mutation = {"query": 'mutation { tokenRevoke(refreshToken: "x") { revoked } }'}
    assert "X-Cache" not in _post(Client(), mutation)
    assert "X-Cache" not in _post(Client(), mutation)


def test_answers_with_errors_are_not_cached():
    bad = {"query": "{ products(first: 500) { totalCount } }"}
    assert "X-Cache" not in _post(Client(), bad)
    assert "X-Cache" not in _post(Client(), bad)
