"""Celery tasks, named after the services they call. Beat runs `webhook_deliveries_send`
every WEBHOOK_DELIVERY_INTERVAL seconds and `webhook_delivery_prune` hourly
(project/celery_settings.py)."""

from celery import shared_task

from domain.webhooks.delivery import webhook_deliveries_send as send_service
from domain.webhooks.pruning import webhook_delivery_prune as prune_service


@shared_task(name="webhook_deliveries_send", ignore_result=True)
def webhook_deliveries_send() -> int:
    return send_service()


@shared_task(name="webhook_delivery_prune", ignore_result=True)
def webhook_delivery_prune() -> int:
    return prune_service()
