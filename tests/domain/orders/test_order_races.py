"""Concurrency on PostgreSQL: many threads, each with its own database connection, place
orders or reviews at the same moment."""

from __future__ import annotations

import base64
import random
import statistics
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from domain.catalog.models import Product
from domain.orders.models import Order, OrderLine
from tests.factories import make_product, make_user
from tests.support.graphql import execute, operation_document

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PLACE = operation_document("shopping", "OrderPlace")
REVIEW = operation_document("shopping", "ReviewCreate")


def _gid(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run every job in its own thread, released together; the results, in job order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def run(index: int) -> None:
        try:
            barrier.wait()
            results[index] = jobs[index]()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_forty_buyers_of_the_last_ten_never_oversell():
    # given
    product = make_product(stock=10)
    buyers = [make_user() for _ in range(40)]
    line = [{"productId": _gid("Product", product.pk), "quantity": 1}]
    # when
    results = _all_at_once(
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
            [{"productId": _gid("Product", p.pk), "quantity": rng.randint(1, 3)} for p in chosen]
        )
    # when
    results = _all_at_once(
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


def test_twenty_concurrent_reviews_keep_exact_rating_stats():
    product = make_product()
    authors = [make_user() for _ in range(20)]
    ratings = [1 + (n * 7) % 5 for n in range(20)]
    results = _all_at_once(
        [
            (
                lambda a=a, r=r: execute(
                    REVIEW,
                    {
                        "input": {
                            "productId": _gid("Product", product.pk),
                            "rating": r,
                            "title": "t",
                        }
                    },
                    viewer=a,
                )
            )
            for a, r in zip(authors, ratings, strict=True)
        ]
    )
    assert all(r["data"]["reviewCreate"]["errors"] == [] for r in results)
    product = Product.objects.get(pk=product.pk)
    assert product.review_count == 20
    assert float(product.rating_avg) == pytest.approx(statistics.mean(ratings), abs=0.005)


def test_the_same_idempotency_key_sent_twice_at_once_places_one_order():
    product = make_product(stock=10)
    buyer = make_user()
    variables = {
        "input": {
            "lines": [{"productId": _gid("Product", product.pk), "quantity": 1}],
            "idempotencyKey": "k-1",
        }
    }
    results = _all_at_once([lambda: execute(PLACE, variables, viewer=buyer)] * 5)
    ids = {r["data"]["orderPlace"]["order"]["id"] for r in results}
    assert len(ids) == 1
    product.refresh_from_db()
    assert product.stock == 9
