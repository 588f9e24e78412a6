"""`products(filters:, ordering:, after:)` and `node(id:)` are answered by a compiled plan
(one statement, not the standard executor) with the standard executor's bytes; what a
plan does not cover (search, a refused filter, a cursor the list refuses, another type's
id) falls back and answers the same."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from graphql_api.execution.plans.cache import STATEMENTS, Slot, Splice
from tests.graphql_api.execution.plans.conftest import client_as
from tests.support.graphql import operation_document
from tests.support.ids import global_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CATALOG_PAGE = operation_document("storefront", "CatalogPage")
STAFF_PRODUCTS = operation_document("staff", "StaffProducts")
PRODUCT_NODE = operation_document("storefront", "ProductNode")
COMPILED_STATEMENT = "SELECT ((SELECT row_to_json"


def _post(user: Any, query: str, variables: dict[str, Any], *, plans: bool) -> tuple[bytes, list]:
    with (
        override_settings(GRAPHQL_COMPILED_PLANS=plans, RESPONSE_CACHE_TTL=0),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client_as(user).post(
            "/graphql/", {"query": query, "variables": variables}, content_type="application/json"
        )
    assert response.status_code == 200
    statements = [
        q["sql"]
        for q in queries.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
        and "django_session" not in q["sql"]
        and '"accounts_user"' not in q["sql"].split("FROM", 1)[-1][:40]
    ]
    return response.content, statements


def _compiled_as_standard(user: Any, query: str, variables: dict[str, Any]) -> bytes:
    """The planned answer, after checking it came from one compiled statement and equals
    the standard executor's."""
    planned, statements = _post(user, query, variables, plans=True)
    assert len(statements) == 1 and statements[0].startswith(COMPILED_STATEMENT), statements
    assert planned == _post(user, query, variables, plans=False)[0]
    return planned


def _fell_back_as_standard(user: Any, query: str, variables: dict[str, Any]) -> bytes:
    planned, statements = _post(user, query, variables, plans=True)
    assert not any(s.startswith(COMPILED_STATEMENT) for s in statements), statements
    assert planned == _post(user, query, variables, plans=False)[0]
    return planned


def _covered_filters(catalog: Any) -> list[dict[str, Any]]:
    root, child, _ = catalog.categories
    return [
        {},
        {"name": {"iContains": "LAMP"}},
        {"name": {"startsWith": "\U0001f600"}},
        {"name": {"contains": "%"}},
        {"name": {"exact": "plain 4"}, "OR": {"stock": {"gte": 2}}},
        {"price": {"range": {"start": "3", "end": "20.05"}}},
        {"price": {"inList": ["0.00", "9.05"]}, "stock": {"lt": 2}},
        {"price": {"inList": []}},
        {"stock": {"isNull": False}, "inStock": False},
        {"inStock": True, "NOT": {"price": {"gt": "30"}}, "DISTINCT": True},
        {"categoryId": global_id("Category", root.pk)},
        {"categoryId": global_id("Category", child.pk)},
        {"categorySlug": root.slug},
        {"categorySlug": "no-such-category"},
        {"minRating": 3.33},
        {"AND": {"minRating": 0, "name": {"iStartsWith": "ctrl"}}},
    ]


ORDERINGS: list[list[dict[str, str]] | None] = [
    None,
    [{"price": "ASC"}],
    [{"name": "DESC"}],
    [{"ratingAvg": "DESC_NULLS_LAST"}, {"reviewCount": "ASC"}],
    [{"createdAt": "ASC"}, {"price": "DESC"}],
]


@pytest.mark.parametrize(
    ("role", "ordering"),
    [("customer", ordering) for ordering in ORDERINGS]
    + [("anonymous", None), ("anonymous", [{"name": "DESC"}]), ("staff", [{"price": "ASC"}])],
)
def test_a_filtered_ordered_catalog_page_is_compiled_and_answers_as_the_standard_path(
    adversarial_catalog, role, ordering
):
    # given
    viewer = adversarial_catalog.roles[role]
    for filters in _covered_filters(adversarial_catalog):
        variables = {"first": 3, "filters": filters, "ordering": ordering}
        # when: the first page, then the page after its end cursor
        first = _compiled_as_standard(viewer, CATALOG_PAGE, variables)
        page_info = json.loads(first)["data"]["products"]["pageInfo"]
        if page_info["hasNextPage"]:
            after = {**variables, "after": page_info["endCursor"]}
            # then: each page is compiled and answers the same bytes
            _compiled_as_standard(viewer, CATALOG_PAGE, after)


def test_the_viewers_favourites_filter_is_compiled(adversarial_catalog):
    # given
    customer = adversarial_catalog.roles["customer"]
    for is_favorite in (True, False):
        # when
        body = _compiled_as_standard(
            customer, CATALOG_PAGE, {"filters": {"isFavorite": is_favorite}}
        )
        # then
        assert json.loads(body)["data"]["products"]["totalCount"] == (
            3 if is_favorite else len(adversarial_catalog.products) - 3
        )


@pytest.mark.parametrize("first", [1, 2, 100])
def test_staff_products_filtered_are_compiled(adversarial_catalog, first):
    staff = adversarial_catalog.roles["staff"]
    variables = {"first": first, "filters": {"inStock": True, "name": {"iContains": "e"}}}
    _compiled_as_standard(staff, STAFF_PRODUCTS, variables)


@pytest.mark.parametrize(
    ("role", "variables"),
    [
        ("customer", {"filters": {"search": "lamp"}}),  # ranked by a float4: not covered
        ("anonymous", {"filters": {"OR": {"search": "plain"}}, "ordering": [{"price": "ASC"}]}),
        ("anonymous", {"filters": {"isFavorite": True}}),  # refused: sign in
        ("customer", {"filters": {"minRating": 7}}),  # refused: out of range
        ("customer", {"filters": {"categoryId": "bm90IGFuIGlk"}}),  # malformed
        ("customer", {"filters": {"categoryId": global_id("Product", 1)}}),  # another type
        ("customer", {"after": "garbage"}),
        ("customer", {"after": "b3JkZXJlZGN1cnNvcjpbIngiLCIxIl0="}),  # ["x","1"]
        ("customer", {"first": 101}),
    ],
)
def test_what_a_plan_does_not_cover_falls_back_and_answers_the_same(
    adversarial_catalog, role, variables
):
    _fell_back_as_standard(adversarial_catalog.roles[role], CATALOG_PAGE, variables)


def test_a_cursor_of_another_ordering_falls_back_and_answers_the_same(adversarial_catalog):
    # given: a cursor of the price ordering (three values)
    body = _compiled_as_standard(None, CATALOG_PAGE, {"first": 1, "ordering": [{"price": "ASC"}]})
    cursor = json.loads(body)["data"]["products"]["pageInfo"]["endCursor"]
    # when it is used on the default ordering (two values), then the list refuses it
    refused = _fell_back_as_standard(None, CATALOG_PAGE, {"first": 1, "after": cursor})
    assert json.loads(refused)["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


def test_cached_statements_hold_no_filter_or_cursor_values(adversarial_catalog):
    # given
    STATEMENTS.clear()
    customer = adversarial_catalog.roles["customer"]
    page = {"first": 2, "ordering": [{"price": "DESC"}]}
    body = _compiled_as_standard(customer, CATALOG_PAGE, page)
    cursor = json.loads(body)["data"]["products"]["pageInfo"]["endCursor"]
    filters = {"name": {"iContains": "needle-text"}, "price": {"gte": "1234.56"}}
    # when: the same shape with other filter values and another cursor
    _compiled_as_standard(customer, CATALOG_PAGE, {**page, "filters": filters, "after": cursor})
    _compiled_as_standard(
        customer,
        CATALOG_PAGE,
        {
            **page,
            "filters": {"name": {"iContains": "lamp"}, "price": {"gte": "5"}},
            "after": cursor,
        },
    )
    # then: the filtered shape compiled once; values are slots and splices, never text
    assert (STATEMENTS.hits, STATEMENTS.misses) == (1, 2)
    texts = [statement.text for statement in STATEMENTS._entries.values()]
    assert not any("needle" in text or "1234.56" in text or "lamp" in text for text in texts)
    filtered = list(STATEMENTS._entries.values())[-1]
    assert {p.name for p in filtered.params if isinstance(p, Splice)} == {"products.rows"}
    slots = {p.name for p in filtered.params if isinstance(p, Slot)}
    assert {"products.after.0", "products.after.1", "products.after.2"} <= slots


@pytest.mark.parametrize("role", ["anonymous", "customer", "other", "staff"])
def test_product_node_is_compiled_for_every_product_id(adversarial_catalog, role):
    # given: visible, unpublished and deleted products
    viewer = adversarial_catalog.roles[role]
    for product in adversarial_catalog.products[:3] + adversarial_catalog.hidden:
        # when
        body = _compiled_as_standard(viewer, PRODUCT_NODE, {"id": global_id("Product", product.pk)})
        # then: hidden ones are null for all but staff (deleted ones for everyone)
        node = json.loads(body)["data"]["node"]
        visible = product.deleted_at is None and (product.is_published or role == "staff")
        assert (node is not None) == visible


@pytest.mark.parametrize(
    "node_id",
    [
        "bm90IGFuIGlk",  # not a global id
        "UHJvZHVjdDowMDc=",  # Product:007
        "UHJvZHVjdDotMQ==",  # Product:-1
        "UHJvZHVjdDrCsg==",  # Product:² (a digit to str.isdigit, not to int)
        "Q2F0ZWdvcnk6MQ==",  # Category:1
    ],
)
def test_product_node_of_another_kind_of_id_falls_back_and_answers_the_same(
    adversarial_catalog, node_id
):
    _fell_back_as_standard(adversarial_catalog.roles["customer"], PRODUCT_NODE, {"id": node_id})


def test_product_node_of_another_type_falls_back(adversarial_catalog):
    category = adversarial_catalog.categories[0]
    body = _fell_back_as_standard(None, PRODUCT_NODE, {"id": global_id("Category", category.pk)})
    assert json.loads(body)["data"]["node"] == {"id": global_id("Category", category.pk)}
