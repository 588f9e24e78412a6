"""A real Celery worker, killed with SIGKILL while its delivery waits for the receiver's
answer: a second worker delivers the event again, and the record shows exactly one
success (the receiver saw the event twice, with one webhook-id to deduplicate on)."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction
from standardwebhooks import Webhook

from domain.catalog.services import product_update
from domain.events.models import ProductEvent
from domain.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.celery_worker import (
    celery_client,
    celery_env_on_test_services,
    running_celery_worker,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WAIT = 60  # seconds
POLL = 0.05


def _send_task(env: dict[str, str], name: str) -> None:
    """What beat does: send the task `name` to the workers of `env`."""
    with celery_client(env) as client:
        client.send_task(name)


def _until(condition: Callable[[], bool], what: str) -> None:
    """Until `condition()` holds: the worker reports nothing back, so the test looks at
    the database (fails after WAIT seconds)."""
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(POLL)


def _wait_for_the_lock_of(endpoint: WebhookEndpoint) -> None:
    """Until the killed worker's transaction is gone: this takes the endpoint's row lock
    (waiting for PostgreSQL to end the dead session), then lets it go."""
    with transaction.atomic():
        WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)


def test_a_worker_killed_mid_delivery_ends_with_exactly_one_success(receiver):
    # given an endpoint and a price change to deliver, with a receiver that holds the
    # first request unanswered
    product = make_product()
    endpoint = make_webhook(url=receiver.url, events=["product.price_changed"])
    product_update(actor=make_staff(), product_id=product.pk, price=Decimal("12.00"))
    event = ProductEvent.objects.get(type="product.price_changed")
    receiver.hold_next()
    with celery_env_on_test_services(WEBHOOK_ALLOWED_HOSTS="127.0.0.1") as env:
        # when the first worker is killed while it waits for the answer
        with running_celery_worker(env) as first:
            _send_task(env, "webhook_deliveries_send")
            receiver.wait_for(1)
            first.kill()
        _wait_for_the_lock_of(endpoint)
        assert WebhookDelivery.objects.count() == 0  # its attempt left nothing behind
        endpoint.refresh_from_db()
        assert endpoint.product_event_cursor < event.pk
        receiver.release()
        # and a second worker runs the next delivery
        with running_celery_worker(env):
            _send_task(env, "webhook_deliveries_send")
            _until(
                lambda: WebhookDelivery.objects.filter(succeeded=True).exists(),
                "a successful delivery was recorded",
            )
    # then
    requests = receiver.wait_for(2)
    assert [r.headers["webhook-id"] for r in requests] == [f"evt_product_{event.pk}"] * 2
    for request in requests:
        Webhook(endpoint.secret).verify(request.body, request.headers)
    assert list(
        WebhookDelivery.objects.values_list("event_id", "attempt", "status_code", "succeeded")
    ) == [(f"evt_product_{event.pk}", 1, 200, True)]
    endpoint.refresh_from_db()
    assert endpoint.product_event_cursor == event.pk
