"""Order processing with tasks run eagerly (in this process): payment, then CONFIRMED or
FAILED; retries, idempotency, and the bound on attempts. The same with a real worker:
test_order_processing_worker.py."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from domain.catalog.models import Product
from domain.events.models import OrderEvent, OrderEventType
from domain.orders import processing, tasks
from domain.orders.models import Order
from domain.orders.payments import DeterministicProvider, charge_count
from domain.orders.services import OrderLineRequest, order_cancel, order_place
from tests.factories import make_product, make_user
from tests.support.graphql import execute, operation_document
from tests.support.ids import global_id

pytestmark = pytest.mark.django_db

PLACE = operation_document("shopping", "OrderPlace")
MY_ORDERS = operation_document("account", "MyOrders")


@pytest.fixture
def product():
    return make_product(price=Decimal("7.50"), stock=10)


@pytest.fixture
def processing_on(settings):
    settings.ORDER_PROCESS_ON_PLACE = True
    settings.ORDER_PAYMENT_MAX_ATTEMPTS = 3


def _place_over_graphql(customer, product, capture) -> dict:
    with capture(execute=True):
        payload = execute(
            PLACE,
            {"input": {"lines": [{"productId": global_id("Product", product.pk), "quantity": 2}]}},
            viewer=customer,
        )["data"]["orderPlace"]
    assert payload["errors"] == []
    return payload["order"]


def _my_orders(customer) -> list[dict]:
    edges = execute(MY_ORDERS, viewer=customer)["data"]["myOrders"]["edges"]
    return [(edge["node"]["number"], edge["node"]["status"]) for edge in edges]


def _status_events(order_id: int) -> list[str]:
    return list(
        OrderEvent.objects.filter(order_id=order_id, type=OrderEventType.STATUS_CHANGED)
        .order_by("id")
        .values_list("status", flat=True)
    )


def _stock(product) -> int:
    return Product.all_objects.get(pk=product.pk).stock


def test_a_placed_order_is_paid_confirmed_and_its_owner_emailed(
    processing_on, product, django_capture_on_commit_callbacks
):
    # given
    customer = make_user(email="ann@example.com")
    # when
    placed = _place_over_graphql(customer, product, django_capture_on_commit_callbacks)
    # then: the mutation answers the order as placed; processing followed its commit
    assert placed["status"] == "PENDING"
    assert _my_orders(customer) == [(placed["number"], "CONFIRMED")]
    order = Order.objects.get()
    assert _status_events(order.pk) == ["CONFIRMED"]
    assert (order.payment_attempts, order.payment_reference) == (1, f"det_order-{order.pk}")
    assert charge_count(order.pk) == 1
    assert _stock(product) == 8
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ann@example.com"], f"Order {placed['number']} confirmed")
    ]
    assert "2 × " in mail.outbox[0].body and "Total: 15.00 EUR" in mail.outbox[0].body


def test_a_declined_payment_fails_the_order_and_gives_its_stock_back(
    processing_on, product, django_capture_on_commit_callbacks
):
    customer = make_user(email="bob+decline@example.com")
    placed = _place_over_graphql(customer, product, django_capture_on_commit_callbacks)
    assert _my_orders(customer) == [(placed["number"], "FAILED")]
    order = Order.objects.get()
    assert _status_events(order.pk) == ["FAILED"]
    assert order.payment_error == "Card declined."
    assert charge_count(order.pk) == 0
    assert _stock(product) == 10
    assert mail.outbox == []


def test_transient_failures_are_retried_until_the_payment_goes_through(
    processing_on, product, django_capture_on_commit_callbacks
):
    customer = make_user(email="cy+transient2@example.com")
    placed = _place_over_graphql(customer, product, django_capture_on_commit_callbacks)
    assert _my_orders(customer) == [(placed["number"], "CONFIRMED")]
    order = Order.objects.get()
    assert order.payment_attempts == 3  # two transient failures, then approved
    assert charge_count(order.pk) == 1
    assert _status_events(order.pk) == ["CONFIRMED"]
    assert len(mail.outbox) == 1


def test_a_transient_failure_at_the_last_attempt_fails_the_order_with_its_stock_back(
    processing_on, product, django_capture_on_commit_callbacks
):
    customer = make_user(email="di+transient3@example.com")  # one failure more than allowed
    placed = _place_over_graphql(customer, product, django_capture_on_commit_callbacks)
    assert _my_orders(customer) == [(placed["number"], "FAILED")]
    order = Order.objects.get()
    assert (order.payment_attempts, order.payment_error) == (3, processing.PAYMENT_UNAVAILABLE)
    assert charge_count(order.pk) == 0
    assert _stock(product) == 10
    assert _status_events(order.pk) == ["FAILED"]


def test_retry_delays_grow_exponentially_up_to_the_cap_with_jitter(settings):
    settings.ORDER_PAYMENT_RETRY_DELAY = 10
    settings.TASK_RETRY_MAX_DELAY = 300
    for attempts, ceiling in [(1, 10), (2, 20), (3, 40), (5, 160), (6, 300), (12, 300)]:
        delays = {processing.payment_retry_delay(attempts) for _ in range(50)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays), (attempts, delays)
        assert len(delays) > 1  # jittered


def test_the_task_asks_for_a_retry_after_the_services_delay(product, monkeypatch):
    # given: an order whose first charge fails transiently
    order = order_place(
        actor=make_user(email="ed+transient1@example.com"), lines=[OrderLineRequest(product.pk, 1)]
    )
    monkeypatch.setattr(processing, "payment_retry_delay", lambda attempts: 12.5 * attempts)
    asked: list[float] = []

    def retry(*, countdown: float) -> Exception:
        asked.append(countdown)
        return RuntimeError("retry asked")

    monkeypatch.setattr(tasks.order_process, "retry", retry)
    # when
    with pytest.raises(RuntimeError, match="retry asked"):
        tasks.order_process.run(order.pk)
    # then
    assert asked == [12.5]
    order.refresh_from_db()
    assert (order.status, order.payment_attempts) == ("PENDING", 1)


def test_processing_twice_charges_once_and_records_one_status_change(product):
    order = order_place(actor=make_user(), lines=[OrderLineRequest(product.pk, 1)])
    first = processing.order_process(order_id=order.pk)
    second = processing.order_process(order_id=order.pk)
    assert (first.status, second.status) == ("CONFIRMED", "CONFIRMED")
    assert charge_count(order.pk) == 1
    assert _status_events(order.pk) == ["CONFIRMED"]
    order.refresh_from_db()
    assert order.payment_attempts == 1  # the second run stopped before charging


def test_a_run_after_a_crash_between_charge_and_commit_does_not_charge_again(product):
    # given: an attempt began and the provider charged, then the worker died before its
    # commit (the attempt count committed; nothing else did)
    order = order_place(actor=make_user(), lines=[OrderLineRequest(product.pk, 1)])
    Order.objects.filter(pk=order.pk).update(payment_attempts=1)
    DeterministicProvider().charge(
        order, idempotency_key=processing.payment_idempotency_key(order.pk)
    )
    assert charge_count(order.pk) == 1
    # when: the redelivered task runs
    result = processing.order_process(order_id=order.pk)
    # then
    assert result.status == "CONFIRMED"
    assert charge_count(order.pk) == 1
    assert _status_events(order.pk) == ["CONFIRMED"]


def test_attempts_used_up_without_an_outcome_fail_the_order_without_charging(settings, product):
    settings.ORDER_PAYMENT_MAX_ATTEMPTS = 3
    order = order_place(actor=make_user(), lines=[OrderLineRequest(product.pk, 4)])
    Order.objects.filter(pk=order.pk).update(payment_attempts=3)  # three runs died
    result = processing.order_process(order_id=order.pk)
    assert result.status == "FAILED"
    order.refresh_from_db()
    assert order.payment_error == processing.OUTCOME_UNKNOWN
    assert charge_count(order.pk) == 0
    assert _stock(product) == 10


def test_a_cancelled_order_is_left_alone_and_its_stock_returns_once(product):
    customer = make_user()
    order = order_place(actor=customer, lines=[OrderLineRequest(product.pk, 3)])
    order_cancel(actor=customer, order_id=order.pk)
    result = processing.order_process(order_id=order.pk)
    assert result.status == "CANCELLED"
    assert charge_count(order.pk) == 0
    assert _stock(product) == 10
    assert _status_events(order.pk) == ["CANCELLED"]


def test_an_order_whose_payment_began_is_not_cancelled_until_it_is_settled(product):
    # given: the provider charged, then the worker died before its commit
    customer = make_user()
    order = order_place(actor=customer, lines=[OrderLineRequest(product.pk, 2)])
    Order.objects.filter(pk=order.pk).update(payment_attempts=1)
    DeterministicProvider().charge(
        order, idempotency_key=processing.payment_idempotency_key(order.pk)
    )
    # when the customer cancels meanwhile
    with pytest.raises(ValidationError) as refused:
        order_cancel(actor=customer, order_id=order.pk)
    # then it is refused, nothing changes, and the redelivered task confirms the paid order
    assert refused.value.code == "invalid_status"
    assert (Order.objects.get(pk=order.pk).status, _stock(product)) == ("PENDING", 8)
    assert processing.order_process(order_id=order.pk).status == "CONFIRMED"
    assert charge_count(order.pk) == 1
    # and once settled, it may be cancelled (stock back once)
    order_cancel(actor=customer, order_id=order.pk)
    assert _stock(product) == 10
    assert _status_events(order.pk) == ["CONFIRMED", "CANCELLED"]


def test_a_failed_eager_task_leaves_the_order_pending_and_the_mutation_answers(
    processing_on, settings, product, django_capture_on_commit_callbacks
):
    # given: a provider that breaks (a bug, not a transient failure)
    settings.PAYMENT_PROVIDER = "tests.domain.orders.test_order_processing.BrokenProvider"
    customer = make_user()
    # when: the eager task raises inside the commit's callback
    placed = _place_over_graphql(customer, product, django_capture_on_commit_callbacks)
    # then: the order was placed and answered; it waits for a later run
    assert _my_orders(customer) == [(placed["number"], "PENDING")]
    assert _stock(product) == 8


class BrokenProvider:
    def charge(self, order, *, idempotency_key):
        raise RuntimeError("provider bug")
