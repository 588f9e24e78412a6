"""Orders as rows, for tests that need one to exist (placing an order is
`domain.orders.services.order_place`, tested through it)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from domain.accounts.models import User
from domain.catalog.models import Product
from domain.orders.models import Order, OrderLine
from tests.factories.accounts import make_user
from tests.factories.sequence import next_number


def make_order(
    *,
    customer: User | None = None,
    lines: Sequence[tuple[Product, int]] = (),
    **fields: Any,
) -> Order:
    """An order of `lines` (product, quantity), each at the product's current name and
    price; `total` defaults to their sum. No stock moves and no event is written."""
    fields.setdefault("number", f"ORD-{next_number()}")
    fields.setdefault(
        "total", sum((product.price * quantity for product, quantity in lines), Decimal("0"))
    )
    order = Order.objects.create(customer=customer or make_user(), **fields)
    for product, quantity in lines:
        make_order_line(order=order, product=product, quantity=quantity)
    return order


def make_order_line(
    *, order: Order, product: Product, quantity: int = 1, **fields: Any
) -> OrderLine:
    fields.setdefault("product_name", product.name)
    fields.setdefault("unit_price", product.price)
    return OrderLine.objects.create(order=order, product=product, quantity=quantity, **fields)
