"""The delivery record is kept for WEBHOOK_DELIVERY_RETENTION seconds (30 days)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from domain.webhooks.models import WebhookDelivery


def webhook_delivery_prune() -> int:
    """Delete attempts older than the retention. Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.WEBHOOK_DELIVERY_RETENTION)
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).delete()
    return deleted
