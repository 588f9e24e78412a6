"""The shopping and staff documents, sent unchanged (whole file plus operationName), do
what their comments promise."""

from __future__ import annotations

import pytest

from domain.catalog.models import Product
from tests.factories import make_category, make_product, make_user
from tests.support.graphql import contract_document, execute
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

SHOPPING = contract_document("shopping")
STAFF = contract_document("staff")


def _data(document: str, operation: str, variables: dict, viewer) -> dict:
    result = execute(document, variables, viewer=viewer, operation_name=operation)
    assert "errors" not in result, result
    return result["data"]


def test_a_customer_journey_through_the_shopping_document():
    customer = make_user()
    product = make_product(stock=4)
    pid = global_id("Product", product.pk)
    review = _data(
        SHOPPING,
        "ReviewCreate",
        {"input": {"productId": pid, "rating": 5, "title": "Love it"}},
        customer,
    )["reviewCreate"]
    assert review["errors"] == [] and review["review"]["product"]["reviewCount"] == 1
    favorite = _data(SHOPPING, "FavoriteToggle", {"productId": pid}, customer)["favoriteToggle"]
    assert favorite == {"product": {"id": pid, "isFavorite": True}, "errors": []}
    placed = _data(
        SHOPPING,
        "OrderPlace",
        {"input": {"lines": [{"productId": pid, "quantity": 3}], "idempotencyKey": "cart-1"}},
        customer,
    )["orderPlace"]
    assert placed["errors"] == [] and placed["order"]["lines"][0]["product"]["stock"] == 1
    cancelled = _data(SHOPPING, "OrderCancel", {"id": placed["order"]["id"]}, customer)[
        "orderCancel"
    ]
    assert cancelled == {
        "order": {"id": placed["order"]["id"], "status": "CANCELLED"},
        "errors": [],
    }


def test_a_back_office_session_through_the_staff_document():
    staff = make_user(is_staff=True)
    category = make_category()
    created = _data(
        STAFF,
        "ProductCreate",
        {
            "input": {
                "name": "Brass Lamp",
                "price": "80.00",
                "stock": 2,
                "categoryId": global_id("Category", category.pk),
            }
        },
        staff,
    )["productCreate"]
    assert created["errors"] == [] and created["product"]["isPublished"] is False
    pid = created["product"]["id"]
    updated = _data(STAFF, "ProductUpdate", {"id": pid, "input": {"isPublished": True}}, staff)[
        "productUpdate"
    ]
    assert updated["product"]["isPublished"] is True and updated["product"]["updatedAt"]
    adjusted = _data(STAFF, "StockAdjust", {"productId": pid, "delta": 8}, staff)["stockAdjust"]
    assert adjusted == {"product": {"id": pid, "stock": 10}, "errors": []}
    listed = _data(STAFF, "StaffProducts", {"filters": {"name": {"iContains": "brass"}}}, staff)[
        "products"
    ]
    assert listed["totalCount"] == 1
    deleted = _data(STAFF, "ProductDelete", {"id": pid}, staff)["productDelete"]
    assert deleted == {"deletedId": pid, "errors": []}
    assert not Product.objects.exists()
