"""WebhookDeliveries reads the webhook and one page of its deliveries: two queries, whatever
the page size."""

from __future__ import annotations

import pytest
from django.utils import timezone

from domain.webhooks.models import WebhookDelivery
from tests.factories import make_staff
from tests.factories.webhooks import make_webhook
from tests.support.graphql import execute
from tests.support.ids import global_id
from tests.support.webhook_operations import WEBHOOK_DELIVERIES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("size", [2, 20])
def test_webhook_deliveries_takes_two_queries(django_assert_num_queries, size):
    staff = make_staff()
    endpoint = make_webhook()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint,
            stream="product",
            event_pk=number,
            event_id=f"evt_product_{number}",
            event_type="product.created",
            attempt=1,
            succeeded=False,
            created_at=timezone.now(),
        )
        for number in range(size)
    )
    with django_assert_num_queries(2):
        result = execute(
            WEBHOOK_DELIVERIES, {"id": global_id("Webhook", endpoint.pk)}, viewer=staff
        )
    assert len(result["data"]["node"]["deliveries"]["edges"]) == size
