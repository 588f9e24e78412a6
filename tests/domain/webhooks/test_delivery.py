"""Deliveries from the event log to a real receiver on 127.0.0.1, driven by calling the
delivery service as the beat task does, with the clock given explicitly."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from domain.catalog.services import product_update
from domain.events.models import ProductEvent
from domain.webhooks.delivery import webhook_deliveries_send
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.ids import global_id

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_receivers_allowed")]


def _attempts(endpoint: WebhookEndpoint) -> list[tuple]:
    return list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("id")
        .values_list("event_id", "attempt", "status_code", "succeeded")
    )


def _change_price(product, price: str) -> ProductEvent:
    product_update(actor=make_staff(), product_id=product.pk, price=Decimal(price))
    return ProductEvent.objects.filter(type="product.price_changed").latest("id")


def test_a_price_change_arrives_signed_and_verifies(receiver):
    # given
    product = make_product(name="Oak Lamp", slug="oak-lamp", price=Decimal("10.00"))
    endpoint = make_webhook(url=receiver.url, events=["product.price_changed"])
    event = _change_price(product, "12.50")
    # when
    sent = webhook_deliveries_send()
    # then
    assert sent == 1
    [request] = receiver.wait_for(1)
    payload = Webhook(endpoint.secret).verify(request.body, request.headers)
    assert request.headers["webhook-id"] == f"evt_product_{event.pk}"
    assert request.headers["content-type"] == "application/json"
    assert request.path == "/hooks"
    assert payload == {
        "type": "product.price_changed",
        "timestamp": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "data": {
            "productId": global_id("Product", product.pk),
            "changedFields": ["price"],
            "product": {
                "id": global_id("Product", product.pk),
                "name": "Oak Lamp",
                "slug": "oak-lamp",
                "price": "12.50",
                "currency": "EUR",
                "stock": 5,
                "isPublished": True,
                "category": {
                    "id": global_id("Category", product.category_id),
                    "slug": product.category.slug,
                },
            },
        },
    }
    assert _attempts(endpoint) == [(f"evt_product_{event.pk}", 1, 200, True)]
    endpoint.refresh_from_db()
    assert endpoint.product_event_cursor == event.pk


def test_a_signature_made_with_another_secret_does_not_verify(receiver):
    product = make_product()
    make_webhook(url=receiver.url)
    _change_price(product, "11.00")
    webhook_deliveries_send()
    [request] = receiver.wait_for(1)
    other = make_webhook()  # another endpoint's secret
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(other.secret).verify(request.body, request.headers)


def test_a_receiver_answering_500_twice_then_200_gets_three_attempts_and_one_success(receiver):
    # given
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    event = _change_price(product, "11.00")
    receiver.answer(500, 500)
    start = timezone.now()
    # when the first attempt fails
    assert webhook_deliveries_send(now=start) == 0
    endpoint.refresh_from_db()
    first_retry = endpoint.next_attempt_at
    # then the next is due 80 s later, give or take 20 %, and not before
    assert timedelta(seconds=64) <= first_retry - start <= timedelta(seconds=96)
    assert webhook_deliveries_send(now=first_retry - timedelta(seconds=1)) == 0
    assert len(receiver.requests) == 1
    # when it fails again, the next waits three times longer
    assert webhook_deliveries_send(now=first_retry) == 0
    endpoint.refresh_from_db()
    second_retry = endpoint.next_attempt_at
    assert timedelta(seconds=192) <= second_retry - first_retry <= timedelta(seconds=288)
    # and the third succeeds
    assert webhook_deliveries_send(now=second_retry) == 1
    # then
    requests = receiver.wait_for(3)
    assert {r.headers["webhook-id"] for r in requests} == {f"evt_product_{event.pk}"}
    for request in requests:
        Webhook(endpoint.secret).verify(request.body, request.headers)
    webhook_id = f"evt_product_{event.pk}"
    assert _attempts(endpoint) == [
        (webhook_id, 1, 500, False),
        (webhook_id, 2, 500, False),
        (webhook_id, 3, 200, True),
    ]
    assert WebhookDelivery.objects.filter(endpoint=endpoint, succeeded=True).count() == 1
    endpoint.refresh_from_db()
    assert (endpoint.product_event_cursor, endpoint.next_attempt_at) == (event.pk, None)
    assert (endpoint.failed_attempts, endpoint.retry_event_id) == (0, "")
    assert webhook_deliveries_send(now=second_retry + timedelta(days=1)) == 0
    assert len(receiver.requests) == 3


def test_later_events_wait_behind_a_failing_one(receiver):
    # given
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    first = _change_price(product, "11.00")
    second = _change_price(product, "12.00")
    receiver.answer(503)
    # when
    webhook_deliveries_send()
    endpoint.refresh_from_db()
    webhook_deliveries_send(now=endpoint.next_attempt_at)
    # then
    ids = [r.headers["webhook-id"] for r in receiver.wait_for(3)]
    assert ids == [f"evt_product_{first.pk}", f"evt_product_{first.pk}", f"evt_product_{second.pk}"]
    assert [row[1:] for row in _attempts(endpoint)] == [
        (1, 503, False),
        (2, 200, True),
        (1, 200, True),
    ]


def test_after_the_last_attempt_fails_the_endpoint_is_disabled_and_staff_are_told(
    receiver, settings, mailoutbox, caplog, django_capture_on_commit_callbacks
):
    # given
    settings.ADMINS = [("Ops", "ops@example.com")]
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    event = _change_price(product, "11.00")
    receiver.answer(*[500] * 8)
    moment = timezone.now()
    # when every attempt fails
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(8):
            webhook_deliveries_send(now=moment)
            endpoint.refresh_from_db()
            moment = endpoint.next_attempt_at or moment
    # then
    assert [row[1:] for row in _attempts(endpoint)] == [(n, 500, False) for n in range(1, 9)]
    assert endpoint.is_active is False
    assert endpoint.disabled_reason == (
        f"Disabled after 8 failed attempts to deliver evt_product_{event.pk} "
        "(product.price_changed); the last: HTTP 500"
    )
    assert endpoint.product_event_cursor < event.pk  # the failed event is not skipped
    assert [m.subject for m in mailoutbox] == [
        f"[Django] Webhook endpoint disabled: {receiver.url}"
    ]
    assert [r.getMessage() for r in caplog.records if r.name == "domain.webhooks"] == [
        f"webhook endpoint {endpoint.pk} ({receiver.url}) disabled: {endpoint.disabled_reason}"
    ]
    # and a disabled endpoint gets nothing more
    assert webhook_deliveries_send(now=moment + timedelta(days=2)) == 0
    assert len(receiver.requests) == 8


def test_a_re_enabled_endpoint_starts_again_from_the_failed_event(receiver):
    # given an endpoint disabled after failing at an event
    from domain.webhooks.services import webhook_update

    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    event = _change_price(product, "11.00")
    receiver.answer(*[500] * 8)
    moment = timezone.now()
    for _ in range(8):
        webhook_deliveries_send(now=moment)
        endpoint.refresh_from_db()
        moment = endpoint.next_attempt_at or moment
    assert endpoint.is_active is False
    # when staff enable it again
    webhook_update(actor=make_staff(), webhook_id=endpoint.pk, is_active=True)
    assert webhook_deliveries_send() == 1
    # then the event is delivered, as attempt 1 of a new series
    assert receiver.wait_for(9)[-1].headers["webhook-id"] == f"evt_product_{event.pk}"
    assert _attempts(endpoint)[-1] == (f"evt_product_{event.pk}", 1, 200, True)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason, endpoint.disabled_at) == (True, "", None)


def test_a_redirect_is_not_followed(receiver):
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    _change_price(product, "11.00")
    receiver.answer(302)
    webhook_deliveries_send()
    assert len(receiver.wait_for(1)) == 1
    assert [row[2:] for row in _attempts(endpoint)] == [(302, False)]


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(receiver, settings):
    settings.WEBHOOK_TIMEOUT = 0.5
    product = make_product()
    endpoint = make_webhook(url=receiver.url)
    _change_price(product, "11.00")
    receiver.hold_next()
    webhook_deliveries_send()
    receiver.release()
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status_code, delivery.succeeded, delivery.error) == (
        None,
        False,
        "Timed out after 0.5 s.",
    )


def test_events_of_other_types_are_not_sent_and_the_cursor_moves_past_them(receiver):
    # given an endpoint for order events only
    product = make_product()
    endpoint = make_webhook(url=receiver.url, events=["order.created"])
    event = _change_price(product, "11.00")
    # when
    assert webhook_deliveries_send() == 0
    # then
    assert receiver.requests == []
    assert _attempts(endpoint) == []
    endpoint.refresh_from_db()
    assert endpoint.product_event_cursor == event.pk


def test_a_new_endpoint_gets_what_happens_after_it_was_made(receiver):
    product = make_product()
    _change_price(product, "11.00")
    endpoint = make_webhook(url=receiver.url)
    later = _change_price(product, "12.00")
    webhook_deliveries_send()
    assert [r.headers["webhook-id"] for r in receiver.wait_for(1)] == [f"evt_product_{later.pk}"]
    assert len(_attempts(endpoint)) == 1


def test_an_order_event_says_what_the_order_is(receiver):
    # given
    from domain.orders.services import OrderLineRequest, order_place
    from tests.factories import make_user

    product = make_product(price=Decimal("4.00"))
    customer = make_user()
    endpoint = make_webhook(url=receiver.url, events=["order.created"])
    # when
    order = order_place(actor=customer, lines=[OrderLineRequest(product.pk, 2)])
    webhook_deliveries_send()
    # then
    [request] = receiver.wait_for(1)
    payload = json.loads(request.body)
    assert payload["type"] == "order.created"
    assert payload["data"] == {
        "orderId": global_id("Order", order.pk),
        "number": order.number,
        "status": "PENDING",
        "total": "8.00",
        "currency": "EUR",
        "customerId": global_id("User", customer.pk),
        "changedFields": [],
    }
    Webhook(endpoint.secret).verify(request.body, request.headers)


def test_a_deleted_products_event_carries_no_product(receiver):
    from domain.catalog.services import product_delete

    product = make_product()
    make_webhook(url=receiver.url, events=["product.deleted"])
    product_delete(actor=make_staff(), product_id=product.pk)
    webhook_deliveries_send()
    [request] = receiver.wait_for(1)
    assert json.loads(request.body)["data"]["product"] is None
