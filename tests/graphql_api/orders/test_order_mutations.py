from __future__ import annotations

from decimal import Decimal

import pytest

from domain.catalog.models import Product
from domain.events.models import OrderEvent
from domain.orders.models import Order
from tests.factories import make_product, make_user
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

PLACE = operation_document("shopping", "OrderPlace")
CANCEL = operation_document("shopping", "OrderCancel")


def _place(viewer, lines, **extra):
    return execute(PLACE, {"input": {"lines": lines, **extra}}, viewer=viewer)["data"]["orderPlace"]


def _state():
    return (
        Order.objects.count(),
        OrderEvent.objects.count(),
        list(Product.all_objects.order_by("pk").values_list("stock", flat=True)),
    )


@pytest.fixture
def customer():
    return make_user()


def test_order_place_snapshots_prices_merges_lines_and_takes_stock(customer):
    lamp = make_product(name="Lamp", price=Decimal("12.50"), stock=10)
    desk = make_product(name="Desk", price=Decimal("100.00"), stock=2)
    payload = _place(
        customer,
        [
            {"productId": global_id("Product", lamp.pk), "quantity": 1},
            {"productId": global_id("Product", desk.pk), "quantity": 2},
            {"productId": global_id("Product", lamp.pk), "quantity": 2},
        ],
    )
    assert payload["errors"] == []
    order = payload["order"]
    assert order["status"] == "PENDING" and order["currency"] == "EUR"
    assert order["total"] == "237.50"
    assert order["number"].startswith("ORD-")
    assert order["lines"] == [
        {
            "quantity": 3,
            "unitPrice": "12.50",
            "product": {"id": global_id("Product", lamp.pk), "stock": 7},
        },
        {
            "quantity": 2,
            "unitPrice": "100.00",
            "product": {"id": global_id("Product", desk.pk), "stock": 0},
        },
    ]
    Product.objects.filter(pk=lamp.pk).update(price=Decimal("99.00"), name="Renamed")
    line = Order.objects.get().lines.get(product=lamp)
    assert (line.product_name, line.unit_price) == ("Lamp", Decimal("12.50"))


@pytest.mark.parametrize(
    ("lines", "errors"),
    [
        (
            [],
            [
                {
                    "field": "lines",
                    "message": "An order needs at least one line.",
                    "code": "REQUIRED",
                }
            ],
        ),
        (
            [{"quantity": 0}],
            [
                {
                    "field": "lines.0.quantity",
                    "code": "INVALID",
                    "message": "The quantity must be 1 to 100.",
                }
            ],
        ),
        (
            [{"quantity": 101}],
            [
                {
                    "field": "lines.0.quantity",
                    "code": "INVALID",
                    "message": "The quantity must be 1 to 100.",
                }
            ],
        ),
        (
            [{"quantity": 60}, {"quantity": 60}],
            [
                {
                    "field": "lines.0.quantity",
                    "code": "INVALID",
                    "message": "The quantity of one product must be at most 100.",
                }
            ],
        ),
        (
            [{"quantity": 1}, {"quantity": 11, "other": True}],
            [
                {
                    "field": "lines.1.quantity",
                    "message": "Not enough stock.",
                    "code": "INSUFFICIENT_STOCK",
                }
            ],
        ),
        (
            [{"quantity": 1, "draft": True}],
            [
                {
                    "field": "lines.0.productId",
                    "message": "No such product, or not for sale.",
                    "code": "PRODUCT_UNAVAILABLE",
                }
            ],
        ),
        (
            [{"quantity": 1, "bad_id": True}],
            [
                {
                    "field": "lines.0.productId",
                    "message": "No such product.",
                    "code": "PRODUCT_UNAVAILABLE",
                }
            ],
        ),
    ],
)
def test_order_place_refuses_bad_input_and_changes_nothing(customer, lines, errors):
    lamp = make_product(stock=10)
    other = make_product(stock=10)
    draft = make_product(stock=10, is_published=False)

    def line(spec):
        target = other if spec.get("other") else draft if spec.get("draft") else lamp
        product_id = "bad" if spec.get("bad_id") else global_id("Product", target.pk)
        return {"productId": product_id, "quantity": spec["quantity"]}

    before = _state()
    assert _place(customer, [line(spec) for spec in lines]) == {"order": None, "errors": errors}
    assert _state() == before


def test_order_place_over_fifty_lines_is_refused(customer):
    products = [make_product(stock=5) for _ in range(51)]
    payload = _place(
        customer, [{"productId": global_id("Product", p.pk), "quantity": 1} for p in products]
    )
    assert payload["errors"] == [
        {"field": "lines", "message": "At most 50 lines.", "code": "INVALID"}
    ]


def test_anonymous_callers_cannot_order():
    lamp = make_product()
    payload = _place(None, [{"productId": global_id("Product", lamp.pk), "quantity": 1}])
    assert payload["errors"][0]["code"] == "UNAUTHENTICATED"


def test_an_idempotency_key_reused_returns_the_first_order(customer):
    lamp = make_product(stock=10)
    lines = [{"productId": global_id("Product", lamp.pk), "quantity": 2}]
    first = _place(customer, lines, idempotencyKey="checkout-1")
    again = _place(customer, lines, idempotencyKey="checkout-1")
    assert first["order"]["id"] == again["order"]["id"]
    assert Order.objects.count() == 1
    lamp.refresh_from_db()
    assert lamp.stock == 8


def test_cancelling_twice_gives_the_stock_back_once(customer):
    lamp = make_product(stock=10)
    order_id = _place(customer, [{"productId": global_id("Product", lamp.pk), "quantity": 4}])[
        "order"
    ]["id"]
    first = execute(CANCEL, {"id": order_id}, viewer=customer)["data"]["orderCancel"]
    assert first == {"order": {"id": order_id, "status": "CANCELLED"}, "errors": []}
    second = execute(CANCEL, {"id": order_id}, viewer=customer)["data"]["orderCancel"]
    assert second == {
        "order": None,
        "errors": [
            {
                "field": None,
                "message": "A cancelled order cannot be cancelled.",
                "code": "INVALID_STATUS",
            }
        ],
    }
    lamp.refresh_from_db()
    assert lamp.stock == 10


@pytest.mark.parametrize(("who", "allowed"), [("other", False), ("staff", True)])
def test_only_the_owner_or_staff_cancel(customer, who, allowed):
    lamp = make_product(stock=10)
    order_id = _place(customer, [{"productId": global_id("Product", lamp.pk), "quantity": 1}])[
        "order"
    ]["id"]
    actor = make_user(is_staff=(who == "staff"))
    payload = execute(CANCEL, {"id": order_id}, viewer=actor)["data"]["orderCancel"]
    if allowed:
        assert payload["order"]["status"] == "CANCELLED"
    else:
        assert payload == {
            "order": None,
            "errors": [{"field": "id", "message": "No such order.", "code": "NOT_FOUND"}],
        }
        assert Order.objects.get().status == "PENDING"
