"""Two delivery runs at once (two workers, or a slow run overtaken by the next beat tick)
never send to one endpoint together: the second leaves an endpoint whose row the first
holds, and goes on with the others."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from domain.catalog.services import product_update
from domain.webhooks.delivery import webhook_deliveries_send
from domain.webhooks.models import WebhookDelivery
from tests.factories import make_product, make_staff
from tests.factories.webhooks import make_webhook
from tests.support.webhook_receiver import running_receiver

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("local_receivers_allowed"),
]


def test_a_second_run_skips_the_endpoint_the_first_is_sending_to(receiver):
    # given two endpoints, the first one's receiver holding its request
    product = make_product()
    busy = make_webhook(url=receiver.url)
    with running_receiver() as other_receiver:
        other = make_webhook(url=other_receiver.url)
        product_update(actor=make_staff(), product_id=product.pk, price=Decimal("11.00"))
        receiver.hold_next()
        first_run: dict[str, int] = {}

        def run() -> None:
            try:
                first_run["sent"] = webhook_deliveries_send()
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        receiver.wait_for(1)
        # when a second run starts meanwhile
        second = webhook_deliveries_send()
        # then it delivered to the other endpoint only
        assert second == 1
        assert len(other_receiver.requests) == 1
        assert len(receiver.requests) == 1
        receiver.release()
        thread.join(timeout=60)
    assert first_run == {"sent": 1}
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.filter(endpoint=busy, succeeded=True).count() == 1
    assert WebhookDelivery.objects.filter(endpoint=other, succeeded=True).count() == 1
