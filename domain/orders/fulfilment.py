"""Order fulfilment by staff: a CONFIRMED order is SHIPPED.

Staff holding ORDERS_WRITE only. The order row is locked and its status checked under
the lock, so of two concurrent fulfilments (or a fulfilment and a cancellation) exactly
one acts and the other finds the new status. The change records STATUS_CHANGED in the
order's event log in the same transaction, as `order_cancel` does, so the owner's
`myOrderUpdates` subscription (and every reader of the log) sees it."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from domain.common.error_codes import CommonErrorCode, field_error, input_error
from domain.common.permissions import StaffScope, require_staff
from domain.events.models import OrderEventType
from domain.events.services import order_event_record
from domain.orders.error_codes import OrderErrorCode
from domain.orders.models import Order, OrderStatus

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
        order.status = OrderStatus.SHIPPED
        order.save(update_fields=["status", "updated_at"])
        order_event_record(
            order=order, type=OrderEventType.STATUS_CHANGED, changed_fields=["status"]
        )
    return order
