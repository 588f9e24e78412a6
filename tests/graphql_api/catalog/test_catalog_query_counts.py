"""The storefront reads cost a constant number of SQL queries, whatever the page size
(PostgreSQL; the operation itself, without the caller's authentication)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_catalog
from tests.support.graphql import contract_document, execute

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

STOREFRONT = contract_document("storefront")


def _count(operation: str, variables: dict, viewer) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        result = execute(STOREFRONT, variables, viewer=viewer, operation_name=operation)
    assert "errors" not in result, result
    return len(queries), result


@pytest.mark.parametrize("page_size", [5, 100])
def test_catalog_page_as_a_customer_runs_five_queries_at_any_page_size(
    page_size, customer, favorite_of
):
    # given 120 products with reviews and images, one of them a favourite
    products = make_catalog(120)
    favorite_of(products[0])
    # when
    count, result = _count("CatalogPage", {"first": page_size}, customer)
    # then: products, totalCount, nested reviews, images, favourites
    assert len(result["data"]["products"]["edges"]) == page_size
    assert count == 5


@pytest.mark.parametrize("page_size", [5, 100])
def test_catalog_page_anonymously_runs_four_queries(page_size):
    make_catalog(120)
    count, _ = _count("CatalogPage", {"first": page_size}, None)
    assert count == 4  # no favourites query for an anonymous caller


def test_product_detail_runs_four_queries(customer):
    product = make_catalog(3)[1]
    count, result = _count("ProductDetail", {"slug": product.slug}, customer)
    assert result["data"]["product"]["slug"] == product.slug
    assert count == 4  # product with category, images, reviews with authors, favourites


def test_category_tree_runs_two_queries(customer):
    make_catalog(3)
    count, result = _count("CategoryTree", {}, customer)
    assert len(result["data"]["categories"]["edges"]) == 2
    assert count == 2  # categories with parents, product counts of their subtrees
