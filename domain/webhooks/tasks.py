"""Celery tasks, named after the services they call. Beat runs `webhook_deliveries_send`
every WEBHOOK_DELIVERY_INTERVAL seconds and `webhook_delivery_prune` hourly
(project/celery_settings.py); a publish of events also sends a delivery run (kick.py)."""

from celery import shared_task

from domain.webhooks.delivery import webhook_deliveries_send as send_service
from domain.webhooks.kick import kick_taken
from domain.webhooks.pruning import webhook_delivery_prune as prune_service


@shared_task(name="webhook_deliveries_send", ignore_result=True)
def webhook_deliveries_send() -> int:
    kick_taken()  # before the log is read: a publish from now on sends another run
    return send_service()


@shared_task(name="webhook_delivery_prune", ignore_result=True)
def webhook_delivery_prune() -> int:
    return prune_service()
