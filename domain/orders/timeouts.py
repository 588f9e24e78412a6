"""Orders whose payment did not begin in time (the beat task `orders_overdue_cancel`).

A PENDING order whose payment never began within ORDER_PAYMENT_TIMEOUT (its processing
could not be sent, or waited too long in a backlog) is CANCELLED and its stock returns,
with a STATUS_CHANGED event. Each order is locked with SKIP LOCKED: one that a processing
run holds is left for the next sweep, and the conditions are checked again under the lock,
so a payment that began meanwhile is never cancelled and the stock returns once.

An order whose payment began may have been charged, so it is never cancelled here: when
its last attempt is older than the timeout (its run died and the broker has not handed it
out again yet), it is handed back to processing, which finishes it with the same
idempotency key (domain/orders/processing.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from domain.orders.models import Order, OrderStatus
from domain.orders.processing import order_payment_overdue
from domain.orders.scheduling import order_processing_schedule
from domain.orders.transitions import order_status_set, order_stock_return

BATCH = 200  # orders per sweep and kind; the next sweep takes the rest


def orders_overdue_cancel() -> int:
    """Cancel the overdue orders and hand stalled payments back; how many were cancelled."""
    cutoff = timezone.now() - timedelta(seconds=settings.ORDER_PAYMENT_TIMEOUT)
    overdue = Order.objects.filter(
        status=OrderStatus.PENDING, payment_attempts=0, created_at__lt=cutoff
    ).order_by("pk")
    cancelled = 0
    for order_id in list(overdue.values_list("pk", flat=True)[:BATCH]):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=order_id, status=OrderStatus.PENDING)
                .first()
            )
            if order is None or not order_payment_overdue(order):
                continue
            order_stock_return(order)
            order_status_set(order, OrderStatus.CANCELLED)
            cancelled += 1
    _stalled_payments_resume(cutoff)
    return cancelled


def _stalled_payments_resume(cutoff: datetime) -> None:
    stalled = Order.objects.filter(
        status=OrderStatus.PENDING, payment_attempts__gt=0, payment_attempted_at__lt=cutoff
    ).order_by("pk")
    order_ids = list(stalled.values_list("pk", flat=True)[:BATCH])
    # Marked as handed back, so that the next sweeps do not send them again while they
    # wait in the queue.
    Order.objects.filter(pk__in=order_ids).update(payment_attempted_at=timezone.now())
    for order_id in order_ids:
        order_processing_schedule(order_id=order_id)
