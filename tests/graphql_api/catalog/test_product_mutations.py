"""Staff catalog mutations through the staff.graphql documents."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.models import Product
from domain.events.models import ProductEvent
from tests.factories import make_category, make_product, make_user
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return make_user(email="staff@example.com", is_staff=True)


@pytest.fixture
def category():
    return make_category(name="Lamps", slug="lamps")


def _create(viewer, **input_):
    return execute(operation_document("staff", "ProductCreate"), {"input": input_}, viewer=viewer)[
        "data"
    ]["productCreate"]


def _snapshot():
    return list(Product.all_objects.order_by("pk").values()), ProductEvent.objects.count()


def test_product_create_derives_the_slug_and_records_an_event(staff, category):
    payload = _create(
        staff,
        name="Oak Desk Lamp",
        price="49.90",
        stock=3,
        categoryId=global_id("Category", category.pk),
        isPublished=True,
    )
    assert payload["errors"] == []
    product = Product.objects.get(slug="oak-desk-lamp")
    assert payload["product"] == {
        "id": global_id("Product", product.pk),
        "name": "Oak Desk Lamp",
        "slug": "oak-desk-lamp",
        "price": "49.90",
        "stock": 3,
        "isPublished": True,
        "category": {"id": global_id("Category", category.pk)},
    }
    assert product.currency == "EUR" and product.creator == staff
    assert list(ProductEvent.objects.values_list("type", "product_id")) == [
        ("product.created", product.pk)
    ]


@pytest.mark.parametrize(
    ("input_", "errors"),
    [
        (
            {"name": "", "price": "1", "stock": 1},
            [{"field": "name", "message": "A name is required.", "code": "REQUIRED"}],
        ),
        (
            {"name": "X", "price": "-1", "stock": 1},
            [{"field": "price", "message": "The price must be 0 or more.", "code": "INVALID"}],
        ),
        (
            {"name": "X", "price": "1.999", "stock": 1},
            [{"field": "price", "message": "At most 2 decimal places.", "code": "INVALID"}],
        ),
        (
            {"name": "X", "price": "1", "stock": -2},
            [
                {
                    "field": "stock",
                    "message": "Stock must be a whole number, 0 or more.",
                    "code": "INVALID",
                }
            ],
        ),
        (
            {"name": "X", "price": "1", "stock": 1, "currency": "EURO"},
            [
                {
                    "field": "currency",
                    "message": "'EURO' is not an ISO 4217 currency code.",
                    "code": "INVALID",
                }
            ],
        ),
        (
            {"name": "Taken", "price": "1", "stock": 1},
            [
                {
                    "field": "slug",
                    "message": "A product with the slug 'taken' exists.",
                    "code": "UNIQUE",
                }
            ],
        ),
        (
            {"name": "X", "price": "1", "stock": 1, "slug": "taken"},
            [
                {
                    "field": "slug",
                    "message": "A product with the slug 'taken' exists.",
                    "code": "UNIQUE",
                }
            ],
        ),
        (
            {"name": "X", "price": "1", "stock": 1, "categoryId": "Q2F0ZWdvcnk6OTk5OQ=="},
            [{"field": "categoryId", "message": "No such category.", "code": "NOT_FOUND"}],
        ),
        (
            {"name": "", "price": "-5", "stock": -1},
            [
                {"field": "name", "message": "A name is required.", "code": "REQUIRED"},
                {"field": "price", "message": "The price must be 0 or more.", "code": "INVALID"},
                {
                    "field": "stock",
                    "message": "Stock must be a whole number, 0 or more.",
                    "code": "INVALID",
                },
            ],
        ),
    ],
)
def test_product_create_refuses_bad_input_and_changes_nothing(staff, category, input_, errors):
    make_product(name="Taken", slug="taken", category=category)
    input_.setdefault("categoryId", global_id("Category", category.pk))
    before = _snapshot()
    assert _create(staff, **input_) == {"product": None, "errors": errors}
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("viewer", "code"), [(None, "UNAUTHENTICATED"), ("customer", "PERMISSION_DENIED")]
)
def test_product_writes_are_for_staff_only(category, viewer, code):
    who = make_user() if viewer else None
    product = make_product(category=category)
    before = _snapshot()
    created = _create(
        who, name="X", price="1", stock=1, categoryId=global_id("Category", category.pk)
    )
    updated = execute(
        operation_document("staff", "ProductUpdate"),
        {"id": global_id("Product", product.pk), "input": {"price": "2"}},
        viewer=who,
    )["data"]["productUpdate"]
    deleted = execute(
        operation_document("staff", "ProductDelete"),
        {"id": global_id("Product", product.pk)},
        viewer=who,
    )["data"]["productDelete"]
    adjusted = execute(
        operation_document("staff", "StockAdjust"),
        {"productId": global_id("Product", product.pk), "delta": 5},
        viewer=who,
    )["data"]["stockAdjust"]
    for payload in (created, updated, deleted, adjusted):
        assert [e["code"] for e in payload["errors"]] == [code]
    assert _snapshot() == before


def test_product_update_changes_only_given_fields_and_records_what_changed(staff, category):
    product = make_product(category=category, price=Decimal("10.00"), is_published=False)
    payload = execute(
        operation_document("staff", "ProductUpdate"),
        {
            "id": global_id("Product", product.pk),
            "input": {"price": "12.50", "isPublished": True, "name": product.name},
        },
        viewer=staff,
    )["data"]["productUpdate"]
    assert payload["errors"] == []
    assert payload["product"]["price"] == "12.50" and payload["product"]["isPublished"] is True
    events = list(ProductEvent.objects.order_by("id").values_list("type", "changed_fields"))
    assert events == [
        ("product.updated", ["is_published", "price", "published_at"]),
        ("product.price_changed", ["price"]),
        ("product.published", ["is_published"]),
    ]


def test_product_delete_is_soft_and_keeps_the_row(staff, category):
    product = make_product(category=category)
    payload = execute(
        operation_document("staff", "ProductDelete"),
        {"id": global_id("Product", product.pk)},
        viewer=staff,
    )["data"]["productDelete"]
    assert payload == {"deletedId": global_id("Product", product.pk), "errors": []}
    assert not Product.objects.filter(pk=product.pk).exists()
    assert Product.all_objects.get(pk=product.pk).deleted_at is not None
    again = execute(
        operation_document("staff", "ProductDelete"),
        {"id": global_id("Product", product.pk)},
        viewer=staff,
    )["data"]["productDelete"]
    assert again == {
        "deletedId": None,
        "errors": [{"field": "id", "message": "No such product.", "code": "NOT_FOUND"}],
    }


def test_stock_adjust_never_goes_below_zero(staff, category):
    product = make_product(category=category, stock=3)
    document = operation_document("staff", "StockAdjust")
    variables = {"productId": global_id("Product", product.pk)}
    assert execute(document, {**variables, "delta": -3}, viewer=staff)["data"]["stockAdjust"] == {
        "product": {"id": global_id("Product", product.pk), "stock": 0},
        "errors": [],
    }
    refused = execute(document, {**variables, "delta": -1}, viewer=staff)["data"]["stockAdjust"]
    assert refused == {
        "product": None,
        "errors": [
            {
                "field": "delta",
                "message": "Stock cannot go below zero.",
                "code": "INSUFFICIENT_STOCK",
            }
        ],
    }
    product.refresh_from_db()
    assert product.stock == 0


@pytest.mark.parametrize("bad_id", ["nope", global_id("Category", 1), global_id("Product", 999999)])
def test_mutations_with_a_bad_product_id_answer_not_found(staff, bad_id):
    payload = execute(
        operation_document("staff", "StockAdjust"), {"productId": bad_id, "delta": 1}, viewer=staff
    )["data"]["stockAdjust"]
    assert payload == {
        "product": None,
        "errors": [{"field": "productId", "message": "No such product.", "code": "NOT_FOUND"}],
    }
