"""Order fulfilment by staff: a CONFIRMED order is SHIPPED.

Staff holding ORDERS_WRITE only. The order row is locked and its status checked under
the lock, so of two concurrent fulfilments (or a fulfilment and a cancellation) exactly
one acts and the other finds the new status. The change records STATUS_CHANGED in the
order's event log in the same transaction (`order_status_set`, as every status change),
so the owner's `myOrderUpdates` subscription (and every reader of the log) sees it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from domain.common.error_codes import CommonErrorCode, field_error, input_error
from domain.common.permissions import StaffScope, require_staff
from domain.orders.error_codes import OrderErrorCode
from domain.orders.models import Order, OrderStatus
from domain.orders.transitions import order_status_set

FULFILLABLE = OrderStatus.CONFIRMED


def order_fulfill(*, actor: Any, order_id: int) -> Order:
    """CONFIRMED -> SHIPPED. NOT_FOUND on `order_id` when there is no such order;
    INVALID_STATUS (and nothing changed) from any other status."""
    require_staff(actor, scope=StaffScope.ORDERS_WRITE, action="fulfil orders")
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise field_error("order_id", "No such order.", CommonErrorCode.NOT_FOUND)
        if order.status != FULFILLABLE:
            raise input_error(
                f"Only a confirmed order can be shipped; this one is {order.status.lower()}.",
                OrderErrorCode.INVALID_STATUS,
            )
        order_status_set(order, OrderStatus.SHIPPED)
    return order
