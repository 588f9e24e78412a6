"""A compiled plan answers in one SQL statement, whatever the page size; an operation it
does not cover runs on the standard executor."""

from __future__ import annotations

import pytest
from django.db import connection, connections
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from tests.factories import make_catalog, make_favorite, make_user
from tests.graphql_api.execution.plans.conftest import client_as
from tests.support.graphql import operation_document
from tests.support.ids import global_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CATALOG_PAGE = operation_document("storefront", "CatalogPage")
PRODUCT_DETAIL = operation_document("storefront", "ProductDetail")
CATEGORY_TREE = operation_document("storefront", "CategoryTree")
PRODUCT_NODE = operation_document("storefront", "ProductNode")


def _statements(client, query: str, variables: dict) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
    assert response.status_code == 200 and b'"errors"' not in response.content
    # The caller's session and user are read before the operation; savepoints are the test's.
    return [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        and "django_session" not in q["sql"]
        and '"accounts_user"' not in q["sql"].split("FROM", 1)[-1][:40]
    ]


@override_settings(RESPONSE_CACHE_TTL=0)
@pytest.mark.parametrize("page_size", [5, 100])
def test_catalog_page_compiled_is_one_statement_at_any_page_size(page_size):
    # given 120 products with reviews and images, a customer with a favourite
    products = make_catalog(120)
    customer = make_user()
    make_favorite(user=customer, product=products[0])
    # when
    statements = _statements(client_as(customer), CATALOG_PAGE, {"first": page_size})
    # then
    assert len(statements) == 1
    assert statements[0].startswith("SELECT ((SELECT row_to_json")


@override_settings(RESPONSE_CACHE_TTL=0)
def test_product_detail_compiled_is_one_statement():
    # given
    product = make_catalog(3)[1]
    # when
    statements = _statements(client_as(None), PRODUCT_DETAIL, {"slug": product.slug})
    # then
    assert len(statements) == 1


@override_settings(RESPONSE_CACHE_TTL=0)
@pytest.mark.parametrize("page_size", [5, 100])
def test_a_filtered_ordered_catalog_page_compiled_is_one_statement_at_any_page_size(page_size):
    # given 120 products in one category, a customer with a favourite, a cursor
    products = make_catalog(120)
    customer = make_user()
    make_favorite(user=customer, product=products[0])
    filters = {
        "categorySlug": products[0].category.parent.slug,
        "inStock": True,
        "price": {"range": {"start": "1", "end": "40"}},
        "NOT": {"isFavorite": True},
    }
    ordering = [{"price": "DESC"}, {"name": "ASC"}]
    after = _end_cursor(client_as(customer), {"first": 1, "ordering": ordering})
    variables = {"first": page_size, "filters": filters, "ordering": ordering, "after": after}
    # when
    statements = _statements(client_as(customer), CATALOG_PAGE, variables)
    # then
    assert len(statements) == 1
    assert statements[0].startswith("SELECT ((SELECT row_to_json")


def _end_cursor(client, variables: dict) -> str:
    response = client.post(
        "/graphql/",
        {"query": CATALOG_PAGE, "variables": variables},
        content_type="application/json",
    )
    return response.json()["data"]["products"]["pageInfo"]["endCursor"]


@override_settings(RESPONSE_CACHE_TTL=0, GRAPHQL_COMPILED_PLANS=False)
@pytest.mark.parametrize("filtered_by", ["categorySlug", "categoryId", "inStock"])
def test_a_filtered_catalog_page_on_the_standard_path_is_four_statements(filtered_by):
    # given
    category = make_catalog(3)[0].category
    filters = {
        "categorySlug": {"categorySlug": category.parent.slug},
        "categoryId": {"categoryId": global_id("Category", category.pk)},
        "inStock": {"inStock": True},
    }[filtered_by]
    # when
    statements = _statements(client_as(None), CATALOG_PAGE, {"filters": filters})
    # then: products, totalCount, nested reviews, images (a category's subtree is a
    # subquery of the products' statement, not a look-up before it)
    assert len(statements) == 4


@override_settings(RESPONSE_CACHE_TTL=0)
def test_product_node_compiled_is_one_statement():
    # given
    product = make_catalog(3)[1]
    # when
    statements = _statements(
        client_as(None), PRODUCT_NODE, {"id": global_id("Product", product.pk)}
    )
    # then
    assert len(statements) == 1


@override_settings(RESPONSE_CACHE_TTL=0, GRAPHQL_COMPILED_PLANS=False)
def test_the_kill_switch_turns_plans_off():
    # given
    make_catalog(3)
    # when
    statements = _statements(client_as(None), CATALOG_PAGE, {"first": 5})
    # then
    assert len(statements) == 4


@override_settings(RESPONSE_CACHE_TTL=0)
def test_category_tree_compiled_is_one_statement():
    # given
    make_catalog(3)
    # when
    statements = _statements(client_as(None), CATEGORY_TREE, {})
    # then
    assert len(statements) == 1


@override_settings(RESPONSE_CACHE_TTL=0)
def test_plans_are_not_tried_on_another_database_than_postgresql(monkeypatch):
    # given a database that is not PostgreSQL (the embedded default is SQLite), whose SQL
    # the plans are not written in
    from graphql_api.execution.plans import runner

    make_catalog(3)
    monkeypatch.setattr(type(connections["default"]), "vendor", "sqlite")
    tried = []

    def compile_operation(*args):
        tried.append(args)
        raise runner.NotCompilable("not on this database")

    monkeypatch.setattr(runner, "compile_operation", compile_operation)
    # when
    statements = _statements(client_as(None), CATALOG_PAGE, {"first": 5})
    # then the standard executor answered, and no plan was tried
    assert len(statements) == 4
    assert tried == []
