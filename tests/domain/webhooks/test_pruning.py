from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from domain.webhooks.models import WebhookDelivery
from domain.webhooks.tasks import webhook_delivery_prune
from tests.factories.webhooks import make_webhook

pytestmark = pytest.mark.django_db


def test_attempts_older_than_the_retention_are_pruned(settings):
    settings.WEBHOOK_DELIVERY_RETENTION = 3600
    endpoint = make_webhook()
    now = timezone.now()
    for number, age in enumerate((timedelta(hours=2), timedelta(minutes=30)), start=1):
        WebhookDelivery.objects.create(
            endpoint=endpoint,
            stream="product",
            event_pk=number,
            event_id=f"evt_product_{number}",
            event_type="product.created",
            attempt=1,
            status_code=200,
            succeeded=True,
            created_at=now - age,
        )
    assert webhook_delivery_prune.delay().get() == 1
    assert list(WebhookDelivery.objects.values_list("event_id", flat=True)) == ["evt_product_2"]
