"""Concurrency on PostgreSQL: many threads, each with its own database connection, review
one product at the same moment."""

from __future__ import annotations

import statistics

import pytest

from domain.catalog.models import Product
from tests.factories import make_product, make_user
from tests.support.concurrency import all_at_once
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REVIEW = operation_document("shopping", "ReviewCreate")


def test_twenty_concurrent_reviews_keep_exact_rating_stats():
    product = make_product()
    authors = [make_user() for _ in range(20)]
    ratings = [1 + (n * 7) % 5 for n in range(20)]
    results = all_at_once(
        [
            (
                lambda a=a, r=r: execute(
                    REVIEW,
                    {
                        "input": {
                            "productId": global_id("Product", product.pk),
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
