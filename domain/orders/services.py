"""Placing and cancelling orders. Stock is reserved for all lines or none, in one
transaction, locking product rows in primary-key order (so concurrent orders over the
same products queue instead of deadlocking) and never below zero. A placed order is then
taken through payment by a task after the commit (domain/orders/processing.py)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from domain.catalog.models import Product
from domain.common.error_codes import CommonErrorCode, field_error, input_error
from domain.common.permissions import StaffScope, is_staff, require_customer
from domain.events.models import OrderEventType, ProductEventType
from domain.events.services import order_event_record, product_event_record
from domain.orders.error_codes import OrderErrorCode
from domain.orders.models import Order, OrderLine, OrderStatus
from domain.orders.scheduling import order_processing_schedule
from domain.orders.transitions import order_status_set, order_stock_return

MAX_LINES = 50
MAX_QUANTITY = 100
MAX_IDEMPOTENCY_KEY = 128
CANCELLABLE = (OrderStatus.PENDING, OrderStatus.CONFIRMED)
_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class OrderLineRequest:
    product_id: int
    quantity: int


def _error(message: str, code: Any) -> ValidationError:
    return ValidationError(message, code=code.value)


def _order_number() -> str:
    suffix = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(6))
    return f"ORD-{timezone.now():%Y%m%d}-{suffix}"


def _merged_lines(lines: list[OrderLineRequest]) -> OrderedDict[int, tuple[int, int]]:
    """Validate the lines and merge repeated products: product id -> (first line index,
    total quantity)."""
    if not lines:
        raise field_error("lines", "An order needs at least one line.", CommonErrorCode.REQUIRED)
    if len(lines) > MAX_LINES:
        raise field_error("lines", f"At most {MAX_LINES} lines.", CommonErrorCode.INVALID)
    errors: dict[str, list[Any]] = {}
    merged: OrderedDict[int, tuple[int, int]] = OrderedDict()
    for index, line in enumerate(lines):
        if line.product_id < 1:  # a key no product can have
            errors.setdefault(f"lines.{index}.product_id", []).append(
                _error("No such product.", OrderErrorCode.PRODUCT_UNAVAILABLE)
            )
            continue
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_QUANTITY:
            errors.setdefault(f"lines.{index}.quantity", []).append(
                _error(f"The quantity must be 1 to {MAX_QUANTITY}.", CommonErrorCode.INVALID)
            )
            continue
        first, quantity = merged.get(line.product_id, (index, 0))
        merged[line.product_id] = (first, quantity + line.quantity)
    for index, quantity in merged.values():
        if quantity > MAX_QUANTITY and f"lines.{index}.quantity" not in errors:
            errors.setdefault(f"lines.{index}.quantity", []).append(
                _error(
                    f"The quantity of one product must be at most {MAX_QUANTITY}.",
                    CommonErrorCode.INVALID,
                )
            )
    if errors:
        raise ValidationError(errors)
    return merged


def order_place(
    *, actor: Any, lines: list[OrderLineRequest], idempotency_key: str | None = None
) -> Order:
    require_customer(actor, action="place an order")
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
            raise field_error(
                "idempotency_key",
                f"1 to {MAX_IDEMPOTENCY_KEY} characters.",
                CommonErrorCode.INVALID,
            )
        existing = Order.objects.filter(customer=actor, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    merged = _merged_lines(lines)
    try:
        return _place(actor=actor, merged=merged, idempotency_key=idempotency_key)
    except IntegrityError:
        # The same idempotency key, placed concurrently: the first one wins.
        existing = Order.objects.filter(customer=actor, idempotency_key=idempotency_key).first()
        if idempotency_key is None or existing is None:
            raise
        return existing


def _place(
    *, actor: Any, merged: OrderedDict[int, tuple[int, int]], idempotency_key: str | None
) -> Order:
    with transaction.atomic():
        products = {
            p.pk: p
            for p in Product.objects.select_for_update()
            .filter(pk__in=list(merged), is_published=True)
            .order_by("pk")
        }
        unavailable = [pid for pid in merged if pid not in products]
        if unavailable:
            raise _line_errors(
                merged,
                unavailable,
                "No such product, or not for sale.",
                OrderErrorCode.PRODUCT_UNAVAILABLE,
                "product_id",
            )
        short = [pid for pid, (_, qty) in merged.items() if products[pid].stock < qty]
        if short:
            raise _line_errors(
                merged, short, "Not enough stock.", OrderErrorCode.INSUFFICIENT_STOCK, "quantity"
            )
        currencies = {products[pid].currency for pid in merged}
        if len(currencies) > 1:
            raise input_error(
                "All products of one order must share a currency.", OrderErrorCode.MIXED_CURRENCIES
            )
        total = sum(
            (products[pid].price * qty for pid, (_, qty) in merged.items()), Decimal("0.00")
        )
        order = _create_order(actor, total, currencies.pop(), idempotency_key)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=products[pid],
                product_name=products[pid].name,
                unit_price=products[pid].price,
                quantity=qty,
            )
            for pid, (_, qty) in merged.items()
        )
        for pid in sorted(merged):
            _, qty = merged[pid]
            Product.objects.filter(pk=pid).update(stock=F("stock") - qty, updated_at=timezone.now())
            products[pid].stock -= qty
            product_event_record(
                product=products[pid], type=ProductEventType.STOCK_CHANGED, changed_fields=["stock"]
            )
        order_event_record(order=order, type=OrderEventType.CREATED)
        if settings.ORDER_PROCESS_ON_PLACE:
            order_processing_schedule(order_id=order.pk)  # after the commit
    return order


def _create_order(actor: Any, total: Decimal, currency: str, key: str | None) -> Order:
    for _ in range(5):
        number = _order_number()
        if not Order.objects.filter(number=number).exists():
            return Order.objects.create(
                number=number, customer=actor, total=total, currency=currency, idempotency_key=key
            )
    raise RuntimeError("could not find a free order number")  # 32^6 space: never in practice


def _line_errors(
    merged: OrderedDict[int, tuple[int, int]],
    product_ids: list[int],
    message: str,
    code: Any,
    field: str,
) -> ValidationError:
    return ValidationError(
        {f"lines.{merged[pid][0]}.{field}": [_error(message, code)] for pid in product_ids}
    )


def order_cancel(*, actor: Any, order_id: int) -> Order:
    """The owner or staff cancel a PENDING or CONFIRMED order; its stock returns exactly
    once (the order row is locked and its status checked under the lock). A PENDING order
    whose payment has begun is not cancelled (INVALID_STATUS) until processing settles it."""
    if not is_staff(actor, StaffScope.ORDERS_WRITE):
        require_customer(actor, action="cancel an order")
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or not (
            order.customer_id == actor.pk or is_staff(actor, StaffScope.ORDERS_WRITE)
        ):
            raise field_error("order_id", "No such order.", CommonErrorCode.NOT_FOUND)
        if order.status not in CANCELLABLE:
            raise input_error(
                f"A {order.status.lower()} order cannot be cancelled.",
                OrderErrorCode.INVALID_STATUS,
            )
        if order.status == OrderStatus.PENDING and order.payment_attempts > 0:
            # The provider may have been charged already (a run that died before its
            # commit, a timeout after the charge landed): processing settles the order
            # first (domain/orders/processing.py), then it may be cancelled.
            raise input_error(
                "This order's payment is under way: it can be cancelled once the payment "
                "has completed.",
                OrderErrorCode.INVALID_STATUS,
            )
        order_stock_return(order)
        order_status_set(order, OrderStatus.CANCELLED)
    return order
