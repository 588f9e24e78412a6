"""The beat task's sweep of PENDING orders whose payment did not begin in time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from domain.catalog.models import Product
from domain.events.models import OrderEvent, OrderEventType
from domain.orders import processing, tasks
from domain.orders.models import Order
from domain.orders.payments import charge_count
from domain.orders.services import OrderLineRequest, order_place
from tests.factories import make_product, make_user

TIMEOUT = 900


@pytest.fixture(autouse=True)
def _timeout(settings):
    settings.ORDER_PAYMENT_TIMEOUT = TIMEOUT


def _placed(product, quantity: int, *, age: float, **payment) -> Order:
    order = order_place(actor=make_user(), lines=[OrderLineRequest(product.pk, quantity)])
    Order.objects.filter(pk=order.pk).update(
        created_at=timezone.now() - timedelta(seconds=age), **payment
    )
    return order


def _status(order: Order) -> str:
    return Order.objects.get(pk=order.pk).status


def _status_events(order: Order) -> list[str]:
    return list(
        OrderEvent.objects.filter(order_id=order.pk, type=OrderEventType.STATUS_CHANGED)
        .order_by("id")
        .values_list("status", flat=True)
    )


def _stock(product) -> int:
    return Product.all_objects.get(pk=product.pk).stock


@pytest.mark.django_db
def test_overdue_orders_are_cancelled_and_their_stock_returns_once():
    # given
    product = make_product(stock=10)
    overdue = _placed(product, 3, age=TIMEOUT + 5)
    young = _placed(product, 2, age=TIMEOUT - 60)
    # when
    first = tasks.orders_overdue_cancel.delay().get()
    second = tasks.orders_overdue_cancel.delay().get()
    # then
    assert (first, second) == (1, 0)
    assert (_status(overdue), _status(young)) == ("CANCELLED", "PENDING")
    assert _stock(product) == 8  # the young order's 2 still held
    assert _status_events(overdue) == ["CANCELLED"]
    assert _status_events(young) == []


@pytest.mark.django_db
def test_an_order_whose_payment_began_is_finished_not_cancelled(
    django_capture_on_commit_callbacks,
):
    # given: one order whose payment run died long ago, one whose attempt just began
    product = make_product(stock=10)
    long_ago = timezone.now() - timedelta(seconds=TIMEOUT + 60)
    stalled = _placed(
        product, 1, age=TIMEOUT + 120, payment_attempts=1, payment_attempted_at=long_ago
    )
    running = _placed(
        product, 1, age=TIMEOUT + 120, payment_attempts=1, payment_attempted_at=timezone.now()
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = tasks.orders_overdue_cancel.delay().get()
    # then: the stalled one went back to processing (eagerly here) and was confirmed; the
    # running one was left to its run
    assert cancelled == 0
    assert (_status(stalled), _status(running)) == ("CONFIRMED", "PENDING")
    assert Order.objects.get(pk=stalled.pk).payment_attempts == 2
    assert Order.objects.get(pk=running.pk).payment_attempts == 1
    assert (charge_count(stalled.pk), charge_count(running.pk)) == (1, 0)
    assert _stock(product) == 8


@pytest.mark.django_db
def test_processing_an_overdue_order_cancels_it_instead_of_charging():
    product = make_product(stock=10)
    order = _placed(product, 4, age=TIMEOUT + 5)
    result = processing.order_process(order_id=order.pk)
    assert result.status == "CANCELLED"
    assert charge_count(order.pk) == 0
    assert _stock(product) == 10
    assert _status_events(order) == ["CANCELLED"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_order_locked_by_its_payment_is_skipped_then_cancelled_once_free():
    # given: another transaction holds the order's row lock, as a payment run does
    product = make_product(stock=10)
    order = _placed(product, 5, age=TIMEOUT + 5)
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=order.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(timeout=30)
        # when / then: the sweep skips it without waiting
        assert tasks.orders_overdue_cancel.delay().get() == 0
        assert _status(order) == "PENDING" and _stock(product) == 5
    finally:
        release.set()
        holder.join()
    # and once free, cancels it, once
    assert tasks.orders_overdue_cancel.delay().get() == 1
    assert tasks.orders_overdue_cancel.delay().get() == 0
    assert _status(order) == "CANCELLED"
    assert _stock(product) == 10
    assert _status_events(order) == ["CANCELLED"]
