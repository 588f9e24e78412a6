"""Anonymous read queries are answered from the cache until the catalog changes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from domain.catalog import services
from tests.factories import make_product, make_review, make_user
from tests.support.graphql import bearer
from tests.support.ids import global_id

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
    services.product_update(actor=staff, product_id=product.pk, price=Decimal("12.00"))
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


# What moves the version: only a change an anonymous reader could see.

REVIEWS = {
    "query": "query Reviews { products(first: 5) { edges { node { name stock updatedAt "
    "reviews(first: 5) { edges { node { title rating updatedAt author { displayName } } } } "
    "} } } }"
}


def _node(response) -> dict:
    return response.json()["data"]["products"]["edges"][0]["node"]


def _mutate(user, query: str, variables: dict) -> dict:
    from domain.accounts.tokens import access_token_encode

    response = _post(
        Client(),
        {"query": query, "variables": variables},
        **bearer(access_token_encode(user)),
    )
    (payload,) = response.json()["data"].values()
    assert payload["errors"] == []
    return payload


REVIEW_UPDATE = (
    "mutation ($id: ID!, $input: ReviewUpdateInput!) "
    "{ reviewUpdate(id: $id, input: $input) { errors { field message code } } }"
)
PRODUCT_UPDATE = (
    "mutation ($id: ID!, $input: ProductUpdateInput!) "
    "{ productUpdate(id: $id, input: $input) { errors { field message code } } }"
)
STOCK_ADJUST = (
    "mutation ($id: ID!, $delta: Int!) "
    "{ stockAdjust(productId: $id, delta: $delta) { errors { field message code } } }"
)
PRODUCT_DELETE = "mutation ($id: ID!) { productDelete(id: $id) { errors { field message code } } }"


def test_a_no_op_review_update_keeps_the_cached_answer_and_a_real_one_is_seen_at_once():
    # given
    author = make_user()
    product = make_product(name="Lamp")
    review = make_review(product=product, author=author, rating=4, title="Good")
    assert _post(Client(), REVIEWS)["X-Cache"] == "miss"
    review_id = global_id("Review", review.pk)
    # when
    _mutate(author, REVIEW_UPDATE, {"id": review_id, "input": {}})
    _mutate(author, REVIEW_UPDATE, {"id": review_id, "input": {"rating": 4, "title": "Good"}})
    # then
    assert _post(Client(), REVIEWS)["X-Cache"] == "hit"
    # when
    _mutate(author, REVIEW_UPDATE, {"id": review_id, "input": {"title": "Better"}})
    # then
    after = _post(Client(), REVIEWS)
    assert after["X-Cache"] == "miss"
    assert _node(after)["reviews"]["edges"][0]["node"]["title"] == "Better"


def test_a_no_op_product_update_keeps_the_cached_answer_and_a_real_one_is_seen_at_once():
    # given
    staff = make_user(is_staff=True)
    product = make_product(name="Lamp", price=Decimal("10.00"), stock=5)
    assert _post(Client(), REVIEWS)["X-Cache"] == "miss"
    product_id = global_id("Product", product.pk)
    # when
    _mutate(staff, PRODUCT_UPDATE, {"id": product_id, "input": {}})
    _mutate(
        staff,
        PRODUCT_UPDATE,
        {"id": product_id, "input": {"name": "Lamp", "price": "10.0", "isPublished": True}},
    )
    _mutate(staff, STOCK_ADJUST, {"id": product_id, "delta": 0})
    # then
    assert _post(Client(), REVIEWS)["X-Cache"] == "hit"
    # when
    _mutate(staff, PRODUCT_UPDATE, {"id": product_id, "input": {"name": "Desk lamp"}})
    # then
    after = _post(Client(), REVIEWS)
    assert after["X-Cache"] == "miss" and _node(after)["name"] == "Desk lamp"


def test_a_zero_stock_adjustment_leaves_the_product_as_a_cached_answer_shows_it():
    # given
    staff = make_user(is_staff=True)
    product = make_product(name="Lamp")
    cached_node = _node(_post(Client(), REVIEWS))
    # when
    _mutate(staff, STOCK_ADJUST, {"id": global_id("Product", product.pk), "delta": 0})
    # then: what a fresh read sees is what the cache still serves
    from domain.accounts.tokens import access_token_encode

    fresh = _post(Client(), REVIEWS, **bearer(access_token_encode(make_user())))
    assert _node(fresh) == cached_node


def test_changes_to_an_unpublished_product_keep_the_cached_answer_until_it_is_published():
    # given
    staff = make_user(is_staff=True)
    make_product(name="Lamp")
    hidden = make_product(name="Secret", is_published=False)
    gone = make_product(name="Draft", is_published=False)
    assert _post(Client(), REVIEWS)["X-Cache"] == "miss"
    hidden_id = global_id("Product", hidden.pk)
    # when
    _mutate(staff, STOCK_ADJUST, {"id": hidden_id, "delta": 3})
    _mutate(staff, PRODUCT_UPDATE, {"id": hidden_id, "input": {"name": "Still secret"}})
    _mutate(staff, PRODUCT_DELETE, {"id": global_id("Product", gone.pk)})
    # then
    assert _post(Client(), REVIEWS)["X-Cache"] == "hit"
    # when
    _mutate(staff, PRODUCT_UPDATE, {"id": hidden_id, "input": {"isPublished": True}})
    # then
    after = _post(Client(), REVIEWS)
    assert after["X-Cache"] == "miss"
    names = [edge["node"]["name"] for edge in after.json()["data"]["products"]["edges"]]
    assert sorted(names) == ["Lamp", "Still secret"]
