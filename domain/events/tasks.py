"""Celery tasks, named after the services they call."""

from celery import shared_task

from domain.events.publishing import event_backlog_relay as relay_service
from domain.events.publishing import event_log_prune as prune_service


@shared_task(name="event_backlog_relay", ignore_result=True)
def event_backlog_relay() -> int:
    return relay_service()


@shared_task(name="event_log_prune", ignore_result=True)
def event_log_prune() -> int:
    return prune_service()
