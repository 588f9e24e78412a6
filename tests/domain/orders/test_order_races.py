"""Concurrency on PostgreSQL: many threads, each with its own database connection, place
orders at the same moment."""

from __future__ import annotations

import random

import pytest

from domain.orders.models import Order, OrderLine
from tests.factories import make_product, make_user
from tests.support.concurrency import all_at_once
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PLACE = operation_document("shopping", "OrderPlace")


def test_forty_buyers_of_the_last_ten_never_oversell():
    # given
    product = make_product(stock=10)
    buyers = [make_user() for _ in range(40)]
    line = [{"productId": global_id("Product", product.pk), "quantity": 1}]
    # when
    results = all_at_once(
        [(lambda b=b: execute(PLACE, {"input": {"lines": line}}, viewer=b)) for b in buyers]
    )
    # then
    assert not [r for r in results if isinstance(r, Exception) or "errors" in r]
    payloads = [r["data"]["orderPlace"] for r in results]
    placed = [p for p in payloads if p["order"]]
    refused = [p for p in payloads if not p["order"]]
    assert len(placed) == 10
    assert len(refused) == 30
    assert all(
        p["errors"]
        == [
            {
                "field": "lines.0.quantity",
                "message": "Not enough stock.",
                "code": "INSUFFICIENT_STOCK",
            }
        ]
        for p in refused
    )
    product.refresh_from_db()
    assert product.stock == 0
    assert Order.objects.count() == 10


def test_concurrent_multi_line_orders_in_shuffled_order_never_deadlock():
    # given five products with 30 each
    products = [make_product(stock=30) for _ in range(5)]
    buyers = [make_user() for _ in range(20)]
    rng = random.Random(7)
    orders = []
    for _ in buyers:
        chosen = rng.sample(products, rng.randint(2, 5))
        orders.append(
            [
                {"productId": global_id("Product", p.pk), "quantity": rng.randint(1, 3)}
                for p in chosen
            ]
        )
    # when
    results = all_at_once(
        [
            (lambda b=b, lines=lines: execute(PLACE, {"input": {"lines": lines}}, viewer=b))
            for b, lines in zip(buyers, orders, strict=True)
        ]
    )
    # then: no exception and no GraphQL error (a deadlock would be one)
    assert not [r for r in results if isinstance(r, Exception) or "errors" in r]
    for product in products:
        product.refresh_from_db()
        ordered = sum(OrderLine.objects.filter(product=product).values_list("quantity", flat=True))
        assert product.stock + ordered == 30


def test_the_same_idempotency_key_sent_twice_at_once_places_one_order():
    product = make_product(stock=10)
    buyer = make_user()
    variables = {
        "input": {
            "lines": [{"productId": global_id("Product", product.pk), "quantity": 1}],
            "idempotencyKey": "k-1",
        }
    }
    results = all_at_once([lambda: execute(PLACE, variables, viewer=buyer)] * 5)
    ids = {r["data"]["orderPlace"]["order"]["id"] for r in results}
    assert len(ids) == 1
    product.refresh_from_db()
    assert product.stock == 9
