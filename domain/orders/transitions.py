"""Status changes that several order services share: giving an order's stock back, and
moving an order to a new status with the STATUS_CHANGED event its owner's subscription
(`myOrderUpdates`) sees.

Callers hold the order's row lock, check its status under it, and change the status in
the same transaction as they give the stock back: that is what makes a return happen once
(a second caller, waiting on the lock, then finds a status that holds no stock)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone

from domain.catalog.models import Product
from domain.events.models import OrderEventType, ProductEventType
from domain.events.services import order_event_record, product_event_record
from domain.orders.models import Order, OrderStatus


def order_stock_return(order: Order) -> None:
    """Put the quantities of the order's lines back in stock (deleted products included),
    with a STOCK_CHANGED event per product. Rows are updated in product order, as
    `order_place` locks them, so concurrent orders queue instead of deadlocking."""
    lines = list(order.lines.order_by("product_id"))
    for line in lines:
        Product.all_objects.filter(pk=line.product_id).update(
            stock=F("stock") + line.quantity, updated_at=timezone.now()
        )
    for product in Product.all_objects.filter(pk__in=[line.product_id for line in lines]):
        product_event_record(
            product=product, type=ProductEventType.STOCK_CHANGED, changed_fields=["stock"]
        )


def order_status_set(order: Order, status: OrderStatus, *, fields: Iterable[str] = ()) -> None:
    """Save `status` (and the other `fields` the caller set on `order`) and record the
    STATUS_CHANGED event."""
    order.status = status
    order.save(update_fields=["status", *fields, "updated_at"])
    order_event_record(order=order, type=OrderEventType.STATUS_CHANGED, changed_fields=["status"])
